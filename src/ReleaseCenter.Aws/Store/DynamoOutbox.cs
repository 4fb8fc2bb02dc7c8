using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Events;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// The transactional outbox in the single table (architecture.md, "Events"). An event is written in
/// the transaction of the change it announces:
/// <list type="bullet">
/// <item>PK=EVENT#{id}, SK=EVENT, type=OutboxEvent: detail-type, detail (JSON), createdAt;</item>
/// <item>while unsent, GSI1PK=OUTBOX, GSI1SK={createdAt}#{id}: a sparse index of what the relay still owes the bus.</item>
/// </list>
/// The relay publishes an item and then marks it sent (sentAt set, the index keys removed). An id is
/// written once: a second write of the same id fails its condition, so a recorded event is never
/// announced anew after it was sent.
/// </summary>
public sealed class DynamoOutbox(IAmazonDynamoDB dynamo, string tableName, TimeProvider? time = null)
{
    public const string ItemTypeName = "OutboxEvent";
    private const string Pending = "OUTBOX";
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Wakes the local relay when an event was written (in AWS the table's stream does that).</summary>
    public OutboxSignal Signal { get; } = new();

    public static string PartitionKeyOf(string id) => $"EVENT#{id}";

    /// <summary>The outbox item for <paramref name="e"/>, written only if no event with its id exists.</summary>
    public Put PutFor(OutboxEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var now = Attr.FormatTime(_time.GetUtcNow());
        return new Put
        {
            TableName = tableName,
            Item = new()
            {
                [PartitionKey] = Attr.S(PartitionKeyOf(e.Id)),
                [SortKey] = Attr.S("EVENT"),
                [ItemType] = Attr.S(ItemTypeName),
                [Gsi1PartitionKey] = Attr.S(Pending),
                [Gsi1SortKey] = Attr.S($"{now}#{e.Id}"),
                ["id"] = Attr.S(e.Id),
                ["detailType"] = Attr.S(e.DetailType),
                ["detail"] = Attr.S(e.Detail),
                ["createdAt"] = Attr.S(now),
            },
            ConditionExpression = "attribute_not_exists(#pk)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
        };
    }

    /// <summary>Writes events no other change goes with, each once per id; an id written before is left as it is.</summary>
    public async Task PutAsync(IReadOnlyList<OutboxEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            try
            {
                var put = PutFor(e);
                await dynamo.PutItemAsync(new PutItemRequest
                {
                    TableName = tableName,
                    Item = put.Item,
                    ConditionExpression = put.ConditionExpression,
                    ExpressionAttributeNames = put.ExpressionAttributeNames,
                }, ct).ConfigureAwait(false);
            }
            catch (ConditionalCheckFailedException)
            {
                // written before (a retried sweep): the relay owns it from here
            }
        }
        if (events.Count > 0)
        {
            Signal.Notify();
        }
    }

    /// <summary>Unsent events created before <paramref name="createdBefore"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PendingEvent>> ListPendingAsync(DateTimeOffset createdBefore, int limit, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            IndexName = Gsi1,
            KeyConditionExpression = "#pk = :pending AND #sk < :before",
            ExpressionAttributeNames = new() { ["#pk"] = Gsi1PartitionKey, ["#sk"] = Gsi1SortKey },
            ExpressionAttributeValues = new()
            {
                [":pending"] = Attr.S(Pending),
                [":before"] = Attr.S(Attr.FormatTime(createdBefore) + "$"), // '$' sorts after '#': everything created at or before that instant
            },
            Limit = limit,
        }, ct).ConfigureAwait(false);
        return (response.Items ?? []).Select(FromItem).ToArray();
    }

    /// <summary>The event in a stream record's new image, or null when the image is not an unsent outbox event.</summary>
    public static PendingEvent? FromImage(Dictionary<string, AttributeValue>? image) =>
        image is not null && image.GetSOrNull(ItemType) == ItemTypeName && !image.ContainsKey("sentAt") ? FromItem(image) : null;

    /// <summary>Marks an event sent: its index keys go (it leaves the pending index) and sentAt records when.</summary>
    public async Task MarkSentAsync(string id, CancellationToken ct)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new() { [PartitionKey] = Attr.S(PartitionKeyOf(id)), [SortKey] = Attr.S("EVENT") },
                UpdateExpression = "SET sentAt = :now REMOVE #gpk, #gsk",
                ConditionExpression = "attribute_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#gpk"] = Gsi1PartitionKey, ["#gsk"] = Gsi1SortKey },
                ExpressionAttributeValues = new() { [":now"] = Attr.Time(_time.GetUtcNow()) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // not ours to mark (never written): nothing to do
        }
    }

    /// <summary>Whether the event was sent (for tests and operators).</summary>
    public async Task<bool?> IsSentAsync(string id, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [PartitionKey] = Attr.S(PartitionKeyOf(id)), [SortKey] = Attr.S("EVENT") },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false)).Item;
        return item is null || item.Count == 0 ? null : item.ContainsKey("sentAt");
    }

    private static PendingEvent FromItem(Dictionary<string, AttributeValue> item) =>
        new(new OutboxEvent(item.GetS("id"), item.GetS("detailType"), item.GetS("detail")), item.GetTime("createdAt"));
}

/// <summary>An event the relay still owes the bus, and when it was written (relay lag is measured from it).</summary>
public sealed record PendingEvent(OutboxEvent Event, DateTimeOffset CreatedAt);

/// <summary>An auto-reset signal: <see cref="Notify"/> wakes one <see cref="WaitAsync"/> (now or the next one).</summary>
public sealed class OutboxSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // already signalled
        }
    }

    /// <returns>True when signalled, false when <paramref name="timeout"/> passed first.</returns>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
