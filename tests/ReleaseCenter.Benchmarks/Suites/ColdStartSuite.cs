using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Benchmarks.Suites;

/// <summary>
/// Cold start: from spawning the process to its first answer reaching a local Runtime API, for the Native AOT
/// bootstrap, the JIT (framework-dependent) build of the same code, and a bare AOT runtime as the floor. The task
/// handler is send-reminders (one DynamoDB query, as its schedule runs it); the API answers GET /v1/releases with an
/// authorizer's claims (authentication, one query, a JSON page). Both reach DynamoDB in the emulator, so the SDK's
/// first call is part of the figure, as it is in Lambda.
/// </summary>
public sealed class ColdStartSuite : ISuite
{
    private const string TaskHandler = "send-reminders";
    private const double TaskTargetMs = 25;
    private const double ApiTargetMs = 50;
    private const double SpeedupTarget = 5;

    public string Name => "coldstart";

    private sealed record Build(string Name, string FileName, string[] Arguments, long Bytes);

    private sealed record Sample(double Ms, long PeakRssBytes, IReadOnlyDictionary<string, double> Phases);

    public async Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var report = new SuiteReport(Name, "Cold start: process spawn to the first answer at the Runtime API");
        var builds = await PrepareBuildsAsync(options, report, ct).ConfigureAwait(false);
        var runs = options.Smoke ? 1 : 20;

        await using var aws = await LocalAws.StartAsync(ct: ct).ConfigureAwait(false);
        var names = new ResourceNames("coldstart");
        using (var dynamo = LocalAws.CreateDynamoDbClient(aws.MotoUrl.ToString().TrimEnd('/')))
        {
            await TableProvisioner.EnsureTableAsync(dynamo, names.TableName, ct).ConfigureAwait(false);
        }
        await using var stub = await RuntimeApiStub.StartAsync().ConfigureAwait(false);
        var environment = Environment(options, aws, names);

        var cases = builds.SelectMany(b => new[] { (Build: b, Handler: TaskHandler), (Build: b, Handler: "api") }).ToList();
        var samples = cases.ToDictionary(c => c, _ => new List<Sample>());
        var traced = cases.ToDictionary(c => c, _ => new List<Sample>());
        // Interleaved, so that a noisy moment on a shared machine spreads over every build instead of one.
        for (var i = 0; i < runs; i++)
        {
            foreach (var c in cases)
            {
                samples[c].Add(await RunOnceAsync(c.Build, c.Handler, environment, stub, trace: false, ct).ConfigureAwait(false));
            }
        }
        // Separate runs with the init phases marked (the marks write to stderr, which costs a little): only for the breakdown.
        foreach (var c in cases.Where(c => c.Build.Name == "our AOT bootstrap"))
        {
            for (var i = 0; i < Math.Max(1, runs / 2); i++)
            {
                traced[c].Add(await RunOnceAsync(c.Build, c.Handler, environment, stub, trace: true, ct).ConfigureAwait(false));
            }
        }

        var table = report.Table($"Cold start, {runs} run(s) each, interleaved (task: {TaskHandler}; API: GET /v1/releases)",
            "build", "handler", "min", "median", "max", "peak RSS (median)");
        foreach (var c in cases)
        {
            var ms = samples[c].Select(s => s.Ms).ToList();
            table.Add(c.Build.Name, c.Handler == "api" ? "API" : "task", Stats.Ms(ms.Min()), Stats.Ms(Stats.Median(ms)), Stats.Ms(ms.Max()),
                Stats.Mb((long)Stats.Median(samples[c].Select(s => (double)s.PeakRssBytes).ToList())));
        }

