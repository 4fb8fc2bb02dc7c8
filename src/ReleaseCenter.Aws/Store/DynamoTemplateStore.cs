using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Release templates in the single table: PK=TEMPLATE#{project}, SK={name} (the template as JSON, its revision). A save is
/// conditional on the revision read, so two saves at once cannot lose one, and is written with its audit entry and event.
/// </summary>
public sealed class DynamoTemplateStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal journal) : ITemplateStore
{
    private static string Partition(string project) => $"TEMPLATE#{project}";

    public async Task<ReleaseTemplate?> GetAsync(string project, string name, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [PartitionKey] = Attr.S(Partition(project)), [TableSchema.SortKey] = Attr.S(name) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? From(item) : null;
    }

    public async Task<IReadOnlyList<ReleaseTemplate>> ListAsync(string project, CancellationToken ct)
    {
        var templates = new List<ReleaseTemplate>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "#pk = :pk",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(Partition(project)) },
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, ct).ConfigureAwait(false);
            templates.AddRange(page.Items.Select(From));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return templates;
    }

    public async Task<ReleaseTemplate> SaveAsync(string project, string name, Func<ReleaseTemplate?, (ReleaseTemplate Next, ChangeRecord Record)> change,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        ReleaseTemplate? saved = null;
        await journal.WriteAsync(async token =>
        {
            var current = await GetAsync(project, name, token).ConfigureAwait(false);
            var (next, record) = change(current);
            saved = next;
            var put = new Put
            {
                TableName = tableName,
                Item = new()
                {
                    [PartitionKey] = Attr.S(Partition(project)),
                    [TableSchema.SortKey] = Attr.S(name),
                    [ItemType] = Attr.S("ReleaseTemplate"),
                    ["doc"] = Attr.S(JsonSerializer.Serialize(next, StoreJsonContext.Default.ReleaseTemplate)),
                    ["revision"] = Attr.N(next.Revision),
                },
                ConditionExpression = current is null ? "attribute_not_exists(#pk)" : "#revision = :revision",
                ExpressionAttributeNames = current is null ? new() { ["#pk"] = PartitionKey } : new() { ["#revision"] = "revision" },
                ExpressionAttributeValues = current is null ? null : new() { [":revision"] = Attr.N(current.Revision) },
            };
            return ([new TransactWriteItem { Put = put }], record);
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return saved!;
    }

    private static ReleaseTemplate From(Dictionary<string, AttributeValue> item) =>
        JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.ReleaseTemplate)!;
}
