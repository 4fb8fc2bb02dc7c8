using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Items (same table as <see cref="DynamoRegistryStore"/>):
/// <list type="bullet">
/// <item>drift policy: PK=MODEL#{model}, SK=DRIFT-POLICY</item>
/// <item>drift report: PK=MODEL#{model}, SK=DRIFT#{id}; ids start with the UTC time, so a Query lists them in time order</item>
/// </list>
/// </summary>
/// <param name="journal">Writes a change's audit entry in the change's transaction; needed only by callers that pass a record.</param>
public sealed class DynamoDriftStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal? journal = null) : IDriftStore
{
    private DynamoJournal Journal => journal ?? throw new InvalidOperationException("This store was built without a journal; it cannot write a change with its record.");

    /// <summary>One write and its record (audit entry, events) in one transaction; <paramref name="onConflict"/> says what a failed condition means.</summary>
    private Task<bool> WriteRecordedAsync(TransactWriteItem write, ChangeRecord record, Func<int, ChangeConflict> onConflict, CancellationToken ct) =>
        Journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([write], record)), onConflict, ct);

    private static Dictionary<string, AttributeValue> Key(string model, string sk) => new() { [PartitionKey] = Attr.S($"MODEL#{model}"), [SortKey] = Attr.S(sk) };

    public async Task<DriftPolicy?> GetPolicyAsync(string model, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(model, "DRIFT-POLICY"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.DriftPolicy) : null;
    }

    public Task PutPolicyAsync(DriftPolicy policy, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var item = Key(policy.Model, "DRIFT-POLICY");
        item[ItemType] = Attr.S("DriftPolicy");
        item["doc"] = Attr.S(JsonSerializer.Serialize(policy, StoreJsonContext.Default.DriftPolicy));
        return record is null
            ? dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = item }, ct)
            : WriteRecordedAsync(new TransactWriteItem { Put = new Put { TableName = tableName, Item = item } }, record, _ => ChangeConflict.Retry, ct);
    }

    public Task<bool> CreateReportAsync(DriftReportRecord report, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(record);
        var item = Key(report.Model, $"DRIFT#{report.Id}");
        item[ItemType] = Attr.S("DriftReport");
        item["environment"] = Attr.S(report.Environment);
        item["drifted"] = new AttributeValue { BOOL = report.Drifted };
        item["doc"] = Attr.S(JsonSerializer.Serialize(report, StoreJsonContext.Default.DriftReportRecord));
        // The report exists: it was written with its audit entry and events, so there is nothing left to write.
        return WriteRecordedAsync(new TransactWriteItem { Put = new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(PK)" } },
            record, _ => ChangeConflict.AlreadyMade, ct);
    }

    public async Task<DriftReportRecord?> GetReportAsync(string model, string id, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(model, $"DRIFT#{id}"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.DriftReportRecord) : null;
    }

    public async Task<Page<DriftReportRecord>> ListReportsAsync(string model, int limit, string? cursor, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"MODEL#{model}"), [":prefix"] = Attr.S("DRIFT#") },
            ScanIndexForward = false,
            Limit = limit,
            ExclusiveStartKey = Cursor.Decode(cursor, [PartitionKey, SortKey]),
        }, ct).ConfigureAwait(false);
        return new Page<DriftReportRecord>(
            (response.Items ?? []).Select(i => JsonSerializer.Deserialize(i.GetS("doc"), StoreJsonContext.Default.DriftReportRecord)!).ToArray(),
            Cursor.Encode(response.LastEvaluatedKey));
    }
}
