using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Cli;

/// <summary>
/// The GitHub Actions example (docs/examples/release-model.yml) as CI would run it: its "Register and release" step's
/// script, in bash, with the real rc (the built tool's rc.dll behind an `rc` on the PATH), RC_API_URL and RC_TOKEN
/// pointing at the local stack. The job passes once a person approves staging, and fails with exit code 3 when they
/// reject it.
/// </summary>
[Collection("emulator")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CiExampleTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ApiHost _api = null!;
    private readonly string _work = Path.Combine(Path.GetTempPath(), $"rc-ci-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        Directory.CreateDirectory(Path.Combine(_work, "build"));
        Directory.CreateDirectory(Path.Combine(_work, "bin"));
        // `rc` as the installed tool would be: the same program, run by the same runtime.
        var rc = Path.Combine(_work, "bin", "rc");
        await File.WriteAllTextAsync(rc, $"#!/bin/sh\nexec dotnet \"{Path.Combine(AppContext.BaseDirectory, "rc.dll")}\" \"$@\"\n");
        File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>The script of the workflow step named <paramref name="step"/> (its `run: |` block).</summary>
    private static string StepScript(string step)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "examples", "release-model.yml"));
        var at = Array.FindIndex(lines, l => l.Trim() == $"- name: {step}");
        Assert.True(at >= 0, $"the example has no step '{step}'");
        var run = Array.FindIndex(lines, at, l => l.Trim() == "run: |");
        var indent = lines[run + 1].Length - lines[run + 1].TrimStart().Length;
        return string.Join("\n", lines.Skip(run + 1).TakeWhile(l => l.Length > indent && l[..indent].Trim().Length == 0).Select(l => l[indent..]));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir.FullName;
    }

    private async Task<(int ExitCode, string Output)> RunStepAsync(string model, string token, Func<Task> whileRunning)
    {
        var start = new ProcessStartInfo("bash", ["-e", "-c", StepScript("Register and release")])
        {
            WorkingDirectory = _work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = $"{Path.Combine(_work, "bin")}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["MODEL"] = model;
        start.Environment["GITHUB_RUN_ID"] = "4242";
        start.Environment["RC_API_URL"] = _api.Client.BaseAddress!.ToString().TrimEnd('/');
        start.Environment["RC_TOKEN"] = token;
        start.Environment["RC_CONFIG_DIR"] = Path.Combine(_work, "config"); // nothing cached: the token comes from the environment
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await whileRunning();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    private async Task<(string Model, string Token)> PrepareAsync()
    {
        using var alice = await _api.As("alice", "ml-engineers");
        var model = $"ci-{Guid.NewGuid().ToString("N")[..10]}";
        (await alice.PostAsJsonAsync("/v1/models", new { name = model, project = "payments" })).EnsureSuccessStatusCode();
        // What the "Train" step leaves behind.
        await File.WriteAllTextAsync(Path.Combine(_work, "build", "version.json"), """
            {"artifactUri":"s3://models/ci/model.tar.gz","artifactDigest":"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
             "image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1","trainingRun":"github-4242","metrics":{"auc":0.95,"latency_p95_ms":80}}
            """);
        var token = (await alice.GetFromJsonAsync<JsonElement>("/v1/local/token?user=ci-bot&groups=ml-engineers")).GetProperty("token").GetString()!;
        return (model, token);
    }

    /// <summary>Votes on the model's release once its staging stage waits.</summary>
    private async Task VoteInStagingAsync(string model, string decision)
    {
        using var sam = await _api.As("sam", "approvers-staging");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var page = await sam.GetFromJsonAsync<JsonElement>($"/v1/releases?model={model}");
            var release = page.GetProperty("items").EnumerateArray().FirstOrDefault();
            if (release.ValueKind == JsonValueKind.Object
                && release.GetProperty("stages").EnumerateArray().Any(s => s.GetProperty("status").GetString() == "AwaitingApproval"))
            {
                var vote = await sam.PostAsJsonAsync($"/v1/releases/{release.GetProperty("id").GetString()}/approvals", new { decision, comment = "from the CI test" });
                vote.EnsureSuccessStatusCode();
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the CI example's release never waited for staging approval");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task TheExamplesReleaseStep_RegistersAndReleases_AndPassesOnceStagingIsApproved()
    {
        var (model, token) = await PrepareAsync();

        var (exitCode, output) = await RunStepAsync(model, token, () => VoteInStagingAsync(model, "approve"));

        Assert.True(exitCode == 0, $"the step failed with {exitCode}:\n{output}");
        Assert.Contains($"Registered {model} v1.", output, StringComparison.Ordinal);
        Assert.Contains($"Released {model} v1 to dev, staging.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheExamplesReleaseStep_FailsTheJobWithExitCode3_WhenStagingIsRejected()
    {
        var (model, token) = await PrepareAsync();

        var (exitCode, output) = await RunStepAsync(model, token, () => VoteInStagingAsync(model, "reject"));

        Assert.True(exitCode == 3, $"expected exit code 3, got {exitCode}:\n{output}");
        Assert.Contains("rejected by sam: from the CI test", output, StringComparison.Ordinal);
    }
}
