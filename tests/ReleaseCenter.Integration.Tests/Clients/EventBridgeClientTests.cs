using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Integration.Tests.Clients;

[Collection("emulator")]
public sealed class EventBridgeClientTests(EmulatorFixture emulator) : IDisposable
{
    private const string ApprovedPattern = """{"source": ["release-center"], "detail-type": ["release.approved.v1"]}""";

    private readonly EventBridgeClient _client = new(emulator.ClientOptions());
    private readonly AmazonSQSClient _sqs = emulator.SqsClient();

    public void Dispose()
    {
        _client.Dispose();
        _sqs.Dispose();
    }

    [Fact]
    public async Task CreateEventBus_ThenDescribe_ReturnsTheBus()
    {
        var name = emulator.UniqueName("release-center");

        var created = await _client.CreateEventBusAsync(new CreateEventBusRequest(name));
        var described = await _client.DescribeEventBusAsync(name);

        Assert.Equal($"arn:aws:events:{emulator.Region}:{emulator.AccountId}:event-bus/{name}", created.EventBusArn);
        Assert.Equal(name, described.Name);
        Assert.Equal(created.EventBusArn, described.Arn);
    }

    [Fact]
    public async Task DescribeEventBus_Missing_IsResourceNotFoundWithMessage()
    {
        var name = emulator.UniqueName("missing");

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.DescribeEventBusAsync(name));

        Assert.Equal(EventBridgeErrors.ResourceNotFound, error.ErrorCode);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutEvents_MatchingRule_DeliversDetailToQueueTarget()
    {
        var bus = emulator.UniqueName("release-center");
        await _client.CreateEventBusAsync(new CreateEventBusRequest(bus));
        var queueUrl = (await _sqs.CreateQueueAsync(emulator.UniqueName("approved"))).QueueUrl;
        var queueArn = (await _sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        var rule = await _client.PutRuleAsync(new PutRuleRequest("on-approved") { EventBusName = bus, EventPattern = ApprovedPattern });
        await _client.PutTargetsAsync(new PutTargetsRequest("on-approved", [new RuleTarget("queue", queueArn)]) { EventBusName = bus });

        var sent = await _client.PutEventsAsync(
        [
            new PutEventsEntry("release-center", "release.approved.v1", """{"releaseId": "r-1", "approvedBy": "alice"}""")
            {
                EventBusName = bus, Resources = ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn"],
            },
            new PutEventsEntry("release-center", "release.rejected.v1", """{"releaseId": "r-2"}""") { EventBusName = bus },
        ]);
        var received = await Poll.UntilAsync(
            () => _sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1 }),
            response => response.Messages is { Count: > 0 },
            attempts: 5);

        Assert.Contains($":rule/{bus}/on-approved", rule.RuleArn, StringComparison.Ordinal);
        Assert.Equal(0, sent.FailedEntryCount);
        Assert.All(sent.Entries!, entry => Assert.False(string.IsNullOrEmpty(entry.EventId)));
        var message = Assert.Single(received.Messages ?? []);
        using var envelope = JsonDocument.Parse(message.Body);
        Assert.Equal(sent.Entries![0].EventId, envelope.RootElement.GetProperty("id").GetString());
        Assert.Equal("release.approved.v1", envelope.RootElement.GetProperty("detail-type").GetString());
        Assert.Equal("alice", envelope.RootElement.GetProperty("detail").GetProperty("approvedBy").GetString());
    }

    [Fact]
    public async Task PutEvents_WithAMalformedEntry_ThrowsWithTheFailedEntryAndKeepsTheOthers()
    {
        var bus = emulator.UniqueName("release-center");
        await _client.CreateEventBusAsync(new CreateEventBusRequest(bus));

        var error = await Assert.ThrowsAsync<EventBridgeEntriesFailedException>(() => _client.PutEventsAsync(
        [
            new PutEventsEntry("release-center", "release.approved.v1", """{"releaseId": "r-1"}""") { EventBusName = bus },
            new PutEventsEntry("release-center", "release.approved.v1", "not json") { EventBusName = bus },
        ]));

        Assert.Equal("PutEvents", error.Operation);
        Assert.Equal(1, error.FailedEntryCount);
        var failure = Assert.Single(error.Failures);
        Assert.Equal(1, failure.Index);
        Assert.Equal("MalformedDetail", failure.ErrorCode);
        Assert.False(string.IsNullOrEmpty(error.PutEventsResponse?.Entries?[0].EventId));
        Assert.Contains("MalformedDetail", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutEvents_ToAMissingBus_IsReported()
    {
        var entry = new PutEventsEntry("release-center", "release.approved.v1", "{}")
        {
            EventBusName = emulator.UniqueName("missing"), Time = DateTimeOffset.UtcNow,
        };

        // AWS fails the entry (HTTP 200, FailedEntryCount 1); moto 5.2.1 fails the whole call.
        var error = await Record.ExceptionAsync(() => _client.PutEventsAsync([entry]));

        Assert.True(
            error is EventBridgeEntriesFailedException { FailedEntryCount: 1 }
                or AmazonServiceException { ErrorCode: EventBridgeErrors.ResourceNotFound },
            $"Unexpected: {error}");
    }

    [Fact]
    public async Task PutTargets_OnMissingRule_IsResourceNotFound()
    {
        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.PutTargetsAsync(
            new PutTargetsRequest(emulator.UniqueName("no-rule"), [new RuleTarget("t", "arn:aws:sqs:us-east-1:123456789012:q")])));

        Assert.Equal(EventBridgeErrors.ResourceNotFound, error.ErrorCode);
    }

    [Fact]
    public async Task CreateArchive_OfBus_ReturnsArchiveArn()
    {
        var bus = await _client.CreateEventBusAsync(new CreateEventBusRequest(emulator.UniqueName("release-center")));
        var name = emulator.UniqueName("release-center-archive");

        var archive = await _client.CreateArchiveAsync(new CreateArchiveRequest(name, bus.EventBusArn)
        {
            EventPattern = """{"source": ["release-center"]}""", RetentionDays = 30, Description = "every release event",
        });

        Assert.Equal($"arn:aws:events:{emulator.Region}:{emulator.AccountId}:archive/{name}", archive.ArchiveArn);
        Assert.Equal("ENABLED", archive.State);
        Assert.NotNull(archive.CreationTime);
    }
}
