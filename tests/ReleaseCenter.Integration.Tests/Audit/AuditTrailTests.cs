using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Audit;

/// <summary>Every API write and every workflow step of a real release lands in the audit chain, once, and the chain verifies.</summary>
[Collection("emulator")]
public sealed class AuditTrailTests(EmulatorFixture emulator)
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task AReleaseThroughDevAndStaging_IsAuditedStepByStep_Once_AndTheChainVerifies_UntilSomeoneEditsIt()
    {
        emulator.RequireLocal();
        await using var api = await ApiHost.StartAsync(emulator);
        using var alice = await api.As("alice", "ml-engineers");
        using var sam = await api.As("sam", "approvers-staging");
        var model = emulator.UniqueName("audited");
        await alice.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"risk"}"""));
        await alice.PostAsync($"/v1/models/{model}/versions", Json($$"""
            {"artifactUri":"s3://m/x","artifactDigest":"{{Digest}}","image":"img:1","metrics":{"auc":0.95,"latency_p95_ms":70} }
            """));
        var created = await alice.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":1,"environments":["dev","staging"]}"""));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitAsync(alice, id, r => r.GetProperty("stages")[1].GetProperty("status").GetString() == "AwaitingApproval");
        await sam.PostAsync($"/v1/releases/{id}/approvals", Json("""{"decision":"approve"}"""));
        await WaitAsync(alice, id, r => r.GetProperty("status").GetString() == "Released");
        // The status turns Released inside the last task, just before that task audits "finished": wait for the execution to end.
        using var sfn = new ReleaseCenter.Aws.Clients.StepFunctionsClient(emulator.ClientOptions());
        var arn = (await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")).GetProperty("executionArn").GetString()!;
        await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(arn),
            e => e.Status != ReleaseCenter.Aws.Clients.ExecutionStatus.Running, attempts: 300, delayMilliseconds: 100);

        var actions = await ActionsAsync(alice, $"subject=release/{id}");
        foreach (var expected in new[]
        {
            "release.requested", "release.evaluated", "release.lock-acquired", "release.deployment-started", "release.verified", "release.deployed",
            "release.approval-requested", "release.approved", "release.finished",
        })
        {
            Assert.Contains(expected, actions);
        }
        Assert.Equal(2, actions.Count(a => a == "release.deployed"));
        Assert.Contains("model.registered", await ActionsAsync(alice, $"subject=model/{model}"));

        // A retried task (Step Functions retry after a lost response) adds nothing to the chain.
        var handlers = api.App.Services.GetRequiredService<ITaskHandlers>();
        await handlers.InvokeAsync("record-deployment", $$"""{"releaseId":"{{id}}","environment":"dev"}""", CancellationToken.None);
        await handlers.InvokeAsync("verify", $$"""{"releaseId":"{{id}}","environment":"dev"}""", CancellationToken.None);
        Assert.Equal(actions.Length, (await ActionsAsync(alice, $"subject=release/{id}")).Length);

        var verify = await alice.GetFromJsonAsync<JsonElement>("/v1/audit/verify?project=risk");
        Assert.True(verify.GetProperty("valid").GetBoolean(), verify.ToString());

        // Someone edits an entry directly in the table: verify names it.
        var entry = (await alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=release/{id}&action=release.approved")).GetProperty("items")[0];
        var seq = entry.GetProperty("seq").GetInt64();
        await new Tamper(api.Dynamo, api.TableName).ChangeDetailAsync("risk", seq, "message", "nobody approved anything");
        var broken = await alice.GetFromJsonAsync<JsonElement>("/v1/audit/verify?project=risk");
        Assert.False(broken.GetProperty("valid").GetBoolean());
        Assert.Equal(seq, broken.GetProperty("firstInvalidSeq").GetInt64());
    }

    private static async Task<string[]> ActionsAsync(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/v1/audit?{query}&limit=100");
        return page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToArray();
    }

    private static async Task WaitAsync(HttpClient client, string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done(await client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")))
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }
}
