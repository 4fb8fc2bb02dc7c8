using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Integration.Tests.Audit;

/// <summary>A clock the test moves, so entries get known times.</summary>
internal sealed class TestClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// Tampering done the way someone with table access would: straight on the items, bypassing the
/// log. Knows the item layout documented on DynamoAuditLog.
/// </summary>
internal sealed class Tamper(IAmazonDynamoDB dynamo, string table)
{
    public static Dictionary<string, AttributeValue> Key(string project, string sk) =>
        new() { ["PK"] = new AttributeValue { S = $"AUDIT#{project}" }, ["SK"] = new AttributeValue { S = sk } };

    public static string Sk(long seq) => $"SEQ#{seq:D12}";

    public async Task<Dictionary<string, AttributeValue>> GetAsync(string project, long seq) =>
        (await dynamo.GetItemAsync(new GetItemRequest { TableName = table, Key = Key(project, Sk(seq)), ConsistentRead = true })).Item;

    public Task ChangeDetailAsync(string project, long seq, string key, string value) =>
        dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = Key(project, Sk(seq)),
            UpdateExpression = "SET details.#k = :v",
            ExpressionAttributeNames = new() { ["#k"] = key },
            ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = value } },
        });

    public Task DeleteAsync(string project, long seq) =>
        dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = table, Key = Key(project, Sk(seq)) });

    /// <summary>Writes <paramref name="entry"/> as an item at sort key <paramref name="sk"/>, hashes and all, as a careful forger would.</summary>
    public Task PutForgedAsync(AuditEntry entry, string sk) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = table,
            Item = new()
            {
                ["PK"] = new AttributeValue { S = $"AUDIT#{entry.Project}" },
                ["SK"] = new AttributeValue { S = sk },
                ["type"] = new AttributeValue { S = "AuditEntry" },
                ["GSI1PK"] = new AttributeValue { S = "AUDIT" },
                ["GSI1SK"] = new AttributeValue { S = $"{AuditChain.FormatTime(entry.At)}#{entry.Project}#{entry.Seq:D12}" },
                ["project"] = new AttributeValue { S = entry.Project },
                ["seq"] = new AttributeValue { N = entry.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["at"] = new AttributeValue { S = AuditChain.FormatTime(entry.At) },
                ["actor"] = new AttributeValue { S = entry.Actor },
                ["action"] = new AttributeValue { S = entry.Action },
                ["subject"] = new AttributeValue { S = entry.Subject },
                ["details"] = new AttributeValue { M = entry.Details.ToDictionary(d => d.Key, d => new AttributeValue { S = d.Value }) },
                ["previousHash"] = new AttributeValue { S = entry.PreviousHash },
                ["hash"] = new AttributeValue { S = entry.Hash },
            },
        });

    /// <summary>Exchanges everything but the keys of two entries.</summary>
    public async Task SwapContentAsync(string project, long a, long b)
    {
        var itemA = await GetAsync(project, a);
        var itemB = await GetAsync(project, b);
        (itemA["SK"], itemB["SK"]) = (itemB["SK"], itemA["SK"]);
        await dynamo.PutItemAsync(new PutItemRequest { TableName = table, Item = itemA });
        await dynamo.PutItemAsync(new PutItemRequest { TableName = table, Item = itemB });
    }
}