        double MedianOf(string build, string handler) =>
            samples.Where(kv => kv.Key.Build.Name == build && kv.Key.Handler == handler).Select(kv => Stats.Median(kv.Value.Select(s => s.Ms).ToList())).DefaultIfEmpty(double.NaN).First();
        var comparison = report.Table("AOT against the floor and the JIT build (medians)", "handler", "floor", "AOT", "JIT", "JIT ÷ AOT", "AOT − floor");
        foreach (var handler in new[] { TaskHandler, "api" })
        {
            var floor = MedianOf("bare AOT runtime (floor)", handler);
            var aot = MedianOf("our AOT bootstrap", handler);
            var jit = MedianOf("JIT build", handler);
            comparison.Add(handler == "api" ? "API" : "task", Stats.Ms(floor), Stats.Ms(aot), Stats.Ms(jit), double.IsNaN(aot) || double.IsNaN(jit) ? "n/a" : Stats.Ratio(jit / aot),
                double.IsNaN(aot) || double.IsNaN(floor) ? "n/a" : Stats.Ms(aot - floor));
            var label = handler == "api" ? "API" : "task";
            var target = handler == "api" ? ApiTargetMs : TaskTargetMs;
            if (!double.IsNaN(aot))
            {
                report.Target($"AOT {label} cold start ≤ {target} ms (median)", Stats.Ms(aot), aot <= target);
            }
            if (!double.IsNaN(aot) && !double.IsNaN(jit))
            {
                report.Target($"AOT {label} ≥ {SpeedupTarget}× faster than JIT", Stats.Ratio(jit / aot), jit / aot >= SpeedupTarget);
            }
        }

