using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.SQS;
using Amazon.SQS.Model;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Events;

/// <summary>
/// Events go through the transactional outbox: written with the change that causes them, published by the relay, marked sent
/// only once EventBridge accepted them. A bus that refuses for a while delays events; it loses none and doubles none.
/// Registrations write their audit entry in the same transaction: a failure leaves both or neither.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class OutboxTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task PutEventsFailingOnTheFirstAttempts_LosesNoEvent_AndDeliversEachIdOnce()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("outbox"), (0.93, 80));
        using var sqs = Emulator.SqsClient();
        var queueUrl = await CaptureAsync(sqs, model);
        // Every PutEvents that carries this model's events fails, 12 times over: more than the SDK's own retries of one call,
        // so several relay passes fail and leave the events of several steps (request, deployments, approval, outcome) pending.
        Faults.Add(new FaultRule("error", "events") { Operation = "PutEvents", Match = model, Count = 12 });

        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"), seconds: 90);
        await Driver.ApproveAsync(id, "sam", "approvers-staging");
        await Driver.WaitAsync(id, ReleaseDriver.Status("Released"), seconds: 90);

        // Once the relay has marked every event of this release sent, nothing more of it will reach the bus.
        var outbox = Driver.Api.App.Services.GetRequiredService<DynamoOutbox>();
        await Poll.UntilAsync(() => outbox.ListPendingAsync(DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None),
            pending => !pending.Any(p => p.Event.Detail.Contains(id, StringComparison.Ordinal)), attempts: 600);
        var received = await DrainAsync(sqs, queueUrl);

        Assert.Equal(12, Faults.Injected.GetValueOrDefault("error"));
        var ofRelease = received.Where(e => e.Detail.GetProperty("releaseId").GetString() == id).ToList();
        Assert.Equal(
            ["deployment.succeeded.v1", "deployment.succeeded.v1", "release.approval-requested.v1", "release.released.v1", "release.requested.v1"],
            ofRelease.Select(e => e.DetailType).Order(StringComparer.Ordinal));
        var ids = ofRelease.Select(e => e.Detail.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count()); // each id once
        // The ids are the stable ones: derived from the detail-type and the step, not from the attempt that published them.
        Assert.Contains(ReleaseCenterEvent.StableId("release.requested.v1", $"release/{id}/-/requested"), ids);
        Assert.Contains(ReleaseCenterEvent.StableId("deployment.succeeded.v1", $"release/{id}/staging/deployed"), ids);
        Assert.All(ofRelease, e => Assert.Equal("payments", e.Detail.GetProperty("project").GetString()));
    }

    [Fact]
    public async Task ARegistrationThatFails_WritesNeitherModelNorAuditEntry_AndItsRetrySucceeds()
    {
        var model = Emulator.UniqueName("atomic");
        // The registration's one transaction fails, past the SDK's retries: the request answers 503 and writes nothing.
        Faults.Add(new FaultRule("error", "dynamodb") { Operation = "TransactWriteItems", Match = $"MODEL#{model}", Count = 4 });
        var body = $$"""{"name":"{{model}}","project":"payments"}""";

        var failed = await Driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await Driver.Alice.GetAsync($"/v1/models/{model}")).StatusCode);
        Assert.Empty(await AuditOfAsync($"model/{model}"));

        var retried = await Driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json(body));
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode); // not 409: the failure left nothing behind
        Assert.Equal("model.registered", Assert.Single(await AuditOfAsync($"model/{model}")).GetProperty("action").GetString());
    }

    [Fact]
    public async Task ADriftReportWhoseWriteFails_LeavesNeitherReportNorAuditEntryNorEvent_AndItsRetryWritesAllThree()
    {
        var model = Emulator.UniqueName("drift");
        (await Driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
        // The report's one transaction (report, audit entry, drift.detected.v1) fails past the SDK's retries.
        Faults.Add(new FaultRule("error", "dynamodb") { Operation = "TransactWriteItems", Match = "DRIFT#", Count = 4 });
        const string drifting = """
            {"environment":"prod","features":[{"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[100,150,300,450]}}]}
            """;

        var failed = await Driver.Alice.PostAsync($"/v1/models/{model}/drift-reports", ReleaseDriver.Json(drifting));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Empty((await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/drift-reports")).GetProperty("items").EnumerateArray());
        Assert.Empty(await AuditOfPrefixAsync("drift-report/"));
        var outbox = Driver.Api.App.Services.GetRequiredService<DynamoOutbox>();
        Assert.DoesNotContain(await outbox.ListPendingAsync(DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None),
            p => p.Event.Detail.Contains(model, StringComparison.Ordinal));

        var retried = await Driver.Alice.PostAsync($"/v1/models/{model}/drift-reports", ReleaseDriver.Json(drifting));
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var id = (await retried.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal("drift.reported", Assert.Single(await AuditOfAsync($"drift-report/{id}")).GetProperty("action").GetString());
    }

    [Fact]
    public async Task AVersionWhoseRequestIsCut_IsRetriedByTheSdk_AndWrittenOnceWithOneAuditEntry()
    {
        var model = Emulator.UniqueName("dropped");
        (await Driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
        // The connection carrying the version's transaction is cut before the emulator answers; the SDK sends it again.
        Faults.Add(new FaultRule("drop", "dynamodb") { Operation = "TransactWriteItems", Match = $"MODEL#{model}", Count = 1 });

        var version = await Driver.Alice.PostAsync($"/v1/models/{model}/versions", ReleaseDriver.Json("""
            {"artifactUri":"s3://models/a.tar.gz","artifactDigest":"sha256:9f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5","framework":"xgboost",
             "image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7","metrics":{"auc":0.93}}
            """));

        Assert.Equal(1, Faults.Injected.GetValueOrDefault("drop"));
        Assert.Equal(HttpStatusCode.Created, version.StatusCode);
        var versions = (await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions")).GetProperty("items");
        Assert.Equal(1, Assert.Single(versions.EnumerateArray()).GetProperty("version").GetInt32());
        Assert.Equal("model.version-registered", Assert.Single(await AuditOfAsync($"model/{model}/versions/1")).GetProperty("action").GetString());
    }

    [Fact]
    public async Task TheStreamRelay_PublishesOutboxInserts_AndReportsTheOnesTheBusRefused()
    {
        // The AWS relay reads stream records as Lambda delivers them; these are built from an outbox item's real attributes.
        var services = Driver.Api.App.Services;
        var model = Emulator.UniqueName("stream");
        using var sqs = Emulator.SqsClient();
        var queueUrl = await CaptureAsync(sqs, model);
        var sent = new ReleaseCancelled("rel-stream-1", model, "alice").Keyed($"stream-test/{model}", "payments");
        var refused = new ReleaseCancelled("rel-stream-2", model, "alice").Keyed($"stream-test/{model}/refused", "payments");
        // Written as the outbox writes them, but outside the pending index, so that only the stream handler under test sees them
        // (the host's own relay loop publishes what the index lists).
        var outbox = services.GetRequiredService<DynamoOutbox>();
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        foreach (var e in new[] { sent, refused })
        {
            var item = outbox.PutFor(EventJsonContext.ToOutbox(e)).Item;
            item.Remove(TableSchema.Gsi1PartitionKey);
            item.Remove(TableSchema.Gsi1SortKey);
            await dynamo.PutItemAsync(services.GetRequiredService<ReleaseCenterSettings>().TableName, item);
        }
        var handlers = services.GetRequiredService<ITaskHandlers>();

        // The bus refuses the second event on every attempt; the first goes through, and a MODIFY record is not the relay's.
        Faults.Add(new FaultRule("error", "events") { Operation = "PutEvents", Match = "rel-stream-2", Count = 20 });
        var first = JsonDocument.Parse(await handlers.InvokeAsync(ReleaseWorkflow.RelayOutboxHandler,
            "{\"Records\":[" + await StreamRecordAsync("100", sent.Id) + """,{"eventName":"MODIFY","dynamodb":{"SequenceNumber":"150","NewImage":{}}}]}""",
            CancellationToken.None)).RootElement;
        var second = JsonDocument.Parse(await handlers.InvokeAsync(ReleaseWorkflow.RelayOutboxHandler,
            $$"""{"Records":[{{await StreamRecordAsync("200", refused.Id)}}]}""", CancellationToken.None)).RootElement;

        Assert.Equal(0, first.GetProperty("batchItemFailures").GetArrayLength());
        Assert.Equal(["200"], second.GetProperty("batchItemFailures").EnumerateArray().Select(f => f.GetProperty("itemIdentifier").GetString()));
        Assert.True(await outbox.IsSentAsync(sent.Id, CancellationToken.None));
        Assert.False(await outbox.IsSentAsync(refused.Id, CancellationToken.None)); // Lambda retries it, then its DLQ; the sweep still owes it
        var received = await Poll.UntilAsync(() => DrainAsync(sqs, queueUrl), r => r.Count > 0, attempts: 20);
        Assert.Equal(sent.Id, Assert.Single(received).Detail.GetProperty("id").GetString());
    }

    /// <summary>A stream record (INSERT, new image in DynamoDB JSON) of the outbox item <paramref name="eventId"/> as it is in the table.</summary>
    private async Task<string> StreamRecordAsync(string sequence, string eventId)
    {
        var services = Driver.Api.App.Services;
        var item = (await services.GetRequiredService<IAmazonDynamoDB>().GetItemAsync(new GetItemRequest(services.GetRequiredService<ReleaseCenterSettings>().TableName, new()
        {
            [TableSchema.PartitionKey] = new AttributeValue(DynamoOutbox.PartitionKeyOf(eventId)),
            [TableSchema.SortKey] = new AttributeValue("EVENT"),
        }) { ConsistentRead = true })).Item;
        var image = new JsonObject();
        foreach (var (name, value) in item.Where(a => a.Value.S is not null))
        {
            image[name] = new JsonObject { ["S"] = value.S };
        }
        return new JsonObject
        {
            ["eventName"] = "INSERT",
            ["dynamodb"] = new JsonObject { ["SequenceNumber"] = sequence, ["NewImage"] = image },
        }.ToJsonString();
    }

    /// <summary>A queue that receives every event of <paramref name="model"/> from the host's bus.</summary>
    private async Task<string> CaptureAsync(AmazonSQSClient sqs, string model)
    {
        var queueUrl = (await sqs.CreateQueueAsync(Emulator.UniqueName("events"))).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        using var events = new EventBridgeClient(Emulator.ClientOptions());
        var bus = new ResourceNames(Driver.Api.Stage).EventBusName;
        var rule = Emulator.UniqueName("capture");
        await events.PutRuleAsync(new PutRuleRequest(rule)
        {
            EventBusName = bus,
            EventPattern = $$$"""{"source":["{{{ResourceNames.EventSource}}}"],"detail":{"model":["{{{model}}}"]}}""",
        });
        await events.PutTargetsAsync(new PutTargetsRequest(rule, [new RuleTarget("queue", queueArn)]) { EventBusName = bus });
        return queueUrl;
    }

    /// <summary>Everything in the queue now (a receive that comes back empty ends it).</summary>
    private static async Task<List<(string DetailType, JsonElement Detail)>> DrainAsync(AmazonSQSClient sqs, string queueUrl)
    {
        var all = new List<(string, JsonElement)>();
        while (true)
        {
            var batch = (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages ?? [];
            if (batch.Count == 0)
            {
                return all;
            }
            foreach (var message in batch)
            {
                var body = JsonDocument.Parse(message.Body).RootElement;
                all.Add((body.GetProperty("detail-type").GetString()!, body.GetProperty("detail").Clone()));
                await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }
    }

    private async Task<List<JsonElement>> AuditOfAsync(string subject) =>
        (await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject={Uri.EscapeDataString(subject)}")).GetProperty("items").EnumerateArray().ToList();

    private async Task<List<JsonElement>> AuditOfPrefixAsync(string prefix) =>
        (await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit?project=payments&limit=100")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("subject").GetString()!.StartsWith(prefix, StringComparison.Ordinal)).ToList();
}
