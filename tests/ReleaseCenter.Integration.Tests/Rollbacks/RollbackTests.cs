using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Rollbacks;

/// <summary>
/// Rollback as an action, through the HTTP API: statemachines/rollback.asl.json executed by the
/// emulator's interpreter with our real handlers. Two releases of a model go live in dev one
/// after the other; the tests then preview, execute, query history "at" a time, and hit the
/// no-op, lock and approval cases. Each asserts the endpoint, the table and the execution.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class RollbackTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private ApiHost _api = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        // dev needs one approval from approvers-dev for a rollback only in the approval test's host; here the shipped policy (none).
        _api = await ApiHost.StartAsync(emulator);
        _alice = await _api.As("alice", "ml-engineers");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A model with two versions (v2 has the better auc and the worse latency), both released to dev, v1 first.</summary>
    private async Task<(string Model, string First, string Second, DateTimeOffset Between)> TwoLiveReleasesAsync(HttpClient client, string model,
        HttpClient? approver = null)
    {
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"payments"}"""))).StatusCode);
        foreach (var (auc, latency) in new[] { (0.91, 80.0), (0.93, 95.0) })
        {
            var metrics = string.Create(CultureInfo.InvariantCulture, $"\"auc\":{auc},\"latency_p95_ms\":{latency}");
            var body = $$"""
                {"artifactUri":"s3://models/{{model}}/{{auc}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                 "hyperparameters":{"eta":{{latency / 1000}}},"metrics":{ {{metrics}} } }
                """;
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsync($"/v1/models/{model}/versions", Json(body))).StatusCode);
        }
        var first = await ReleaseToDevAsync(client, model, 1, approver);
        await Task.Delay(50);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        var second = await ReleaseToDevAsync(client, model, 2, approver);
        return (model, first, second, between);
    }

    private async Task<string> ReleaseToDevAsync(HttpClient client, string model, int version, HttpClient? approver = null, bool wait = true)
    {
        var response = await client.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":{{version}},"environments":["dev"]}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        if (approver is not null)
        {
            await Poll.UntilAsync(() => client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}"), r => r.GetProperty("status").GetString() == "AwaitingApproval",
                attempts: 300, delayMilliseconds: 100);
            if (!wait)
            {
                return id;
            }
            Assert.Equal(HttpStatusCode.OK, (await approver.PostAsync($"/v1/releases/{id}/approvals", Json("""{"decision":"approve"}"""))).StatusCode);
        }
        var released = await Poll.UntilAsync(() => client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}"), r => r.GetProperty("status").GetString() == "Released",
            attempts: 300, delayMilliseconds: 100);
        // The execution ends after the last step's audit entry: wait for it, so that snapshots taken next are stable.
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(released.GetProperty("executionArn").GetString()!), e => e.Status != ExecutionStatus.Running,
            attempts: 300, delayMilliseconds: 100);
        return id;
    }

    /// <summary>The shipped policy, except that dev needs one approval from approvers-dev, for releases and for rollbacks.</summary>
    private static string GuardedDevConfig()
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(LocalHost.ReadResourceForTests("environments.json"))!;
        var dev = config["environments"]!.AsArray().Single(e => (string?)e!["name"] == "dev")!;
        dev["approval"] = System.Text.Json.Nodes.JsonNode.Parse("""{"required":1,"groups":["approvers-dev"],"timeoutSeconds":600}""");
        dev["rollback"] = System.Text.Json.Nodes.JsonNode.Parse("""{"approval":{"required":1,"groups":["approvers-dev"],"timeoutSeconds":600}}""");
        return config.ToJsonString();
    }

    private static async Task<JsonElement> RollbackDoneAsync(HttpClient client, string rollbackId) =>
        await Poll.UntilAsync(() => client.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
            r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Rejected" or "Expired", attempts: 300, delayMilliseconds: 100);

    private async Task<string> EndpointConfigAsync(string model)
    {
        using var sageMaker = new SageMakerClient(emulator.ClientOptions());
        var endpoint = await sageMaker.DescribeEndpointAsync(ResourceNames.EndpointName(model, "dev"));
        Assert.Equal(EndpointStatus.InService, endpoint.EndpointStatus);
        return endpoint.EndpointConfigName!;
    }

    private static async Task<string> ReleaseConfigAsync(HttpClient client, string releaseId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/v1/releases/{releaseId}")).GetProperty("stages")[0].GetProperty("deployment")
            .GetProperty("endpointConfigName").GetString()!;

    [Fact]
    public async Task Preview_NamesLiveTargetDiffConsumersAndInFlight()
    {
        var (model, first, second, _) = await TwoLiveReleasesAsync(_alice, emulator.UniqueName("pv"));
        var consumer = await _alice.PostAsync("/v1/environments/dev/consumers",
            Json($$"""{"model":"{{model}}","name":"checkout-service","contact":"#payments-oncall","description":"scores every card payment"}"""));
        Assert.Equal(HttpStatusCode.Created, consumer.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _alice.PostAsync("/v1/environments/dev/consumers",
            Json($$"""{"model":"{{model}}","name":"checkout-service"}"""))).StatusCode);

        var response = await _alice.PostAsync("/v1/environments/dev/rollback/preview", Json($$"""{"model":"{{model}}"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((second, 2), (preview.GetProperty("live").GetProperty("release").GetString(), preview.GetProperty("live").GetProperty("version").GetInt32()));
        Assert.Equal((first, 1), (preview.GetProperty("target").GetProperty("release").GetString(), preview.GetProperty("target").GetProperty("version").GetInt32()));
        Assert.False(preview.GetProperty("noOp").GetBoolean());
        Assert.True(preview.GetProperty("canExecute").GetBoolean());
        // The diff goes from what is live (v2) to the target (v1): auc falls by 0.02, latency improves by 15 ms.
        var metrics = preview.GetProperty("diff").GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("metric").GetString()!);
        Assert.Equal(-0.02, metrics["auc"].GetProperty("delta").GetDouble(), 6);
        Assert.Equal("regressed beyond tolerance", metrics["auc"].GetProperty("verdict").GetString());
        Assert.Equal(-15, metrics["latency_p95_ms"].GetProperty("delta").GetDouble(), 6);
        Assert.Equal("improved", metrics["latency_p95_ms"].GetProperty("verdict").GetString());
        Assert.Contains("auc 0.93 -> 0.91", preview.GetProperty("message").GetString(), StringComparison.Ordinal);
        var consumers = preview.GetProperty("consumers").EnumerateArray().ToArray();
        Assert.Equal(("checkout-service", "#payments-oncall"), (consumers.Single().GetProperty("name").GetString(), consumers.Single().GetProperty("contact").GetString()));
        Assert.Empty(preview.GetProperty("inFlight").EnumerateArray());
        Assert.Empty(preview.GetProperty("blockers").EnumerateArray());

    }

    [Fact]
    public async Task PreviewListsReleasesInFlight_AndAGuardedRollbackWaitsForAnotherPersonsApproval()
    {
        await using var guarded = await ApiHost.StartAsync(emulator, GuardedDevConfig());
        using var alice = await guarded.As("alice", "ml-engineers");
        using var dana = await guarded.As("dana", "approvers-dev");
        var (model, first, second, _) = await TwoLiveReleasesAsync(alice, emulator.UniqueName("gd"), dana);
        var waiting = await ReleaseToDevAsync(alice, model, 1, dana, wait: false);

        var preview = await (await alice.PostAsync("/v1/environments/dev/rollback/preview", Json("{}"))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(model, preview.GetProperty("model").GetString()); // the only model live in dev
        var inFlight = preview.GetProperty("inFlight").EnumerateArray().Single();
        Assert.Equal((waiting, "AwaitingApproval"), (inFlight.GetProperty("id").GetString(), inFlight.GetProperty("stageStatus").GetString()));
        Assert.Equal((true, 1), (preview.GetProperty("requiresApproval").GetBoolean(), preview.GetProperty("requiredApprovals").GetInt32()));
        Assert.Equal(HttpStatusCode.OK, (await alice.PostAsync($"/v1/releases/{waiting}/cancel", Json("""{"reason":"not now"}"""))).StatusCode);

        var response = await alice.PostAsync("/v1/environments/dev/rollback", Json("""{"reason":"v2 misroutes refunds"}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rollbackId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
        await Poll.UntilAsync(() => alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"), r => r.GetProperty("status").GetString() == "AwaitingApproval",
            attempts: 300, delayMilliseconds: 100);
        using var aliceAsApprover = await guarded.As("alice", "ml-engineers", "approvers-dev");
        var self = await aliceAsApprover.PostAsync($"/v1/rollbacks/{rollbackId}/approvals", Json("""{"decision":"approve"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, self.StatusCode);
        Assert.Equal(second, (await guarded.App.Services.GetRequiredService<IWorkflowStore>().GetLiveAsync("dev", model, CancellationToken.None))!.ReleaseId);

        var vote = await dana.PostAsync($"/v1/rollbacks/{rollbackId}/approvals", Json("""{"decision":"approve","comment":"refund errors confirmed"}"""));

        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        var done = await RollbackDoneAsync(alice, rollbackId);
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("dana", done.GetProperty("approvals")[0].GetProperty("by").GetString());
        Assert.Equal(first, (await guarded.App.Services.GetRequiredService<IWorkflowStore>().GetLiveAsync("dev", model, CancellationToken.None))!.ReleaseId);
    }

    [Fact]
    public async Task Rollback_MakesTheTargetLiveAgain_AndHistoryAtAnswersWhatWasLiveThen()
    {
        var (model, first, second, between) = await TwoLiveReleasesAsync(_alice, emulator.UniqueName("rb"));
        var firstConfig = await ReleaseConfigAsync(_alice, first);
        Assert.NotEqual(firstConfig, await EndpointConfigAsync(model));
        var beforeRollback = DateTimeOffset.UtcNow;
        await Task.Delay(50);

        var response = await _alice.PostAsync("/v1/environments/dev/rollback", Json($$"""{"model":"{{model}}","reason":"latency alarms after v2"}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        var rollbackId = accepted.GetProperty("rollbackId").GetString()!;
        Assert.StartsWith("rb-", rollbackId, StringComparison.Ordinal);
        Assert.EndsWith($":{rollbackId}", accepted.GetProperty("executionArn").GetString(), StringComparison.Ordinal);
        var rollback = await RollbackDoneAsync(_alice, rollbackId);
        Assert.Equal("Completed", rollback.GetProperty("status").GetString());
        Assert.Equal(firstConfig, await EndpointConfigAsync(model));

        var environments = await _alice.GetFromJsonAsync<JsonElement>($"/v1/environments?model={model}");
        var dev = environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "dev");
        Assert.Equal((first, 1), (dev.GetProperty("liveRelease").GetString(), dev.GetProperty("liveVersion").GetInt32()));
        Assert.Equal(("rollback", rollbackId, second), (dev.GetProperty("lastDeployment").GetProperty("kind").GetString(),
            dev.GetProperty("lastDeployment").GetProperty("rollbackId").GetString(), dev.GetProperty("lastDeployment").GetProperty("replacedRelease").GetString()));
        Assert.Equal(JsonValueKind.Null, dev.GetProperty("lockedBy").ValueKind);

        // ?at= before the rollback: v2 was live; before v2's deployment: v1; now: v1 again.
        async Task<string?> LiveAtAsync(DateTimeOffset at)
        {
            var history = await _alice.GetFromJsonAsync<JsonElement>(
                $"/v1/environments/dev/history?model={model}&at={Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture))}");
            return history.GetProperty("liveAt").EnumerateArray().SingleOrDefault().ValueKind == JsonValueKind.Undefined
                ? null
                : history.GetProperty("liveAt").EnumerateArray().Single().GetProperty("release").GetString();
        }
        Assert.Equal(second, await LiveAtAsync(beforeRollback));
        Assert.Equal(first, await LiveAtAsync(between));
        Assert.Equal(first, await LiveAtAsync(DateTimeOffset.UtcNow));
        Assert.Null(await LiveAtAsync(between.AddHours(-1)));
        var all = await _alice.GetFromJsonAsync<JsonElement>($"/v1/environments/dev/history?model={model}");
        Assert.Equal(["rollback", "release", "release"], all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString()!).ToArray());

        // The execution reads like the rollback's story.
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        var arn = accepted.GetProperty("executionArn").GetString()!;
        var execution = await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(arn), e => e.Status != ExecutionStatus.Running, attempts: 100, delayMilliseconds: 100);
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var states = ((await sfn.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn))).Events ?? [])
            .Where(e => e.StateEnteredEventDetails is not null).Select(e => e.StateEnteredEventDetails!.Name).ToArray();
        Assert.Equal(["Does this rollback need approval?", "Take the environment lock", "Point the endpoint at the target", "Is the endpoint serving the target?",
            "Is the endpoint ready?", "Let the endpoint bake", "Verify the endpoint", "Record the rollback", "Rolled back"], states);

        // Both releases' stories tell of it, and the audit log has each step once, even when the last task runs again.
        var history2 = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{second}/history");
        Assert.Contains(history2.GetProperty("items").EnumerateArray(), i => i.GetProperty("type").GetString() == $"completed-{rollbackId}");
        var handlers = _api.App.Services.GetRequiredService<ITaskHandlers>();
        await handlers.InvokeAsync("rollback-record", $$"""{"rollbackId":"{{rollbackId}}"}""", CancellationToken.None);
        var audit = await _alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=rollback/{rollbackId}&limit=100");
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToArray();
        Assert.Equal(1, actions.Count(a => a == "rollback.requested"));
        Assert.Equal(1, actions.Count(a => a == "rollback.started"));
        Assert.Equal(1, actions.Count(a => a == "rollback.completed"));
        var deployments = await _api.App.Services.GetRequiredService<IWorkflowStore>().ListDeploymentsAsync("dev", 50, CancellationToken.None, model: model);
        Assert.Single(deployments, d => d.RollbackId == rollbackId);

        // Delivery metrics see two changes, one of them rolled back by hand, and one restore.
        var delivery = await _alice.GetFromJsonAsync<JsonElement>($"/v1/metrics/delivery?model={model}&environment=dev");
        var figures = delivery.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(2, figures.GetProperty("deployments").GetInt32());
        Assert.Equal((2, 1, 0.5), (figures.GetProperty("changeFailureRate").GetProperty("changes").GetInt32(),
            figures.GetProperty("changeFailureRate").GetProperty("failed").GetInt32(), figures.GetProperty("changeFailureRate").GetProperty("rate").GetDouble()));
        Assert.Equal(1, figures.GetProperty("timeToRestore").GetProperty("count").GetInt32());
        Assert.Equal(2, figures.GetProperty("leadTime").GetProperty("count").GetInt32());

        // Per day, the buckets add up to the window; another project counts none of it.
        var until = DateTimeOffset.UtcNow.AddMinutes(1);
        var daily = await _alice.GetFromJsonAsync<JsonElement>($"/v1/metrics/delivery?model={model}&environment=dev&project=payments&interval=day"
            + $"&since={Uri.EscapeDataString(until.AddDays(-3).ToString("O"))}&until={Uri.EscapeDataString(until.ToString("O"))}");
        var buckets = daily.GetProperty("series").EnumerateArray().ToArray();
        Assert.Equal(3, buckets.Length);
        Assert.Equal(2, buckets.Sum(b => b.GetProperty("items").EnumerateArray().Sum(i => i.GetProperty("deployments").GetInt32())));
        Assert.Equal(buckets[0].GetProperty("until").GetString(), buckets[1].GetProperty("since").GetString());
        var elsewhere = await _alice.GetFromJsonAsync<JsonElement>($"/v1/metrics/delivery?model={model}&environment=dev&project=no-such-project");
        Assert.Empty(elsewhere.GetProperty("items").EnumerateArray());
        var badInterval = await _alice.GetAsync($"/v1/metrics/delivery?interval=hour");
        Assert.Equal(HttpStatusCode.BadRequest, badInterval.StatusCode);
        Assert.Contains("interval", await badInterval.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Found by the API fuzz test (a 500): a window at the calendar's end overflowed its weekly buckets.
        var endOfTime = await _alice.GetAsync("/v1/metrics/delivery?until=9999-12-31T23%3A59%3A59Z&interval=week");
        Assert.Equal(HttpStatusCode.BadRequest, endOfTime.StatusCode);
        Assert.Contains(ReleaseCenter.Api.Http.Problems.TimestampRule, await endOfTime.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Rolling back again by default does not bring back the release that was rolled back: nothing is left before v1.
        var next = await (await _alice.PostAsync("/v1/environments/dev/rollback/preview", Json($$"""{"model":"{{model}}"}"""))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(next.GetProperty("canExecute").GetBoolean());
        Assert.Contains("nothing to roll back to", next.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbackToWhatIsLive_IsANoOp_AndChangesNothing()
    {
        var (model, _, second, _) = await TwoLiveReleasesAsync(_alice, emulator.UniqueName("noop"));
        var before = await _api.SnapshotAsync();

        var response = await _alice.PostAsync("/v1/environments/dev/rollback", Json($$"""{"model":"{{model}}","toRelease":"{{second}}","reason":"just in case"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("noOp").GetBoolean());
        Assert.Equal("NoOp", body.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("rollbackId").ValueKind);
        Assert.Equal($"Release {second} ({model} v2) is already live in dev: rolling back to it would change nothing.", body.GetProperty("message").GetString());
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    [Fact]
    public async Task RollbackWhileAReleaseHoldsTheLock_Is409_AndChangesNothing()
    {
        var (model, _, _, _) = await TwoLiveReleasesAsync(_alice, emulator.UniqueName("lock"));
        var workflow = _api.App.Services.GetRequiredService<IWorkflowStore>();
        Assert.True(await workflow.TryAcquireLockAsync("dev", "rel-20261122-000000-deadbeef", DateTimeOffset.UtcNow, CancellationToken.None));
        try
        {
            var preview = await (await _alice.PostAsync("/v1/environments/dev/rollback/preview", Json($$"""{"model":"{{model}}"}"""))).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("rel-20261122-000000-deadbeef", preview.GetProperty("lockedBy").GetString());
            Assert.False(preview.GetProperty("canExecute").GetBoolean());
            var before = await _api.SnapshotAsync();

            var response = await _alice.PostAsync("/v1/environments/dev/rollback", Json($$"""{"model":"{{model}}","reason":"bad latency"}"""));

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Environment locked", problem.GetProperty("title").GetString());
            Assert.Contains("rel-20261122-000000-deadbeef", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal(before, await _api.SnapshotAsync());
        }
        finally
        {
            await workflow.ReleaseLockAsync("dev", "rel-20261122-000000-deadbeef", CancellationToken.None);
        }
    }

    [Fact]
    public async Task BadRollbackRequests_GetTheFieldAndTheReason_AndChangeNothing()
    {
        var (model, _, _, _) = await TwoLiveReleasesAsync(_alice, emulator.UniqueName("bad"));
        var before = await _api.SnapshotAsync();

        async Task<(HttpStatusCode, string)> Post(string env, string body)
        {
            var response = await _alice.PostAsync($"/v1/environments/{env}/rollback", Json(body));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var (status, text) = await Post("dev", $$"""{"model":"{{model}}"}""");
        Assert.Equal((HttpStatusCode.BadRequest, true), (status, text.Contains("\"reason\"", StringComparison.Ordinal)));
        (status, text) = await Post("dev", $$"""{"model":"{{model}}","reason":"x","force":true}""");
        Assert.Equal((HttpStatusCode.BadRequest, true), (status, text.Contains("force", StringComparison.Ordinal)));
        (status, text) = await Post("dev", $$"""{"model":"{{model}}","reason":"x","toRelease":"rel-19990101-000000-00000000"}""");
        Assert.Equal((HttpStatusCode.BadRequest, true), (status, text.Contains("\"toRelease\"", StringComparison.Ordinal) && text.Contains("does not exist", StringComparison.Ordinal)));
        (status, text) = await Post("dev", $$"""{"model":"Not A Name","reason":"x"}""");
        Assert.Equal((HttpStatusCode.BadRequest, true), (status, text.Contains("\"model\"", StringComparison.Ordinal)));
        (status, _) = await Post("qa", """{"reason":"x"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        (status, _) = await Post("dev", "[1,2]");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var reader = await _api.As("rita", "approvers-dev");
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/v1/environments/dev/rollback", Json($$"""{"model":"{{model}}","reason":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _alice.GetAsync("/v1/environments/dev/history?at=yesterday")).StatusCode);
        Assert.Equal(before, await _api.SnapshotAsync());
    }
}
