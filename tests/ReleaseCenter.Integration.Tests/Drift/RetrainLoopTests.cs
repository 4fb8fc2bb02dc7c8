using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Drift;

/// <summary>
/// The drift-triggered retraining loop on the emulator: a drifting report reaches the bus, the
/// EventBridge rule invokes start-retrain, statemachines/retrain.asl.json runs with our handlers
/// (policy, the stand-in SageMaker pipeline, registration with lineage, a release), and the
/// policy's cooldown, daily cap and a failing pipeline each end the loop with the reason recorded.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class RetrainLoopTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1";
    private const string Drifting = """
        {"environment":"prod","features":[{"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[100,150,300,450]}}]}
        """;

    private ApiHost _api = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        _api = await ApiHost.StartAsync(emulator);
        _alice = await _api.As("alice", "ml-engineers");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<string> ModelWithPipelineAsync(string name, string policy, string outcome = "Succeeded", int durationSeconds = 1)
    {
        Assert.Equal(HttpStatusCode.Created, (await _alice.PostAsync("/v1/models", Json($$"""{"name":"{{name}}","project":"payments"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _alice.PostAsync($"/v1/models/{name}/versions", Json($$"""
            {"artifactUri":"s3://models/{{name}}/1.tar.gz","artifactDigest":"{{Digest}}","image":"{{Image}}","metrics":{"auc":0.93,"latency_p95_ms":80},
             "inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":1} }
            """))).StatusCode);
        // Pipelines live under the service's prefix, and only release-admins may point a policy at one.
        using var lena = await _api.As("lena", "release-admins");
        var pipeline = await lena.PutAsync($"/v1/local/pipelines/release-center-{name}-training", Json($$"""
            {"modelPackageGroupName":"{{name}}","image":"{{Image}}","durationSeconds":{{durationSeconds}},"outcome":"{{outcome}}","failureReason":"training job OOM",
             "metrics":{"auc":0.951,"latency_p95_ms":72} }
            """));
        Assert.Equal(HttpStatusCode.OK, pipeline.StatusCode);
        var set = await lena.PutAsync($"/v1/models/{name}/retraining-policy", Json(policy.Replace("PIPELINE", $"release-center-{name}-training", StringComparison.Ordinal)));
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        return name;
    }

    private async Task<string> ReportAsync(string model)
    {
        var response = await _alice.PostAsync($"/v1/models/{model}/drift-reports", Json(Drifting));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> RetrainEndsAsync(string model, string reportId, params string[] statuses) =>
        await Poll.UntilAsync(async () =>
        {
            var response = await _alice.GetAsync($"/v1/models/{model}/drift-reports/{reportId}/retrain");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, r => r.ValueKind == JsonValueKind.Object && statuses.Contains(r.GetProperty("status").GetString()), attempts: 300, delayMilliseconds: 100);

    private async Task<DescribeExecutionResponse> ExecutionAsync(string name)
    {
        var info = await _api.Client.GetFromJsonAsync<JsonElement>("/v1/local/info");
        var machine = info.GetProperty("stateMachines").GetProperty("retrain").GetString()!;
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        var arn = machine.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name;
        return await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(arn), e => e.Status != ExecutionStatus.Running, attempts: 300, delayMilliseconds: 100);
    }

    /// <summary>
    /// Defect 9 (issue 10): the wait gave up after a fixed retry budget (about two hours) whatever the policy allowed,
    /// and a pipeline that timed out went on running. Now the policy bounds the wait, and the pipeline is stopped.
    /// </summary>
    [Fact]
    public async Task PipelinePastThePolicysTimeBound_IsStopped_AndTheRetrainFails()
    {
        var model = await ModelWithPipelineAsync(emulator.UniqueName("slow"), """
            {"enabled":true,"pipelineName":"PIPELINE","cooldownSeconds":0,"pipelineTimeoutSeconds":60}
            """, durationSeconds: 3600);
        var reportId = await ReportAsync(model);
        var running = await Poll.UntilAsync(async () =>
        {
            var response = await _alice.GetAsync($"/v1/models/{model}/drift-reports/{reportId}/retrain");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("pipelineExecutionArn", out var arn) && arn.ValueKind == JsonValueKind.String, attempts: 300, delayMilliseconds: 50);
        var pipelineExecution = running.GetProperty("pipelineExecutionArn").GetString()!;

        // The check as it runs 61 s after the start (the state machine's own checks see the real clock).
        var later = ActivatorUtilities.CreateInstance<ReleaseCenter.Functions.Drift.RetrainCheckPipelineStep>(_api.App.Services, new AheadClock(TimeSpan.FromSeconds(61)));
        var timedOut = await Assert.ThrowsAsync<ReleaseCenter.Domain.Workflow.WorkflowErrorException>(() => later.RunAsync(reportId, model, CancellationToken.None));

        Assert.Equal(ReleaseCenter.Functions.Drift.RetrainRuns.PipelineTimedOut, timedOut.ErrorType);
        using var sageMaker = new SageMakerClient(emulator.ClientOptions());
        Assert.Equal(PipelineExecutionStatus.Stopped, (await sageMaker.DescribePipelineExecutionAsync(pipelineExecution)).PipelineExecutionStatus);
        var failed = await RetrainEndsAsync(model, reportId, "Failed");
        Assert.Equal("Failed", failed.GetProperty("status").GetString());
    }

    /// <summary>Defect 6 (issue 10): the release retraining opens was requested by "retrain-workflow", so the people behind it could approve it alone.</summary>
    [Fact]
    public async Task RetrainedRelease_CannotBeApprovedByWhoeverSubmittedTheReportOrSetThePolicy()
    {
        var model = await ModelWithPipelineAsync(emulator.UniqueName("lineage"), """
            {"enabled":true,"pipelineName":"PIPELINE","cooldownSeconds":0,"openRelease":true,"releaseEnvironments":["staging"]}
            """);
        // Only release-admins point a policy at a pipeline, and only at one under the service's prefix.
        var byEngineer = await _alice.PutAsync($"/v1/models/{model}/retraining-policy", Json("""{"enabled":true,"pipelineName":"release-center-mine"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, byEngineer.StatusCode);
        using var lena = await _api.As("lena", "release-admins");
        var outside = await lena.PutAsync($"/v1/models/{model}/retraining-policy", Json("""{"enabled":true,"pipelineName":"someone-elses-pipeline"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.True((await outside.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("pipelineName", out _));

        var reportId = await ReportAsync(model); // alice submits the report; lena set the policy
        var run = await RetrainEndsAsync(model, reportId, "ReleaseOpened", "Failed", "Skipped");
        var releaseId = run.GetProperty("releaseId").GetString()!;
        var release = await Poll.UntilAsync(() => _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{releaseId}"),
            r => r.GetProperty("status").GetString() is "AwaitingApproval" or "Rejected" or "Failed", attempts: 300, delayMilliseconds: 100);
        Assert.Equal(["alice", "lena"], release.GetProperty("alsoRequestedBy").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal));

        foreach (var (user, groups) in new[] { ("alice", new[] { "ml-engineers", "approvers-staging" }), ("lena", new[] { "release-admins", "approvers-staging" }) })
        {
            using var insider = await _api.As(user, groups);
            var pending = await insider.GetFromJsonAsync<JsonElement>("/v1/approvals/pending");
            Assert.DoesNotContain(pending.GetProperty("items").EnumerateArray(), p => p.GetProperty("releaseId").GetString() == releaseId);
            var vote = await insider.PostAsync($"/v1/releases/{releaseId}/approvals", Json("""{"decision":"approve"}"""));
            Assert.Equal(HttpStatusCode.Forbidden, vote.StatusCode);
        }
        using var sam = await _api.As("sam", "approvers-staging");
        Assert.Equal(HttpStatusCode.OK, (await sam.PostAsync($"/v1/releases/{releaseId}/approvals", Json("""{"decision":"approve"}"""))).StatusCode);
    }

    [Fact]
    public async Task DriftRetrainsRegistersWithLineageAndOpensARelease_ASecondReportInTheCooldownStartsNothing()
    {
        var model = await ModelWithPipelineAsync(emulator.UniqueName("loop"), """
            {"enabled":true,"pipelineName":"PIPELINE","cooldownSeconds":3600,"maxPerDay":5,"openRelease":true,"releaseEnvironments":["staging"]}
            """);

        var reportId = await ReportAsync(model);

        var run = await RetrainEndsAsync(model, reportId, "ReleaseOpened", "Failed", "Skipped");
        Assert.Equal("ReleaseOpened", run.GetProperty("status").GetString());
        var execution = await ExecutionAsync(reportId);
        Assert.Equal((ExecutionStatus.Succeeded, reportId), (execution.Status, execution.Name));

        var version = await _alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions/2");
        var pipelineExecution = run.GetProperty("pipelineExecutionArn").GetString()!;
        Assert.Equal((reportId, pipelineExecution), (version.GetProperty("lineage").GetProperty("driftReport").GetString(),
            version.GetProperty("lineage").GetProperty("pipelineExecution").GetString()));
        Assert.Equal(pipelineExecution, version.GetProperty("trainingRun").GetString());
        Assert.Equal(0.951, version.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.StartsWith("sha256:", version.GetProperty("artifactDigest").GetString(), StringComparison.Ordinal);

        var releaseId = run.GetProperty("releaseId").GetString()!;
        var release = await Poll.UntilAsync(() => _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{releaseId}"),
            r => r.GetProperty("status").GetString() is "AwaitingApproval" or "Rejected" or "Failed", attempts: 300, delayMilliseconds: 100);
        Assert.Equal(("AwaitingApproval", 2, "retrain-workflow"), (release.GetProperty("status").GetString(), release.GetProperty("version").GetInt32(),
            release.GetProperty("requestedBy").GetString()));

        // A second drifting report within the hour: the policy says no, and the audit log says why.
        var second = await ReportAsync(model);
        var skipped = await RetrainEndsAsync(model, second, "Skipped", "ReleaseOpened", "Failed");
        Assert.Equal("Skipped", skipped.GetProperty("status").GetString());
        Assert.Contains("cooldown", skipped.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(ExecutionStatus.Succeeded, (await ExecutionAsync(second)).Status);
        var audit = await _alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=drift-report/{second}&action=retrain.skipped");
        Assert.Contains("cooldown", audit.GetProperty("items")[0].GetProperty("details").GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"/v1/models/{model}/versions/3")).StatusCode);

        // Handlers run again (Step Functions retries) register and release nothing twice.
        var handlers = _api.App.Services.GetRequiredService<ReleaseCenter.Functions.ITaskHandlers>();
        var payload = $$"""{"driftReportId":"{{reportId}}","model":"{{model}}"}""";
        Assert.Contains("\"version\":2", await handlers.InvokeAsync("retrain-register", payload, CancellationToken.None), StringComparison.Ordinal);
        Assert.Contains(releaseId, await handlers.InvokeAsync("retrain-open-release", payload, CancellationToken.None), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"/v1/models/{model}/versions/3")).StatusCode);
    }

    [Fact]
    public async Task AFailingPipeline_EndsTheRetrainFailed_WithItsReason()
    {
        var model = await ModelWithPipelineAsync(emulator.UniqueName("oom"), """{"enabled":true,"pipelineName":"PIPELINE","cooldownSeconds":0}""", outcome: "Failed");

        var reportId = await ReportAsync(model);

        var run = await RetrainEndsAsync(model, reportId, "Failed", "Registered", "ReleaseOpened");
        Assert.Equal("Failed", run.GetProperty("status").GetString());
        Assert.Contains("training job OOM", run.GetProperty("failure").GetString(), StringComparison.Ordinal);
        var execution = await ExecutionAsync(reportId);
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _alice.GetAsync($"/v1/models/{model}/versions/2")).StatusCode);
    }

    [Fact]
    public async Task RetrainingOff_RecordsWhyNothingStarted()
    {
        Assert.Equal(HttpStatusCode.Created, (await _alice.PostAsync("/v1/models", Json($$"""{"name":"{{emulator.UniqueName("off")}}","project":"payments"}"""))).StatusCode);
        var model = (await _alice.GetFromJsonAsync<JsonElement>("/v1/models?project=payments")).GetProperty("items").EnumerateArray()
            .Select(m => m.GetProperty("name").GetString()!).First(n => n.StartsWith("off", StringComparison.Ordinal));

        var reportId = await ReportAsync(model);

        var run = await RetrainEndsAsync(model, reportId, "Skipped", "Failed");
        Assert.Equal($"Retraining is off for {model}.", run.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task TheCooldownAndDailyCapHold_UnderConcurrentClaims()
    {
        var store = _api.App.Services.GetRequiredService<IRetrainStore>();
        var model = emulator.UniqueName("cap");
        var now = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => store.TryClaimRetrainAsync(model, $"drift-a{i}", now, 0, 2, CancellationToken.None)));
        Assert.Equal(2, claims.Count(c => c.Granted)); // the cap, even for simultaneous reports
        var third = await store.TryClaimRetrainAsync(model, "drift-b", now.AddHours(1), 0, 2, CancellationToken.None);
        Assert.False(third.Granted);
        Assert.Contains("daily cap", third.Reason, StringComparison.Ordinal);
        Assert.True((await store.TryClaimRetrainAsync(model, "drift-c", now.AddDays(1), 0, 2, CancellationToken.None)).Granted); // a new UTC day

        var cooling = emulator.UniqueName("cool");
        Assert.True((await store.TryClaimRetrainAsync(cooling, "drift-x", now, 600, 10, CancellationToken.None)).Granted);
        Assert.True((await store.TryClaimRetrainAsync(cooling, "drift-x", now.AddSeconds(5), 600, 10, CancellationToken.None)).Granted); // the same report again
        var early = await store.TryClaimRetrainAsync(cooling, "drift-y", now.AddSeconds(599), 600, 10, CancellationToken.None);
        Assert.False(early.Granted);
        Assert.Contains("cooldown", early.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.True((await store.TryClaimRetrainAsync(cooling, "drift-z", now.AddSeconds(601), 600, 10, CancellationToken.None)).Granted);
    }
}
