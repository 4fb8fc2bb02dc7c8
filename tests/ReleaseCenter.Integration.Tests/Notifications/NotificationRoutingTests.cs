using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Notifications;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local.Notifications;

namespace ReleaseCenter.Integration.Tests.Notifications;

/// <summary>
/// Events on the bus reach the destinations config/notifications.json names, through the same rules and input transformers
/// the CDK app declares: a webhook gets a Slack-style {"text"} body with the approval link, an e-mail topic the same text.
/// </summary>
[Collection("emulator")]
public sealed class NotificationRoutingTests(EmulatorFixture emulator)
{
    private const string BaseUrl = "https://release-center.example.com";

    [Fact]
    public async Task ConfiguredEvents_ReachTheirDestinations_OthersDoNot()
    {
        emulator.RequireLocal(); // the launcher's patches deliver SNS targets and keep the transformer
        var port = FreePort();
        // The sink's URL names another port (as config/notifications.json names 5080): the relay must still reach
        // this host's own sink, on the port it actually listens on.
        var policy = NotificationPolicy.Parse($$"""
            {"links":{"baseUrl":"{{BaseUrl}}"},
             "projects":[{"project":"payments","destinations":[
               {"name":"payments-slack","type":"webhook","url":"http://127.0.0.1:9/v1/local/webhooks/payments-slack",
                "events":["release.approval-requested.v1","rollback.approval-requested.v1","drift.detected.v1"]},
               {"name":"payments-email","type":"email","email":"ml-oncall@example.com","events":["release.released.v1"]}]}]}
            """);
        var aws = emulator.ClientOptions();
        var names = new ResourceNames(emulator.UniqueName("n"));
        using var events = new EventBridgeClient(aws);
        await EventBusProvisioner.EnsureAsync(events, names, emulator.AccountId, CancellationToken.None);
        var setup = await LocalNotifications.ProvisionAsync(aws, names, policy, CancellationToken.None);
        await using var app = await StartHostAsync(setup, aws, port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await PutAsync(events, names, "release.approval-requested.v1", ApprovalDetail("payments", "rel-1", "fraud-detector", "prod"));
        await PutAsync(events, names, "release.approval-requested.v1", ApprovalDetail("lending", "rel-2", "credit-scorer", "prod")); // another project
        await PutAsync(events, names, "release.approval-reminder.v1", ApprovalDetail("payments", "rel-3", "fraud-detector", "staging")); // not configured
        await PutAsync(events, names, "release.released.v1", new()
        {
            ["project"] = "payments", ["releaseId"] = "rel-4", ["model"] = "fraud-detector", ["version"] = "7", ["outcome"] = "Released", ["bundleDigest"] = "",
        });
        await PutAsync(events, names, "drift.detected.v1", new() { ["project"] = "payments", ["model"] = "fraud-detector" });

        var webhook = await Poll.UntilAsync(() => ListAsync(http, "/v1/local/webhooks/payments-slack"), l => l.Count >= 2, attempts: 200);
        var email = await Poll.UntilAsync(() => ListAsync(http, "/v1/local/notifications/payments-email"), l => l.Count >= 1, attempts: 200);
        await Task.Delay(1000); // anything misrouted would have been relayed by now as well

        webhook = await ListAsync(http, "/v1/local/webhooks/payments-slack");
        var texts = webhook.Select(b => b.GetProperty("text").GetString()!).ToList();
        Assert.Equal(2, texts.Count);
        var approval = Assert.Single(texts, t => t.Contains("rel-1", StringComparison.Ordinal));
        Assert.Contains("fraud-detector v3", approval, StringComparison.Ordinal);
        Assert.Contains("to prod", approval, StringComparison.Ordinal);
        Assert.Contains($"{BaseUrl}/v1/releases/rel-1/approvals", approval, StringComparison.Ordinal);
        Assert.Single(texts, t => t.StartsWith("drift.detected.v1 in project payments", StringComparison.Ordinal));
        Assert.DoesNotContain(texts, t => t.Contains("rel-2", StringComparison.Ordinal) || t.Contains("rel-3", StringComparison.Ordinal));

        email = await ListAsync(http, "/v1/local/notifications/payments-email");
        var mail = Assert.Single(email).GetString()!;
        Assert.Equal($"Release rel-4 of fraud-detector v7 ended: Released. {BaseUrl}/v1/releases/rel-4", mail);
    }

    [Fact]
    public async Task WebhookSink_StoresJsonBodies_AndRefusesOtherText()
    {
        var port = FreePort();
        var setup = new LocalNotificationSetup(NotificationPolicy.Empty, []);
        await using var app = await StartHostAsync(setup, emulator.ClientOptions(), port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var ok = await http.PostAsync("/v1/local/webhooks/team-chat", new StringContent("""{"text":"hello"}"""));
        var bad = await http.PostAsync("/v1/local/webhooks/team-chat", new StringContent("hello"));
        var unknown = await http.GetAsync("/v1/local/notifications/nobody");

        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("hello", Assert.Single(await ListAsync(http, "/v1/local/webhooks/team-chat")).GetProperty("text").GetString());
    }

    private static Dictionary<string, string> ApprovalDetail(string project, string releaseId, string model, string environment) => new()
    {
        ["project"] = project, ["releaseId"] = releaseId, ["model"] = model, ["version"] = "3", ["environment"] = environment,
        ["requiredApprovals"] = "1", ["remainingApprovals"] = "1", ["approverGroups"] = "approvers-prod",
        ["approveAt"] = $"/v1/releases/{releaseId}/approvals", ["requestedBy"] = "alice", ["bundleDigest"] = "sha256:" + new string('a', 64),
        ["evaluationDigest"] = "sha256:" + new string('b', 64), ["metrics"] = "auc 0.95 (better than live by +0.01, Pass)", ["expiresAt"] = "2026-12-02 09:00 UTC",
    };

    private static async Task PutAsync(EventBridgeClient events, ResourceNames names, string detailType, Dictionary<string, string> detail)
    {
        var json = JsonSerializer.Serialize(detail);
        var put = await events.PutEventsAsync([new PutEventsEntry(ResourceNames.Service, detailType, json) { EventBusName = names.EventBusName }]);
        Assert.Equal(0, put.FailedEntryCount);
    }

    private static async Task<List<JsonElement>> ListAsync(HttpClient http, string path)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(path));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static async Task<WebApplication> StartHostAsync(LocalNotificationSetup setup, AwsClientOptions aws, int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddLocalNotifications(setup, aws);
        builder.Services.AddSingleton(new NotificationRelayOptions(aws) { IdleDelay = TimeSpan.FromMilliseconds(50) });
        var app = builder.Build();
        app.MapLocalNotifications();
        await app.StartAsync();
        return app;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
