using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Aws.Resources;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Policy versions in the single table: PK=POLICY#MODEL#{model} or POLICY#PROJECT#{project}, SK=V#{version, 6 digits}
/// (environments as the JSON they were written in, by, at, reason, diff). A version is written once, on the condition
/// that it does not exist, with its audit entry and event; the newest is the last item of the partition.
/// </summary>
public sealed class DynamoPolicyStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal journal, EnvironmentPolicies defaults) : IPolicyStore
{
    private static string Partition(PolicyScope scope, string name) => $"POLICY#{(scope == PolicyScope.Model ? "MODEL" : "PROJECT")}#{name}";

    private static string VersionKey(int version) => "V#" + version.ToString("D6", CultureInfo.InvariantCulture);

    public async Task<PolicyDocument?> GetCurrentAsync(PolicyScope scope, string name, CancellationToken ct) =>
        (await ListVersionsAsync(scope, name, 1, ct).ConfigureAwait(false)).FirstOrDefault();

    public async Task<PolicyDocument?> GetVersionAsync(PolicyScope scope, string name, int version, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [PartitionKey] = Attr.S(Partition(scope, name)), [TableSchema.SortKey] = Attr.S(VersionKey(version)) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? From(item) : null;
    }

    public async Task<IReadOnlyList<PolicyDocument>> ListVersionsAsync(PolicyScope scope, string name, int limit, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :v)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = TableSchema.SortKey },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(Partition(scope, name)), [":v"] = Attr.S("V#") },
            ScanIndexForward = false,
            Limit = limit,
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Items.Select(From).ToArray();
    }

    public async Task<PolicyDocument> PutAsync(PolicyScope scope, string name, Func<PolicyDocument?, (PolicyDocument Next, ChangeRecord Record)> change,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        PolicyDocument? written = null;
        await journal.WriteAsync(async token =>
        {
            var current = await GetCurrentAsync(scope, name, token).ConfigureAwait(false);
            var (next, record) = change(current);
            written = next;
            var item = new Dictionary<string, AttributeValue>
            {
                [PartitionKey] = Attr.S(Partition(scope, name)),
                [TableSchema.SortKey] = Attr.S(VersionKey(next.Version)),
                [ItemType] = Attr.S("Policy"),
                ["scope"] = Attr.S(scope.ToString()),
                ["name"] = Attr.S(name),
                ["version"] = Attr.N(next.Version),
                ["environments"] = Attr.S(PolicyDocuments.Write(next.Environments)),
                ["by"] = Attr.S(next.By),
                ["at"] = Attr.Time(next.At),
                ["reason"] = Attr.S(next.Reason),
            };
            if (next.Diff.Count > 0)
            {
                item["diff"] = new AttributeValue { L = next.Diff.Select(Attr.S).ToList() };
            }
            var put = new Put
            {
                TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
            };
            return ([new TransactWriteItem { Put = put }], record);
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return written!;
    }

    private PolicyDocument From(Dictionary<string, AttributeValue> item)
    {
        var errors = new ValidationErrors();
        using var json = JsonDocument.Parse(item.GetS("environments"));
        var environments = PolicyDocuments.Parse(json.RootElement, defaults, errors);
        // A stored version that no longer parses (an environment left the configuration, a time zone this runtime lacks) must not
        // quietly fall back to the layer below: the release or request that reads it fails, saying why.
        if (!errors.IsValid)
        {
            throw new InvalidOperationException($"{item.GetS("scope")} policy {item.GetS("name")} v{item.GetLong("version")} no longer parses: "
                + string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key} {string.Join(" ", e.Value)}")));
        }
        return new PolicyDocument(Enum.Parse<PolicyScope>(item.GetS("scope")), item.GetS("name"), (int)item.GetLong("version"), environments,
            item.GetS("by"), item.GetTime("at"), item.GetS("reason"))
        {
            Diff = item.TryGetValue("diff", out var diff) ? (diff.L ?? []).Select(d => d.S!).ToArray() : [],
        };
    }
}
