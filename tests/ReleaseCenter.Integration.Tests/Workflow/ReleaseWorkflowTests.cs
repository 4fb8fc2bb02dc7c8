using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>
/// statemachines/release.asl.json executed by the emulator's ASL interpreter, calling our real
/// handlers through the local Lambda endpoint, driven through the HTTP API like a user would.
/// Each path asserts the table, the SageMaker endpoint and the execution history.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class ReleaseWorkflowTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
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

    private static async Task<string> RegisterAsync(HttpClient client, string model, params (double Auc, double Latency)[] versions)
    {
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"payments"}"""))).StatusCode);
        for (var i = 0; i < versions.Length; i++)
        {
            var metrics = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\"auc\":{versions[i].Auc},\"latency_p95_ms\":{versions[i].Latency}");
            var body = $$"""
                {"artifactUri":"s3://models/{{model}}/{{i + 1}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                 "metrics":{ {{metrics}} } }
                """;
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/v1/models/{model}/versions", Json(body))).StatusCode);
        }
        return model;
    }

    private async Task<string> ReleaseAsync(string model, int version, string environments)
    {
        var response = await _alice.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":{{version}},"environments":{{environments}}}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetString()!;
        Assert.EndsWith($":execution:{new ResourceNames(_api.Stage).StateMachineName("release")}:{id}", body.GetProperty("executionArn").GetString(), StringComparison.Ordinal);
        return id;
    }

    private async Task<JsonElement> WaitAsync(string id, Func<JsonElement, bool> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonElement release;
        do
        {
            release = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
            if (done(release))
            {
                return release;
            }
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"Release {id} did not get there in {seconds} s: {release}");
        return release;
    }

    private static Func<JsonElement, bool> Status(string status) => r => r.GetProperty("status").GetString() == status;

    private static Func<JsonElement, bool> StageStatus(string environment, string status) => r =>
        r.GetProperty("stages").EnumerateArray().Any(s => s.GetProperty("environment").GetString() == environment && s.GetProperty("status").GetString() == status);

    private static JsonElement Stage(JsonElement release, string environment) =>
        release.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("environment").GetString() == environment);

    private async Task ApproveAsync(string id, string user, string group, string decision = "approve")
    {
        using var approver = await _api.As(user, group);
        var response = await approver.PostAsync($"/v1/releases/{id}/approvals", Json($$"""{"decision":"{{decision}}","comment":"by {{user}}"}"""));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<(DescribeExecutionResponse Execution, IReadOnlyList<HistoryEvent> Events)> ExecutionAsync(string id)
    {
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        var arn = (await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")).GetProperty("executionArn").GetString()!;
        var execution = await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(arn), e => e.Status != ExecutionStatus.Running, attempts: 100, delayMilliseconds: 100);
        var history = await sfn.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn));
        Assert.Equal(id, execution.Name);
        return (execution, history.Events ?? []);
    }

    private static IReadOnlyList<string> StatesEntered(IReadOnlyList<HistoryEvent> events) =>
        events.Where(e => e.StateEnteredEventDetails is not null).Select(e => e.StateEnteredEventDetails!.Name).ToArray();

    private async Task<DescribeEndpointResponse?> EndpointAsync(string model, string environment)
    {
        using var sageMaker = new SageMakerClient(emulator.ClientOptions());
        try
        {
            return await sageMaker.DescribeEndpointAsync(ResourceNames.EndpointName(model, environment));
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            return null;
        }
    }

    private IWorkflowStore Workflow => _api.App.Services.GetRequiredService<IWorkflowStore>();

    [Fact]
    public async Task HappyPath_ThroughDevStagingProd_IsReleasedEverywhere()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("happy"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging","prod"]""");

        await WaitAsync(id, StageStatus("staging", "AwaitingApproval"));
        await ApproveAsync(id, "sam", "approvers-staging");
        await WaitAsync(id, StageStatus("prod", "AwaitingApproval"));
        await ApproveAsync(id, "pat", "approvers-prod");
        await ApproveAsync(id, "quinn", "approvers-prod");
        var release = await WaitAsync(id, Status("Released"));

        foreach (var env in new[] { "dev", "staging", "prod" })
        {
            var stage = Stage(release, env);
            Assert.Equal("Released", stage.GetProperty("status").GetString());
            var config = stage.GetProperty("deployment").GetProperty("endpointConfigName").GetString();
            var endpoint = await EndpointAsync(model, env);
            Assert.Equal((EndpointStatus.InService, config), (endpoint!.EndpointStatus, endpoint.EndpointConfigName));
            var live = await Workflow.GetLiveAsync(env, model, CancellationToken.None);
            Assert.Equal(id, live!.ReleaseId);
            Assert.Null((await Workflow.GetLockAsync(env, CancellationToken.None)).LockedBy);
        }
        Assert.Equal(2, Stage(release, "prod").GetProperty("approvals").GetArrayLength());

        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var states = StatesEntered(events);
        Assert.Equal(2, states.Count(s => s == "Wait for approval"));
        Assert.Equal(3, states.Count(s => s == "Deploy the model"));
        Assert.Equal("Released", states[^1]);
    }

    [Fact]
    public async Task GateFailure_IsRejected_AndDeploysNothing()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("weak"), (0.70, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging"]""");

        var release = await WaitAsync(id, Status("Rejected"));

        var auc = Stage(release, "dev").GetProperty("evaluation").GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "auc");
        Assert.Equal(("Fail", 0.70, 0.80), (auc.GetProperty("verdict").GetString(), auc.GetProperty("value").GetDouble(), auc.GetProperty("threshold").GetDouble()));
        Assert.Null(await EndpointAsync(model, "dev"));
        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status); // a governed outcome, not an operational failure
        Assert.Contains("Record the gate rejection", StatesEntered(events));
        Assert.Equal("Rejected", StatesEntered(events)[^1]);
        Assert.DoesNotContain("Deploy the model", StatesEntered(events));
    }

    [Fact]
    public async Task ReviewerRejects_IsRejected_AfterDevWasDeployed()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("veto"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging"]""");
        await WaitAsync(id, StageStatus("staging", "AwaitingApproval"));

        await ApproveAsync(id, "sam", "approvers-staging", decision: "reject");
        var release = await WaitAsync(id, Status("Rejected"));

        Assert.Equal(("Released", "Rejected"), (Stage(release, "dev").GetProperty("status").GetString(), Stage(release, "staging").GetProperty("status").GetString()));
        Assert.NotNull(await EndpointAsync(model, "dev"));
        Assert.Null(await EndpointAsync(model, "staging"));
        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Contains("Record the rejection", StatesEntered(events));
        Assert.Equal("Rejected", StatesEntered(events)[^1]);
        Assert.Null((await Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
    }

    [Fact]
    public async Task ApprovalTimesOut_IsExpired()
    {
        await _api.DisposeAsync();
        var config = LocalHost.ReadResourceForTests("environments.json").Replace("\"timeoutSeconds\": 86400", "\"timeoutSeconds\": 2", StringComparison.Ordinal);
        _api = await ApiHost.StartAsync(emulator, config);
        _alice = await _api.As("alice", "ml-engineers");
        var model = await RegisterAsync(_alice, emulator.UniqueName("slow"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging"]""");

        var release = await WaitAsync(id, Status("Expired"), seconds: 30);

        Assert.Equal("Expired", Stage(release, "staging").GetProperty("status").GetString());
        Assert.Null(await EndpointAsync(model, "staging"));
        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Contains("Record the expiry", StatesEntered(events));
        Assert.Equal("Expired", StatesEntered(events)[^1]);
    }

    [Fact]
    public async Task VerificationFails_RollsBack_WithThePreviousEndpointConfigLiveAgain()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("flaky"), (0.93, 80), (0.94, 75));
        var first = await ReleaseAsync(model, 1, """["dev"]""");
        var firstRelease = await WaitAsync(first, Status("Released"));
        var firstConfig = Stage(firstRelease, "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString();
        _api.App.Services.GetRequiredService<LocalFaults>().FailVerification("dev", model, 2, "error rate 12% above 1%");

        var second = await ReleaseAsync(model, 2, """["dev"]""");
        var release = await WaitAsync(second, Status("RolledBack"));

        var stage = Stage(release, "dev");
        Assert.Equal("RolledBack", stage.GetProperty("status").GetString());
        Assert.Contains("error rate 12%", stage.GetProperty("verification").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(firstConfig, stage.GetProperty("deployment").GetProperty("previousEndpointConfigName").GetString());
        var endpoint = await EndpointAsync(model, "dev");
        Assert.Equal(firstConfig, endpoint!.EndpointConfigName);
        Assert.Equal(first, (await Workflow.GetLiveAsync("dev", model, CancellationToken.None))!.ReleaseId);
        var (execution, events) = await ExecutionAsync(second);
        Assert.Equal((ExecutionStatus.Failed, "Release.RolledBack"), (execution.Status, execution.Error));
        Assert.Contains("Roll back the endpoint", StatesEntered(events));
        Assert.Equal("Rolled back", StatesEntered(events)[^1]);
    }

    [Fact]
    public async Task Cancel_WhileWaitingForApproval_IsCancelled_AndStopsTheExecution()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("stop"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging"]""");
        await WaitAsync(id, StageStatus("staging", "AwaitingApproval"));

        var response = await _alice.PostAsync($"/v1/releases/{id}/cancel", Json("""{"reason":"found a data leak"}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var release = await WaitAsync(id, Status("Cancelled"));
        Assert.Equal("Cancelled", Stage(release, "staging").GetProperty("status").GetString());
        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Aborted, execution.Status);
        Assert.Equal("Wait for approval", StatesEntered(events)[^1]);
        Assert.NotNull(await EndpointAsync(model, "dev"));
        Assert.Null(await EndpointAsync(model, "staging"));
        Assert.Null((await Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
        Assert.Equal(HttpStatusCode.Conflict, (await _alice.PostAsync($"/v1/releases/{id}/cancel", Json("""{"reason":"again"}"""))).StatusCode);
    }

    [Fact]
    public async Task ReinvokedTasks_CauseNoDuplicateDeploymentRecordOrEvent()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("twice"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev"]""");
        await WaitAsync(id, Status("Released"));
        var before = await EndpointAsync(model, "dev");
        var handlers = _api.App.Services.GetRequiredService<ITaskHandlers>();
        var payload = $$"""{"releaseId":"{{id}}","environment":"dev"}""";

        // What a Step Functions retry after a lost response would do.
        await handlers.InvokeAsync("deploy", payload, CancellationToken.None);
        await handlers.InvokeAsync("record-deployment", payload, CancellationToken.None);
        await handlers.InvokeAsync("deploy", payload, CancellationToken.None);

        var after = await EndpointAsync(model, "dev");
        Assert.Equal((before!.EndpointConfigName, before.LastModifiedTime), (after!.EndpointConfigName, after.LastModifiedTime));
        Assert.Single(await Workflow.ListDeploymentsAsync("dev", 10, CancellationToken.None), d => d.ReleaseId == id);
        var timeline = await Workflow.ListTimelineAsync(id, CancellationToken.None);
        Assert.Single(timeline, t => t.Step == "deployed");
        Assert.Single(timeline, t => t.Step == "deployment-started");
        var release = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
        Assert.Equal("Released", release.GetProperty("status").GetString());
        var (execution, events) = await ExecutionAsync(id);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Single(StatesEntered(events), s => s == "Deploy the model");
    }

    [Fact]
    public async Task History_JoinsOurTimelineWithTheExecutionHistory()
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("story"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev"]""");
        await WaitAsync(id, Status("Released"));

        var history = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history");

        var items = history.GetProperty("items").EnumerateArray().ToArray();
        Assert.Contains(items, i => i.GetProperty("source").GetString() == "release-center" && i.GetProperty("type").GetString() == "deployed");
        Assert.Contains(items, i => i.GetProperty("source").GetString() == "step-functions" && i.GetProperty("message").GetString()!.Contains("Deploy the model", StringComparison.Ordinal));
        var times = items.Select(i => i.GetProperty("at").GetDateTimeOffset()).ToArray();
        Assert.Equal(times.Order(), times);
    }

    [Theory]
    [InlineData("""{"model":"nobody","version":1}""", "version")]
    [InlineData("""{"model":"x-model","version":0}""", "version")]
    [InlineData("""{"model":"x-model","version":1,"environments":["qa"]}""", "environments[0]")]
    [InlineData("""{"model":"x-model","version":1,"environments":[null]}""", "environments[0]")] // found by the API fuzz test: was a 500
    [InlineData("""{"model":"x-model","version":1,"environments":["prod","dev"]}""", "environments")]
    [InlineData("""{"model":"x-model","version":1,"fast":true}""", "fast")]
    public async Task CreateRelease_WithBadInput_Is400NamingTheField_AndStartsNothing(string body, string field)
    {
        await RegisterAsync(_alice, "x-model", (0.93, 80));
        var before = await _api.SnapshotAsync();

        var response = await _alice.PostAsync("/v1/releases", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    [Theory]
    [InlineData("approvals", """{"decision":"maybe"}""", "decision")]
    [InlineData("approvals", """{"decision":"approve","by":"someone-else"}""", "by")]
    [InlineData("cancel", """{}""", "reason")]
    [InlineData("cancel", """{"reason":""}""", "reason")]
    public async Task DecisionAndCancel_WithBadInput_Are400NamingTheField_AndChangeNothing(string route, string body, string field)
    {
        var model = await RegisterAsync(_alice, emulator.UniqueName("bad"), (0.93, 80));
        var id = await ReleaseAsync(model, 1, """["dev","staging"]""");
        await WaitAsync(id, StageStatus("staging", "AwaitingApproval"));
        // The stage's status is saved before its "approval-requested" timeline entry: snapshot only once both are in.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history")).GetProperty("items").EnumerateArray()
                   .Any(i => i.GetProperty("type").GetString() == "approval-requested"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no approval-requested entry in the release's history");
            await Task.Delay(100);
        }
        var before = await _api.SnapshotAsync();
        using var sam = await _api.As("sam", "approvers-staging");
        var caller = route == "cancel" ? _alice : sam; // cancelling needs ml-engineers, deciding an approver group

        var response = await caller.PostAsync($"/v1/releases/{id}/{route}", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, await _api.SnapshotAsync());
    }
}
