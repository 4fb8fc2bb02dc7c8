using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions.Environments;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>Prints the soak's figures with the test run's output (xunit diagnostic messages).</summary>
public sealed class SoakReport(IMessageSink sink)
{
    public void Print(string line) => sink.OnMessage(new DiagnosticMessage(line));
}

/// <summary>
/// Issue 10, "prove it under faults": releases through dev, staging and prod, with approvals, some
/// rejections, verification failures and cancels, while faults are injected at random into
/// DynamoDB, SageMaker, Step Functions, EventBridge and our handlers (seeded: set
/// RELEASE_CENTER_FAULT_SEED to replay a run; RELEASE_CENTER_SOAK_RELEASES for a larger one).
/// Whatever failed on the way, the record must be the truth afterwards.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class FaultSoakTests(EmulatorFixture emulator, SoakReport report) : DriverTestBase(emulator, FastConfig()), IClassFixture<SoakReport>
{
    private static readonly string[] Environments = ["dev", "staging", "prod"];
    private const int InFlight = 6;
    /// <summary>The shipped policy (approvals, gates), with deployments all at once and no bake time, so that a soak fits in CI.</summary>
    private static string FastConfig()
    {
        var config = JsonNode.Parse(LocalHost.ReadResourceForTests("environments.json"))!;
        foreach (var environment in config["environments"]!.AsArray())
        {
            environment!["bakeSeconds"] = 0;
            environment.AsObject().Remove("deployment");
        }
        return config.ToJsonString();
    }

    /// <summary>Faults by kind and where; each fires at most Count times, with its probability per matching call.</summary>
    private static FaultRule[] SoakFaults() =>
    [
        new("throttle", "dynamodb") { Count = 20, Probability = 0.02 },
        new("error", "dynamodb") { Count = 8, Probability = 0.01 },
        new("drop", "dynamodb") { Count = 5, Probability = 0.01 },
        new("throttle", "sagemaker") { Count = 15, Probability = 0.1 },
        new("error", "sagemaker") { Count = 8, Probability = 0.05 },
        new("throttle", "states") { Count = 8, Probability = 0.05 },
        new("error", "events") { Count = 10, Probability = 0.1 },
        new("latency", "dynamodb") { Count = 8, Probability = 0.02, LatencyMilliseconds = 300 },
        new("crash", "lambda") { Count = 10, Probability = 0.05 },
        new("twice", "lambda") { Count = 8, Probability = 0.05 },
    ];

    [Fact]
    public async Task Releases_UnderRandomFaults_LeaveTheRecordTrue()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_FAULT_SEED"), out var s) ? s : Random.Shared.Next(1, 1_000_000);
        var count = int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_SOAK_RELEASES"), out var n) && n > 0 ? n : 50;
        report.Print($"fault soak: seed {seed} (RELEASE_CENTER_FAULT_SEED={seed} replays it), {count} releases");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        // Five models, two versions each (v2 a touch better, so that it passes every gate against v1).
        var models = new List<string>();
        for (var m = 0; m < 5; m++)
        {
            models.Add(await Driver.RegisterAsync(Emulator.UniqueName($"soak{m}"), (0.93, 80), (0.931, 80)));
        }
        var faults = Faults;
        faults.Seed(seed);
        foreach (var rule in SoakFaults())
        {
            faults.Add(rule);
        }
        var local = Driver.Api.App.Services.GetRequiredService<LocalFaults>();
        var queue = new Queue<Plan>();
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(0, 10);
            var fate = roll <= 5 ? Fate.Release : roll == 6 ? Fate.RejectInProd : roll == 7 ? Fate.CancelInStaging : Fate.CancelSoon;
            var plan = new Plan(models[i % models.Count], 1 + (i / models.Count % 2), fate);
            if (random.Next(0, 10) == 0)
            {
                local.FailVerification("staging", plan.Model, plan.Version, "soak: error rate over the limit");
            }
            queue.Enqueue(plan);
        }

        // Drive every release to its end as people would (approve, reject, cancel), a few in flight at a time
        // (each environment deploys one release at a time; a crowd only waits on the locks).
        var plans = new Dictionary<string, Plan>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddMinutes(12);
        var open = new HashSet<string>(StringComparer.Ordinal);
        while ((open.Count > 0 || queue.Count > 0) && DateTime.UtcNow < deadline)
        {
            while (open.Count < InFlight && queue.TryDequeue(out var next))
            {
                var created = await Retried(() => Driver.Alice.PostAsync("/v1/releases",
                    ReleaseDriver.Json($$"""{"model":"{{next.Model}}","version":{{next.Version}},"environments":["dev","staging","prod"]}""")));
                Assert.True(created.StatusCode == HttpStatusCode.Accepted, await created.Content.ReadAsStringAsync());
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                (plans[id], _) = (next, open.Add(id));
            }
            foreach (var id in open.ToArray())
            {
                var release = await Driver.GetAsync(id);
                if (release.GetProperty("status").GetString() is "Released" or "Rejected" or "Expired" or "RolledBack" or "Failed" or "Cancelled")
                {
                    open.Remove(id);
                    continue;
                }
                await ActAsync(id, plans[id], release);
            }
            await Task.Delay(100);
        }
        report.Print($"fault soak: every release ended after {clock.Elapsed.TotalSeconds:0} s");
        Assert.True(open.Count == 0, $"still running after 12 minutes: {string.Join(", ", open)}");
        var injected = faults.Injected;
        faults.Clear();

        // Every execution has ended; the reconciler (scheduled every minute in AWS) finishes what they left.
        foreach (var id in plans.Keys)
        {
            Assert.NotEqual("RUNNING", (await Driver.EndedExecutionAsync(id, seconds: 120)).Status);
        }
        var locks = Driver.Api.App.Services.GetRequiredService<EnvironmentLocks>();
        await Poll.UntilAsync(async () => await locks.FreeAbandonedAsync(TimeSpan.Zero, CancellationToken.None) == 0
            && (await Task.WhenAll(Environments.Select(e => Driver.Workflow.GetLockAsync(e, CancellationToken.None)))).All(l => l.LockedBy is null),
            quiet => quiet, attempts: 100, delayMilliseconds: 300);

        var retries = 0;
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in plans.Keys)
        {
            var release = await Driver.GetAsync(id);
            var status = release.GetProperty("status").GetString()!;
            outcomes[status] = outcomes.GetValueOrDefault(status) + 1;
            retries += (await Driver.HistoryAsync(id)).Count(e => e.Type is "LambdaFunctionFailed" or "TaskFailed" or "LambdaFunctionTimedOut");
            await AssertReleaseIsTrueAsync(id, release);
        }
        foreach (var environment in Environments)
        {
            Assert.Null((await Driver.Workflow.GetLockAsync(environment, CancellationToken.None)).LockedBy);
            foreach (var model in models)
            {
                // What the record says is live is what the endpoint serves.
                Assert.Equal(await Driver.RecordedConfigAsync(model, environment), await Driver.ServedConfigAsync(model, environment));
            }
        }
        var verified = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit/verify");
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.ToString());

        report.Print($"fault soak: {count} releases in {clock.Elapsed.TotalSeconds:0} s; outcomes "
            + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        report.Print($"fault soak: {injected.Values.Sum()} faults injected ("
            + string.Join(", ", injected.Select(f => $"{f.Key} {f.Value}")) + $"); {retries} failed task attempts retried or caught in the executions");
    }

    private async Task ActAsync(string id, Plan plan, JsonElement release)
    {
        var waiting = release.GetProperty("stages").EnumerateArray()
            .FirstOrDefault(st => st.GetProperty("status").GetString() == "AwaitingApproval"
                && !(st.TryGetProperty("decision", out var decided) && decided.ValueKind == JsonValueKind.String));
        var environment = waiting.ValueKind == JsonValueKind.Object ? waiting.GetProperty("environment").GetString() : null;
        switch (plan.Fate)
        {
            case Fate.CancelSoon:
            case Fate.CancelInStaging when environment == "staging":
                await Retried(() => Driver.Alice.PostAsync($"/v1/releases/{id}/cancel", ReleaseDriver.Json("""{"reason":"soak"}""")));
                return;
        }
        switch (environment)
        {
            case "staging":
                await Retried(() => Driver.VoteAsync(id, "sam", "approvers-staging"));
                break;
            case "prod":
                var decision = plan.Fate == Fate.RejectInProd ? "reject" : "approve";
                await Retried(() => Driver.VoteAsync(id, "pat", "approvers-prod", decision));
                await Retried(() => Driver.VoteAsync(id, "quinn", "approvers-prod", decision));
                break;
        }
    }

    /// <summary>Exactly one deployment record per release and environment it reached, one counted vote per person per stage, one audit entry per recorded step.</summary>
    private async Task AssertReleaseIsTrueAsync(string id, JsonElement release)
    {
        foreach (var stage in release.GetProperty("stages").EnumerateArray())
        {
            var environment = stage.GetProperty("environment").GetString()!;
            var records = (await Driver.Workflow.ListDeploymentsAsync(environment, 1000, CancellationToken.None))
                .Count(d => d.ReleaseId == id && d.Kind == DeploymentKinds.Release);
            Assert.Equal(stage.GetProperty("status").GetString() == "Released" ? 1 : 0, records);
            var voters = stage.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("by").GetString()).ToArray();
            Assert.Equal(voters.Distinct().Count(), voters.Length);
        }
        var timeline = await Driver.Workflow.ListTimelineAsync(id, CancellationToken.None);
        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=release/{id}&limit=100");
        Assert.Equal(timeline.Count, audit.GetProperty("items").GetArrayLength());
    }

    /// <summary>A person retries a request that met a fault the API could not absorb (a 5xx); 4xx answers are final.</summary>
    private static async Task<HttpResponseMessage> Retried(Func<Task<HttpResponseMessage>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await send();
            if ((int)response.StatusCode < 500 || attempt == 5)
            {
                return response;
            }
            await Task.Delay(200 * attempt);
        }
    }

    private enum Fate
    {
        Release,
        RejectInProd,
        CancelInStaging,
        CancelSoon,
    }

    private sealed record Plan(string Model, int Version, Fate Fate);
}
