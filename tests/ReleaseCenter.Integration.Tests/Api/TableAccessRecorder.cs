using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Integration.Tests.Api;

/// <summary>
/// Watches every DynamoDB request a host makes and notes, per function (the task handler whose invocation made it, or
/// the API for a request's), the partition keys it touched. Any key outside the function's <see cref="TableAccess"/>
/// list is a request that the function's IAM grant (a <c>dynamodb:LeadingKeys</c> condition built from that list)
/// would refuse in AWS: <see cref="Violations"/> names it, and the host fails the test when it stops.
/// </summary>
internal sealed partial class TableAccessRecorder
{
    private readonly ConcurrentDictionary<string, byte> _violations = new(StringComparer.Ordinal);
    private readonly string? _logPath = Environment.GetEnvironmentVariable("RELEASE_CENTER_TABLE_ACCESS_LOG");

    public IReadOnlyCollection<string> Violations => _violations.Keys.Order(StringComparer.Ordinal).ToList();

    public void Attach(AmazonDynamoDBClient client) => client.BeforeRequestEvent += (_, args) =>
    {
        if (args is WebServiceRequestEventArgs { Request: { } request })
        {
            Observe(request);
        }
    };

    private void Observe(AmazonWebServiceRequest request)
    {
        var function = LogScopes.Current("handler") ?? (LogScopes.Current("requestId") is not null ? TableAccess.Api : null);
        if (function is null)
        {
            return; // the test's own reads, or a background loop of the local host that no function runs in AWS
        }
        foreach (var key in LeadingKeys(request))
        {
            var pattern = TableAccess.PatternOf(key);
            if (_logPath is not null)
            {
                File.AppendAllText(_logPath, $"{function}\t{request.GetType().Name}\t{pattern}\n");
            }
            if (!TableAccess.Handlers.Contains(function) || !TableAccess.Allows(function, key))
            {
                _violations.TryAdd($"{function} {request.GetType().Name.Replace("Request", "", StringComparison.Ordinal)} {key} (pattern {pattern})", 0);
            }
        }
    }

    /// <summary>The partition key values a request names (the index's for a query on an index): what LeadingKeys evaluates.</summary>
    private static IEnumerable<string> LeadingKeys(AmazonWebServiceRequest request) => request switch
    {
        GetItemRequest r => [Pk(r.Key)],
        PutItemRequest r => [Pk(r.Item)],
        UpdateItemRequest r => [Pk(r.Key)],
        DeleteItemRequest r => [Pk(r.Key)],
        QueryRequest r => [QueryKey(r)],
        TransactWriteItemsRequest r => r.TransactItems.Select(i =>
            Pk(i.Put?.Item ?? i.Update?.Key ?? i.Delete?.Key ?? i.ConditionCheck?.Key ?? throw new InvalidOperationException("An empty transact item."))),
        TransactGetItemsRequest r => r.TransactItems.Select(i => Pk(i.Get.Key)),
        BatchGetItemRequest r => r.RequestItems.Values.SelectMany(k => k.Keys).Select(Pk),
        BatchWriteItemRequest r => r.RequestItems.Values.SelectMany(w => w).Select(w => Pk(w.PutRequest?.Item ?? w.DeleteRequest!.Key)),
        ScanRequest => ["SCAN"],
        _ => [],
    };

    private static string Pk(Dictionary<string, AttributeValue> key) => key[TableSchema.PartitionKey].S;

    private static string QueryKey(QueryRequest query)
    {
        var partitionKey = query.IndexName switch
        {
            null => TableSchema.PartitionKey,
            TableSchema.Gsi1 => TableSchema.Gsi1PartitionKey,
            TableSchema.Gsi2 => TableSchema.Gsi2PartitionKey,
            TableSchema.Gsi3 => TableSchema.Gsi3PartitionKey,
            _ => throw new InvalidOperationException($"Unknown index {query.IndexName}."),
        };
        foreach (Match m in Equality().Matches(query.KeyConditionExpression ?? ""))
        {
            var name = m.Groups["name"].Value;
            if (name.StartsWith('#'))
            {
                name = query.ExpressionAttributeNames[name];
            }
            if (name == partitionKey)
            {
                return query.ExpressionAttributeValues[m.Groups["value"].Value].S;
            }
        }
        throw new InvalidOperationException($"No equality on {partitionKey} in the query '{query.KeyConditionExpression}'.");
    }

    [GeneratedRegex(@"(?<name>#?\w+)\s*=\s*(?<value>:\w+)")]
    private static partial Regex Equality();
}
