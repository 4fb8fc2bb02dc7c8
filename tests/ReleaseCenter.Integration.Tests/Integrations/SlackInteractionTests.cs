using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Api.Integrations;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Integrations;

/// <summary>
/// Slack approval (issue 14): a click on "Approve" posts a signed interaction; it counts as the mapped person's vote
/// under the same policy as any other. A wrong signature, a replayed old timestamp, an unmapped Slack user,
/// self-approval and evidence that changed since the message are each refused, and the table is unchanged.
/// The signing secret is the one the local stack put in the emulator's Secrets Manager.
/// </summary>
[Collection("emulator")]
public sealed class SlackInteractionTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private ApiHost _api = null!;
    private string _secret = null!;
    private readonly string _sink = $"slack-responses-{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator, configure: s => s.AddSingleton(new SlackConfig(
            new Dictionary<string, SlackIdentity>
            {
                ["U0SAM"] = new("sam", new HashSet<string> { "approvers-staging" }),
                // alice requested the release; even in the approver group, she may not approve it.
                ["U0ALICE"] = new("alice", new HashSet<string> { "ml-engineers", "approvers-staging" }),
            },
            new HashSet<string> { "127.0.0.1" }) { AllowHttp = true }));
        _secret = (await _api.App.Services.GetRequiredService<ISlackSigningSecret>().GetAsync(CancellationToken.None))!;
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    /// <summary>A release of a fresh model, waiting in staging for approval: its id, bundle digest and staging's evaluation digest.</summary>
    private async Task<(string Id, string Bundle, string Evaluation)> WaitingInStagingAsync()
    {
        using var alice = await _api.As("alice", "ml-engineers");
        var model = $"slack-{Guid.NewGuid().ToString("N")[..10]}";
        (await alice.PostAsJsonAsync("/v1/models", new { name = model, project = "payments" })).EnsureSuccessStatusCode();
        (await alice.PostAsJsonAsync($"/v1/models/{model}/versions", new
        {
            artifactUri = $"s3://m/{model}.tar.gz", artifactDigest = Digest, image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
            metrics = new { auc = 0.95, latency_p95_ms = 80 },
        })).EnsureSuccessStatusCode();
        var created = await alice.PostAsJsonAsync("/v1/releases", new { model, version = 1, environments = new[] { "staging" } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var release = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
            var stage = release.GetProperty("stages")[0];
            if (stage.GetProperty("status").GetString() == "AwaitingApproval")
            {
                return (id, release.GetProperty("bundle").GetProperty("digest").GetString()!, stage.GetProperty("evaluationDigest").GetString()!);
            }
            Assert.True(DateTime.UtcNow < deadline, "staging never waited for approval");
            await Task.Delay(200);
        }
    }

    private string Payload(string slackUser, string decision, string releaseId, string bundle, string evaluation) => new JsonObject
    {
        ["type"] = "block_actions",
        ["user"] = new JsonObject { ["id"] = slackUser },
        ["actions"] = new JsonArray(new JsonObject { ["action_id"] = decision, ["value"] = SlackApi.ButtonValue(releaseId, "staging", bundle, evaluation) }),
        ["response_url"] = $"{_api.Client.BaseAddress!.ToString().TrimEnd('/')}/v1/local/webhooks/{_sink}",
    }.ToJsonString();

    /// <summary>Posts an interaction as Slack does: a form body, signed with <paramref name="secret"/> at <paramref name="at"/>.</summary>
    private async Task<HttpResponseMessage> PostAsync(string payload, string? secret = null, DateTimeOffset? at = null)
    {
        var body = "payload=" + Uri.EscapeDataString(payload);
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, SlackApi.Route)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", Encoding.ASCII.GetString(SlackSignature.Sign(secret ?? _secret, timestamp, Encoding.UTF8.GetBytes(body))));
        return await _api.Client.SendAsync(request);
    }

    private async Task<int> ApprovalsOfAsync(string id)
    {
        using var reader = await _api.As("carol", "approvers-prod");
        return (await reader.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")).GetProperty("stages")[0].GetProperty("approvals").GetArrayLength();
    }

    [Fact]
    public async Task ASignedClick_ByAMappedApprover_ApprovesTheStage_AndUpdatesTheMessage()
    {
        var (id, bundle, evaluation) = await WaitingInStagingAsync();

        var response = await PostAsync(Payload("U0SAM", "approve", id, bundle, evaluation));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("replace_original").GetBoolean());
        Assert.Contains($"sam approved staging for release {id}", answer.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await ApprovalsOfAsync(id));
        // The message was updated in place through its response_url (here the local webhook sink).
        var updates = await _api.Client.GetFromJsonAsync<JsonElement>($"/v1/local/webhooks/{_sink}");
        Assert.Contains(updates.EnumerateArray(), u => u.ToString().Contains("sam approved staging", StringComparison.Ordinal));
    }

    /// <summary>
    /// The whole loop: the "Approval needed" Block Kit message the local stack's Slack webhook received (project payments)
    /// carries the metrics, the digest and the buttons; the Approve button's value, sent back as Slack would, counts the vote.
    /// </summary>
    [Fact]
    public async Task TheApprovalMessage_IsBlockKit_WithEvidenceAndButtons_AndItsApproveButtonVotes()
    {
        var (id, bundle, evaluation) = await WaitingInStagingAsync();
        var message = await Poll.UntilAsync(async () => (await _api.Client.GetFromJsonAsync<JsonElement>("/v1/local/webhooks/payments-slack"))
                .EnumerateArray().Where(m => m.GetProperty("text").GetString()!.Contains(id, StringComparison.Ordinal)).ToList(),
            l => l.Count > 0, attempts: 200);
        var blocks = message[0].GetProperty("blocks").EnumerateArray().ToList();
        var shown = string.Join("\n", blocks.Select(b => b.ToString()));
        Assert.Contains("requested by alice", shown, StringComparison.Ordinal);
        Assert.Contains("auc 0.95", shown, StringComparison.Ordinal);
        Assert.Contains("Pass", shown, StringComparison.Ordinal);
        Assert.Contains(bundle, shown, StringComparison.Ordinal);
        var buttons = blocks.Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements").EnumerateArray().ToList();
        var approve = buttons.Single(b => b.GetProperty("action_id").GetString() == "approve");
        Assert.Equal(SlackApi.ButtonValue(id, "staging", bundle, evaluation), approve.GetProperty("value").GetString());
        Assert.EndsWith($"/approvals?selected={id}", buttons.Single(b => b.GetProperty("action_id").GetString() == "open").GetProperty("url").GetString(),
            StringComparison.Ordinal);

        var click = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = "U0SAM" },
            ["actions"] = new JsonArray(new JsonObject { ["action_id"] = "approve", ["value"] = approve.GetProperty("value").GetString() }),
        }.ToJsonString();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(click)).StatusCode);
        Assert.Equal(1, await ApprovalsOfAsync(id));
    }

    [Fact]
    public async Task BadSignatures_StaleTimestamps_UnmappedUsers_SelfApproval_AndChangedEvidence_AreRefused_AndChangeNothing()
    {
        var (id, bundle, evaluation) = await WaitingInStagingAsync();
        var before = await _api.SnapshotAsync();

        var forged = await PostAsync(Payload("U0SAM", "approve", id, bundle, evaluation), secret: "not-the-signing-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("does not match", (await forged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var replayed = await PostAsync(Payload("U0SAM", "approve", id, bundle, evaluation), at: DateTimeOffset.UtcNow.AddMinutes(-6));
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("five minutes", (await replayed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        async Task<string> RefusalAsync(string payload)
        {
            var response = await PostAsync(payload);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ephemeral", answer.GetProperty("response_type").GetString());
            return answer.GetProperty("text").GetString()!;
        }
        Assert.Contains("not mapped", await RefusalAsync(Payload("U0STRANGER", "approve", id, bundle, evaluation)), StringComparison.Ordinal);
        Assert.Contains("Self-approval", await RefusalAsync(Payload("U0ALICE", "approve", id, bundle, evaluation)), StringComparison.Ordinal);
        Assert.StartsWith("Refused", await RefusalAsync(Payload("U0SAM", "approve", id, bundle, "sha256:" + new string('9', 64))), StringComparison.Ordinal);

        var malformed = await PostAsync("""{"type":"block_actions","user":{"id":"U0SAM"},"actions":[{"action_id":"approve","value":"rel-x"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);

        Assert.Equal(before, await _api.SnapshotAsync());
        Assert.Equal(0, await ApprovalsOfAsync(id));
    }

    [Fact]
    public void MessageUpdates_GoOnlyToTheConfiguredHosts()
    {
        var config = SlackConfig.Parse("""{"users":{},"responseUrlHosts":["hooks.slack.com"]}""");

        Assert.True(config.MayRespondTo(new Uri("https://hooks.slack.com/actions/T1/2/abc")));
        Assert.False(config.MayRespondTo(new Uri("http://hooks.slack.com/actions/T1/2/abc")));
        Assert.False(config.MayRespondTo(new Uri("https://169.254.169.254/latest/meta-data")));
        Assert.False(config.MayRespondTo(new Uri("https://hooks.slack.com.evil.example/x")));
    }
}
