using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Governance;

[Collection("emulator")]
public sealed class ReminderTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task AStageWaitingLongerThanItsReminderDelay_IsAnnouncedOnce_EvenWhenSweepsOverlap()
    {
        emulator.RequireLocal();
        var config = LocalHost.ReadResourceForTests("environments.json").Replace("\"reminderSeconds\": 3600", "\"reminderSeconds\": 1", StringComparison.Ordinal);
        await using var api = await ApiHost.StartAsync(emulator, config);
        using var alice = await api.As("alice", "ml-engineers");

        // Reminders go to the bus: route them to a queue the test can read.
        using var sqs = emulator.SqsClient();
        var queueUrl = (await sqs.CreateQueueAsync(emulator.UniqueName("reminders"))).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        using var events = new EventBridgeClient(emulator.ClientOptions());
        var bus = new ResourceNames(api.Stage).EventBusName;
        await events.PutRuleAsync(new PutRuleRequest("reminders") { EventBusName = bus, EventPattern = """{"detail-type":["release.approval-reminder.v1"]}""" });
        await events.PutTargetsAsync(new PutTargetsRequest("reminders", [new RuleTarget("queue", queueArn)]) { EventBusName = bus });

        const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var model = emulator.UniqueName("remind");
        await alice.PostAsync("/v1/models", new StringContent($$"""{"name":"{{model}}","project":"p-1"}""", Encoding.UTF8, "application/json"));
        await alice.PostAsync($"/v1/models/{model}/versions", new StringContent($$"""
            {"artifactUri":"s3://m/x","artifactDigest":"{{Digest}}","image":"img:1","metrics":{"auc":0.95,"latency_p95_ms":70} }
            """, Encoding.UTF8, "application/json"));
        var created = await alice.PostAsync("/v1/releases", new StringContent($$"""{"model":"{{model}}","version":1,"environments":["dev","staging"]}""", Encoding.UTF8, "application/json"));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var handlers = api.App.Services.GetRequiredService<ITaskHandlers>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}")).GetProperty("stages")[1].GetProperty("status").GetString() != "AwaitingApproval")
        {
            Assert.True(DateTime.UtcNow < deadline);
            await Task.Delay(200);
        }

        Assert.Contains("\"sent\":0", await handlers.InvokeAsync("send-reminders", "{}", CancellationToken.None), StringComparison.Ordinal); // not due yet
        await Task.Delay(1200);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => handlers.InvokeAsync("send-reminders", "{}", CancellationToken.None)));

        var timeline = await api.App.Services.GetRequiredService<IWorkflowStore>().ListTimelineAsync(id, CancellationToken.None);
        Assert.Single(timeline, t => t.Step == "approval-reminder" && t.Environment == "staging");
        var messages = new List<Message>();
        for (var i = 0; i < 10 && messages.Count == 0; i++)
        {
            messages.AddRange((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages ?? []);
        }
        var detail = JsonDocument.Parse(Assert.Single(messages).Body).RootElement.GetProperty("detail");
        Assert.Equal((id, "staging", "1"), (detail.GetProperty("releaseId").GetString(), detail.GetProperty("environment").GetString(),
            detail.GetProperty("remainingApprovals").GetString()));
    }
}
