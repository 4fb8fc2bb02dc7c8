using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Out-of-band change flags in the single table: PK=ENV#{env}, SK=OUTOFBAND#{model}. Raised once (attribute_not_exists),
/// cleared on the condition that it is the flag read (its detectedAt), each with its audit entry and event.
/// </summary>
public sealed class DynamoLiveStateStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal journal) : ILiveStateStore
{
    private const string Prefix = "OUTOFBAND#";

    private static Dictionary<string, AttributeValue> Key(string environment, string model) =>
        new() { [PartitionKey] = Attr.S($"ENV#{environment}"), [TableSchema.SortKey] = Attr.S(Prefix + model) };

    public async Task<IReadOnlyList<OutOfBandChange>> ListAsync(string environment, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = TableSchema.SortKey },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"ENV#{environment}"), [":prefix"] = Attr.S(Prefix) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Items.Select(From).ToArray();
    }

    public async Task<bool> FlagAsync(OutOfBandChange change, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var item = Key(change.Environment, change.Model);
        item[ItemType] = Attr.S("OutOfBandChange");
        item["environment"] = Attr.S(change.Environment);
        item["model"] = Attr.S(change.Model);
        item["endpointName"] = Attr.S(change.EndpointName);
        item["recordedConfig"] = Attr.S(change.RecordedConfig);
        item.PutIfNotNull("actualConfig", change.ActualConfig);
        item["liveRelease"] = Attr.S(change.LiveRelease);
        item["liveVersion"] = Attr.N(change.LiveVersion);
        item["detectedAt"] = Attr.Time(change.DetectedAt);
        var put = new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = new() { ["#pk"] = PartitionKey } };
        // A flag that stands already is no news: nothing is written, nothing announced twice.
        return await journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([new TransactWriteItem { Put = put }], record)),
            _ => ChangeConflict.AlreadyMade, ct).ConfigureAwait(false);
    }

    public async Task<OutOfBandChange> ClearAsync(string environment, string model, Func<OutOfBandChange, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        OutOfBandChange? cleared = null;
        await journal.WriteAsync(async token =>
        {
            var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(environment, model), ConsistentRead = true }, token)
                .ConfigureAwait(false)).Item;
            if (item is not { Count: > 0 })
            {
                throw new ConflictException($"No out-of-band change of {model} is flagged in {environment}: nothing to reconcile.");
            }
            cleared = From(item);
            var delete = new Delete
            {
                TableName = tableName, Key = Key(environment, model), ConditionExpression = "#at = :at",
                ExpressionAttributeNames = new() { ["#at"] = "detectedAt" }, ExpressionAttributeValues = new() { [":at"] = Attr.Time(cleared.DetectedAt) },
            };
            return ([new TransactWriteItem { Delete = delete }], record(cleared));
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return cleared!;
    }

    private static OutOfBandChange From(Dictionary<string, AttributeValue> item) => new(
        item.GetS("environment"), item.GetS("model"), item.GetS("endpointName"), item.GetS("recordedConfig"), item.GetSOrNull("actualConfig"),
        item.GetS("liveRelease"), (int)item.GetLong("liveVersion"), item.GetTime("detectedAt"));
}