        if (traced.Values.Any(t => t.Count > 0))
        {
            var phases = report.Table("Where the AOT bootstrap's cold start goes (medians of the marked runs; RELEASE_CENTER_INIT_TIMINGS=1)", "phase", "task", "API");
            foreach (var (phase, meaning) in Phases)
            {
                string Cell(string handler) => traced.Where(kv => kv.Key.Handler == handler && kv.Key.Build.Name == "our AOT bootstrap")
                    .Select(kv => kv.Value.Where(s => s.Phases.ContainsKey(phase)).Select(s => s.Phases[phase]).ToList())
                    .Select(v => v.Count == 0 ? "n/a" : Stats.Ms(Stats.Median(v))).FirstOrDefault() ?? "n/a";
                phases.Add(meaning, Cell(TaskHandler), Cell("api"));
            }
        }
        var sizes = report.Table("What is deployed", "build", "size");
        foreach (var b in builds)
        {
            sizes.Add(b.Name, Stats.Mb(b.Bytes));
        }
        return report;
    }

    /// <summary>Init phases as the bootstrap marks them (InitTimings), each measured from the previous mark.</summary>
    private static readonly (string Phase, string Meaning)[] Phases =
    [
        ("main", "spawn → Main (process start, runtime init)"),
        ("builder", "Main → host builder created (configuration sources, default services)"),
        ("services", "builder → our services registered (AddReleaseCenter, the API's, logging)"),
        ("built", "registered → service provider built (Build)"),
        ("host-built", "built → endpoints mapped (API: middleware and routes)"),
        ("host-started", "mapped → host started (hosted services; the API's server)"),
        ("invoked", "started → first invocation received (Runtime API long poll)"),
        ("handled", "invocation → handled (the handler, its first DynamoDB call included)"),
        ("answered", "handled → answer at the Runtime API"),
    ];

    private static Dictionary<string, string?> Environment(BenchmarkOptions options, LocalAws aws, ResourceNames names) => new(StringComparer.Ordinal)
    {
        [FunctionVariables.Stage] = names.Stage,
        [FunctionVariables.TableName] = names.TableName,
        [FunctionVariables.EventBusName] = names.EventBusName,
        [FunctionVariables.Environments] = File.ReadAllText(Path.Combine(options.RepoRoot, "config", "environments.json")),
        // The SDK reads these in Lambda too (AWS_ENDPOINT_URL only here: the emulator).
        ["AWS_ENDPOINT_URL"] = aws.MotoUrl.ToString().TrimEnd('/'),
        ["AWS_REGION"] = LocalAws.Region,
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    private static async Task<Sample> RunOnceAsync(Build build, string handler, Dictionary<string, string?> environment, RuntimeApiStub stub, bool trace, CancellationToken ct)
    {
        var start = new ProcessStartInfo(build.FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in build.Arguments)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }
        start.Environment["_HANDLER"] = handler;
        start.Environment["RELEASE_CENTER_INIT_TIMINGS"] = trace ? "1" : null;
        var marks = new Dictionary<string, long>(StringComparer.Ordinal);
        var stderr = new List<string>();
        var (runtimeApi, answered) = stub.Invoke(handler == "api" ? ApiEvent() : "{}");
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = runtimeApi;
        using var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            var parts = line.Split(' ');
            lock (marks)
            {
                if (parts.Length == 3 && parts[0] == "init-timing" && long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ts))
                {
                    marks[parts[1]] = ts;
                }
                else if (stderr.Count < 20)
                {
                    stderr.Add(line);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        var spawned = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var finished = await Task.WhenAny(answered, process.WaitForExitAsync(ct), Task.Delay(TimeSpan.FromSeconds(30), ct)).ConfigureAwait(false);
            if (finished != answered)
            {
                throw new InvalidOperationException($"{build.Name} ({handler}) did not answer{(process.HasExited ? $"; it exited with {process.ExitCode}" : " within 30 s")}: {string.Join(" / ", stderr)}");
            }
            var answer = await answered.ConfigureAwait(false);
            var peak = PeakRss(process.Id);
            Check(build, handler, answer);
            var phases = new Dictionary<string, double>(StringComparer.Ordinal);
            if (trace)
            {
                // The marks' stderr lines may trail the answer by a moment: wait for the last one, for at most two seconds.
                var until = Stopwatch.GetTimestamp() + (2 * Stopwatch.Frequency);
                while (!HasMark(marks, "handled") && Stopwatch.GetTimestamp() < until)
                {
                    await Task.Delay(5, ct).ConfigureAwait(false);
                }
                lock (marks)
                {
                    marks["answered"] = answer.ReceivedAt;
                    var previous = spawned;
                    foreach (var (phase, _) in Phases)
                    {
                        if (marks.TryGetValue(phase, out var at))
                        {
                            phases[phase] = Stopwatch.GetElapsedTime(previous, at).TotalMilliseconds;
                            previous = at;
                        }
                    }
                }
            }
            return new Sample(Stopwatch.GetElapsedTime(spawned, answer.ReceivedAt).TotalMilliseconds, peak, phases);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static bool HasMark(Dictionary<string, long> marks, string phase)
    {
        lock (marks)
        {
            return marks.ContainsKey(phase);
        }
    }

    /// <summary>A fast wrong answer is no cold start: the task must respond, and the API must answer 200 with a page.</summary>
    private static void Check(Build build, string handler, RuntimeAnswer answer)
    {
        if (build.Name.StartsWith("bare", StringComparison.Ordinal))
        {
            return;
        }
        if (answer.Kind != "response")
        {
            throw new InvalidOperationException($"{build.Name} ({handler}) answered with {answer.Kind}: {answer.Body}");
        }
        if (handler == "api")
        {
            using var doc = JsonDocument.Parse(answer.Body);
            var status = doc.RootElement.GetProperty("statusCode").GetInt32();
            if (status != 200)
            {
                throw new InvalidOperationException($"{build.Name} answered GET /v1/releases with {status}: {answer.Body}");
            }
        }
    }

    private static long PeakRss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>An HTTP API (payload 2.0) event as API Gateway sends it after the JWT authorizer: GET /v1/releases by an ml-engineer.</summary>
    private static string ApiEvent()
    {
        var now = DateTimeOffset.UtcNow;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = "/v1/releases",
            ["rawQueryString"] = "limit=20",
            ["headers"] = new Dictionary<string, string> { ["host"] = "api.example.test", ["user-agent"] = "benchmark" },
            ["isBase64Encoded"] = false,
            ["requestContext"] = new Dictionary<string, object?>
            {
                ["accountId"] = "123456789012",
                ["apiId"] = "benchmark",
                ["domainName"] = "api.example.test",
                ["requestId"] = Guid.NewGuid().ToString("N"),
                ["routeKey"] = "$default",
                ["stage"] = "$default",
                ["time"] = now.ToString("dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture),
                ["timeEpoch"] = now.ToUnixTimeMilliseconds(),
                ["http"] = new Dictionary<string, string> { ["method"] = "GET", ["path"] = "/v1/releases", ["protocol"] = "HTTP/1.1", ["sourceIp"] = "203.0.113.7", ["userAgent"] = "benchmark" },
                ["authorizer"] = new Dictionary<string, object?>
                {
                    ["jwt"] = new Dictionary<string, object?> { ["claims"] = new Dictionary<string, string> { ["sub"] = "benchmark", ["cognito:groups"] = "[ml-engineers]" } },
                },
            },
        });
    }

    /// <summary>
    /// The three builds. A full run publishes them (Release) into artifacts/benchmarks; a smoke run uses what is
    /// already built: the JIT build from the solution's build, the AOT bootstrap if .ci/run published it (CI requires
    /// it), the floor if a full run left it (a baseline to compare with, not a deployable artifact: CI does not spend a
    /// second Native AOT compile on it).
    /// </summary>
    private static async Task<List<Build>> PrepareBuildsAsync(BenchmarkOptions options, SuiteReport report, CancellationToken ct)
    {
        var root = options.RepoRoot;
        var output = Path.Combine(root, "artifacts", "benchmarks");
        string aot, floor, jitDll;
        if (options.Smoke || !options.Publish)
        {
            aot = options.Smoke ? Path.Combine(root, "artifacts", "lambda", "bootstrap") : Path.Combine(output, "aot", "bootstrap");
            floor = Path.Combine(output, "floor", "floor");
            jitDll = options.Smoke ? SolutionBuild(root) : Path.Combine(output, "jit", "bootstrap.dll");
        }
        else
        {
            options.Out.WriteLine("Publishing the AOT bootstrap, the JIT build and the floor (Release)...");
            aot = Path.Combine(output, "aot", "bootstrap");
            floor = Path.Combine(output, "floor", "floor");
            jitDll = Path.Combine(output, "jit", "bootstrap.dll");
            await PublishAsync(root, ["src/ReleaseCenter.Lambda", "-r", "linux-x64", "-o", Path.GetDirectoryName(aot)!], ct).ConfigureAwait(false);
            await PublishAsync(root, ["src/ReleaseCenter.Lambda", "-p:PublishAot=false", "-o", Path.GetDirectoryName(jitDll)!], ct).ConfigureAwait(false);
            await PublishAsync(root, ["tests/ReleaseCenter.Benchmarks.Floor", "-r", "linux-x64", "-o", Path.GetDirectoryName(floor)!], ct).ConfigureAwait(false);
        }
        var builds = new List<Build>();
        foreach (var (name, file) in new[] { ("bare AOT runtime (floor)", floor), ("our AOT bootstrap", aot) })
        {
            if (File.Exists(file))
            {
                builds.Add(new Build(name, file, [], new FileInfo(file).Length));
            }
            else if (System.Environment.GetEnvironmentVariable("CI") == "true" && file == aot)
            {
                throw new InvalidOperationException($"{file} is missing: .ci/run publishes it before the tests.");
            }
            else
            {
                report.Notes.Add($"{name}: not measured, {Path.GetRelativePath(root, file)} is not published (a full run publishes it{(file == aot ? "; so does .ci/run" : "")}).");
            }
        }
        var jitBytes = Directory.EnumerateFiles(Path.GetDirectoryName(jitDll)!, "*.dll").Sum(f => new FileInfo(f).Length);
        builds.Add(new Build("JIT build", DotnetHost(), [jitDll], jitBytes));
        return builds;
    }

    private static string SolutionBuild(string root) =>
        new[] { "Release", "Debug" }.Select(c => Path.Combine(root, "src", "ReleaseCenter.Lambda", "bin", c, "net10.0", "bootstrap.dll"))
            .Where(File.Exists).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
        ?? throw new InvalidOperationException("src/ReleaseCenter.Lambda is not built: build the solution first.");

    private static string DotnetHost() =>
        System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static async Task PublishAsync(string root, string[] arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(DotnetHost()) { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "publish" }.Concat(arguments).Concat(["-c", "Release", "-nologo", "-v", "q"]))
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {string.Join(' ', arguments)} failed:\n{await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }
    }
}
