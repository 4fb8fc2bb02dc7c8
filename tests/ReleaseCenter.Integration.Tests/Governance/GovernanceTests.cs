using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>The approval policy of the default configuration (prod: two from approvers-prod) through the real workflow.</summary>
[Collection(EmulatorCollections.Second)]
public sealed class GovernanceTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private ApiHost _api = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        _api = await ApiHost.StartAsync(emulator);
        _alice = await _api.As("alice", "ml-engineers", "approvers-prod");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>A model released to prod only, waiting there for approval.</summary>
    private async Task<string> WaitingInProdAsync()
    {
        var model = emulator.UniqueName("gov");
        await _alice.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"payments"}"""));
        var version = await _alice.PostAsync($"/v1/models/{model}/versions", Json($$"""
            {"artifactUri":"s3://m/{{model}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
             "metrics":{"auc":0.95,"latency_p95_ms":70} }
            """));
        Assert.Equal(HttpStatusCode.Created, version.StatusCode);
        var created = await _alice.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":1,"environments":["prod"]}"""));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitAsync(id, r => Stage(r).GetProperty("status").GetString() == "AwaitingApproval");
        return id;
    }

    private async Task<JsonElement> WaitAsync(string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var release = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
            if (done(release))
            {
                return release;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {release}");
            await Task.Delay(200);
        }
    }

    private static JsonElement Stage(JsonElement release) => release.GetProperty("stages")[0];

    private async Task<HttpResponseMessage> VoteAsync(string id, string user, string group, string decision = "approve", string extra = "")
    {
        using var client = await _api.As(user, group);
        return await client.PostAsync($"/v1/releases/{id}/approvals", Json($$"""{"decision":"{{decision}}"{{extra}}}"""));
    }

    [Fact]
    public async Task Prod_RefusesTheRequester_CountsARepeatOnce_AndDeploysOnlyAfterTwoDistinctApprovers()
    {
        var id = await WaitingInProdAsync();

        var own = await _alice.PostAsync($"/v1/releases/{id}/approvals", Json("""{"decision":"approve"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("requester", await own.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(1, (await (await VoteAsync(id, "pat", "approvers-prod")).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("remaining").GetInt32());
        var repeat = await (await VoteAsync(id, "pat", "approvers-prod")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((1, 1), (repeat.GetProperty("remaining").GetInt32(), repeat.GetProperty("approvals").GetArrayLength()));
        await Task.Delay(1500);
        var stillWaiting = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
        Assert.Equal("AwaitingApproval", Stage(stillWaiting).GetProperty("status").GetString());
        Assert.False(Stage(stillWaiting).TryGetProperty("deployment", out var d) && d.ValueKind == JsonValueKind.Object);

        Assert.Equal(HttpStatusCode.OK, (await VoteAsync(id, "quinn", "approvers-prod")).StatusCode);
        var released = await WaitAsync(id, r => r.GetProperty("status").GetString() == "Released");
        Assert.Equal(["pat", "quinn"], Stage(released).GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("by").GetString()));
    }

    [Fact]
    public async Task AStagingApprover_CannotApproveProd()
    {
        var id = await WaitingInProdAsync();
        var response = await VoteAsync(id, "sam", "approvers-staging");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(Stage(await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")).GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task AVoteOnStaleEvidence_Is409_AndNotCounted()
    {
        var id = await WaitingInProdAsync();
        var response = await VoteAsync(id, "pat", "approvers-prod", extra: ""","bundleDigest":"sha256:something-else" """);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var release = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
        Assert.Empty(Stage(release).GetProperty("approvals").EnumerateArray());

        var current = $$""","bundleDigest":"{{release.GetProperty("bundle").GetProperty("digest").GetString()}}","evaluationDigest":"{{Stage(release).GetProperty("evaluationDigest").GetString()}}" """;
        Assert.Equal(HttpStatusCode.OK, (await VoteAsync(id, "pat", "approvers-prod", extra: current)).StatusCode);
    }

    [Fact]
    public async Task TenConcurrentApprovals_CompleteTheWaitingTaskExactlyOnce()
    {
        var id = await WaitingInProdAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => VoteAsync(id, $"approver{i}", "approvers-prod"))));

        var bodies = await Task.WhenAll(responses.Select(async r => (r.StatusCode, Body: await r.Content.ReadFromJsonAsync<JsonElement>())));
        // Every vote is either counted (200) or arrives after the decision (409); none fails to complete the task twice.
        Assert.All(bodies, b => Assert.True(b.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, b.Body.ToString()));
        Assert.DoesNotContain(bodies, b => b.Body.TryGetProperty("title", out var t) && t.GetString() == "Approval window closed");
        Assert.Single(bodies, b => b.StatusCode == HttpStatusCode.OK && b.Body.GetProperty("decision").GetString() == "approved");
        var released = await WaitAsync(id, r => r.GetProperty("status").GetString() == "Released");
        Assert.InRange(Stage(released).GetProperty("approvals").GetArrayLength(), 2, 10);
        var history = await _alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history");
        Assert.Single(history.GetProperty("items").EnumerateArray(), i => i.GetProperty("type").GetString() == "TaskSucceeded"
            && i.GetProperty("source").GetString() == "step-functions" && HasStateBefore(history, i, "Wait for approval"));
    }

    private static bool HasStateBefore(JsonElement history, JsonElement item, string state)
    {
        var items = history.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("source").GetString() == "step-functions").ToList();
        var index = items.FindIndex(i => i.GetProperty("at").GetString() == item.GetProperty("at").GetString() && i.GetProperty("type").GetString() == "TaskSucceeded");
        var entered = items.Take(index).LastOrDefault(i => i.GetProperty("type").GetString()!.EndsWith("StateEntered", StringComparison.Ordinal));
        return entered.ValueKind != JsonValueKind.Undefined && entered.GetProperty("message").GetString()!.EndsWith(state, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingApprovals_ListWhatTheCallerMayApproveNow()
    {
        var id = await WaitingInProdAsync();
        using var pat = await _api.As("pat", "approvers-prod");
        using var sam = await _api.As("sam", "approvers-staging");

        var forPat = Assert.Single((await pat.GetFromJsonAsync<JsonElement>("/v1/approvals/pending")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("releaseId").GetString() == id);
        Assert.Equal(2, forPat.GetProperty("remaining").GetInt32());
        // What an inbox shows: who may vote, waiting since when, expiring when (the policy's timeout after the request).
        Assert.Equal("approvers-prod", Assert.Single(forPat.GetProperty("approverGroups").EnumerateArray()).GetString());
        Assert.True(forPat.GetProperty("expiresAt").GetDateTimeOffset() > forPat.GetProperty("approvalRequestedAt").GetDateTimeOffset());
        Assert.DoesNotContain((await sam.GetFromJsonAsync<JsonElement>("/v1/approvals/pending")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("releaseId").GetString() == id);
        Assert.DoesNotContain((await _alice.GetFromJsonAsync<JsonElement>("/v1/approvals/pending")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("releaseId").GetString() == id); // her own release

        await VoteAsync(id, "pat", "approvers-prod");
        Assert.DoesNotContain((await pat.GetFromJsonAsync<JsonElement>("/v1/approvals/pending")).GetProperty("items").EnumerateArray(),
            i => i.GetProperty("releaseId").GetString() == id); // voted already
    }
}
