using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Rollbacks;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Items (same table as <see cref="DynamoRegistryStore"/>):
/// <list type="bullet">
/// <item>rollback: PK=ROLLBACK#{id}, SK=ROLLBACK; the rollback as a JSON document, a revision, and its environment and model for reading by eye</item>
/// <item>task token: PK=ROLLBACK#{id}, SK=TOKEN</item>
/// <item>consumer: PK=ENV#{env}, SK=CONSUMER#{model}#{name}</item>
/// </list>
/// </summary>
/// <param name="journal">Writes a change's audit entry in the change's transaction; needed only by callers that pass a record.</param>
public sealed class DynamoRollbackStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal? journal = null) : IRollbackStore
{
    private DynamoJournal Journal => journal ?? throw new InvalidOperationException("This store was built without a journal; it cannot write a change with its record.");

    /// <summary>One write and its record (audit entry, events) in one transaction; <paramref name="onConflict"/> says what a failed condition means.</summary>
    private Task<bool> WriteRecordedAsync(TransactWriteItem write, ChangeRecord record, Func<int, ChangeConflict> onConflict, CancellationToken ct) =>
        Journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([write], record)), onConflict, ct);

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { [PartitionKey] = Attr.S(pk), [SortKey] = Attr.S(sk) };

    public async Task CreateAsync(Rollback rollback, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = ToItem(rollback), ConditionExpression = "attribute_not_exists(PK)" }, ct)
                .ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new ConflictException($"Rollback '{rollback.Id}' exists.");
        }
    }

    public async Task<Rollback?> GetAsync(string id, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"ROLLBACK#{id}", "ROLLBACK"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 }
            ? JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.Rollback)! with { Revision = item.GetLong(VersionAttribute) }
            : null;
    }

    public async Task<Rollback> UpdateAsync(Rollback rollback, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        var next = rollback with { Revision = expectedRevision + 1 };
        await RevisionedPut.PutAsync(dynamo, tableName, ToItem(next), expectedRevision, $"Rollback '{rollback.Id}'", ct).ConfigureAwait(false);
        return next;
    }

    private static Dictionary<string, AttributeValue> ToItem(Rollback r) => new()
    {
        [PartitionKey] = Attr.S($"ROLLBACK#{r.Id}"),
        [SortKey] = Attr.S("ROLLBACK"),
        [ItemType] = Attr.S("Rollback"),
        [VersionAttribute] = Attr.N(r.Revision),
        ["environment"] = Attr.S(r.Environment),
        ["model"] = Attr.S(r.Model),
        ["status"] = Attr.S(r.Status.ToString()),
        ["doc"] = Attr.S(JsonSerializer.Serialize(r, StoreJsonContext.Default.Rollback)),
    };

    /// <summary>A waiting rollback approval's task token, apart from the rollback (see DynamoWorkflowStore.TaskTokenKey).</summary>
    public static string TaskTokenKey(string rollbackId) => $"TASKTOKEN#rollback/{rollbackId}";

    public Task PutTaskTokenAsync(string rollbackId, string token, CancellationToken ct) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [PartitionKey] = Attr.S(TaskTokenKey(rollbackId)),
                [SortKey] = Attr.S("TOKEN"),
                [ItemType] = Attr.S("TaskToken"),
                ["token"] = Attr.S(token),
            },
        }, ct);

    public async Task<string?> GetTaskTokenAsync(string rollbackId, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(TaskTokenKey(rollbackId), "TOKEN"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? item.GetSOrNull("token") : null;
    }

    public async Task AddConsumerAsync(Consumer consumer, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S($"ENV#{consumer.Environment}"),
            [SortKey] = Attr.S($"CONSUMER#{consumer.Model}#{consumer.Name}"),
            [ItemType] = Attr.S("Consumer"),
            ["environment"] = Attr.S(consumer.Environment),
            ["model"] = Attr.S(consumer.Model),
            ["name"] = Attr.S(consumer.Name),
            ["registeredBy"] = Attr.S(consumer.RegisteredBy),
            ["registeredAt"] = Attr.Time(consumer.RegisteredAt),
        };
        item.PutIfNotNull("contact", consumer.Contact);
        item.PutIfNotNull("description", consumer.Description);
        if (record is not null)
        {
            await WriteRecordedAsync(new TransactWriteItem { Put = new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(PK)" } }, record,
                _ => throw new ConflictException($"'{consumer.Name}' is already registered as a consumer of {consumer.Model} in {consumer.Environment}."), ct)
                .ConfigureAwait(false);
            return;
        }
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(PK)" }, ct)
                .ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new ConflictException($"'{consumer.Name}' is already registered as a consumer of {consumer.Model} in {consumer.Environment}.");
        }
    }

    public async Task<IReadOnlyList<Consumer>> ListConsumersAsync(string environment, string? model, CancellationToken ct)
    {
        var consumers = new List<Consumer>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues = new()
                {
                    [":pk"] = Attr.S($"ENV#{environment}"),
                    [":prefix"] = Attr.S(model is null ? "CONSUMER#" : $"CONSUMER#{model}#"),
                },
                ExclusiveStartKey = start,
            }, ct).ConfigureAwait(false);
            consumers.AddRange((page.Items ?? []).Select(i => new Consumer(i.GetS("environment"), i.GetS("model"), i.GetS("name"),
                i.GetSOrNull("contact"), i.GetSOrNull("description"), i.GetS("registeredBy"), i.GetTime("registeredAt"))));
            start = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);
        return consumers;
    }

    public async Task<bool> RemoveConsumerAsync(string environment, string model, string name, CancellationToken ct, ChangeRecord? record = null)
    {
        if (record is not null)
        {
            return await WriteRecordedAsync(new TransactWriteItem
            {
                Delete = new Delete { TableName = tableName, Key = Key($"ENV#{environment}", $"CONSUMER#{model}#{name}"), ConditionExpression = "attribute_exists(PK)" },
            }, record, _ => ChangeConflict.AlreadyMade, ct).ConfigureAwait(false); // nothing to remove: false, and nothing audited
        }
        try
        {
            await dynamo.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = tableName,
                Key = Key($"ENV#{environment}", $"CONSUMER#{model}#{name}"),
                ConditionExpression = "attribute_exists(PK)",
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
