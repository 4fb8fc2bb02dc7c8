using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>Optimistic concurrency for items kept under a revision attribute: write only if nobody wrote since we read.</summary>
internal static class RevisionedPut
{
    /// <summary>Puts <paramref name="item"/> (which carries the next revision) if the stored revision is still <paramref name="expectedRevision"/>.</summary>
    /// <exception cref="ConcurrencyConflictException">someone else changed the item first.</exception>
    public static async Task PutAsync(IAmazonDynamoDB dynamo, string tableName, Dictionary<string, AttributeValue> item, long expectedRevision, string what,
        CancellationToken ct)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = item,
                ConditionExpression = "#rev = :expected",
                ExpressionAttributeNames = new() { ["#rev"] = VersionAttribute },
                ExpressionAttributeValues = new() { [":expected"] = Attr.N(expectedRevision) },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new ConcurrencyConflictException($"{what} was changed by someone else (expected revision {expectedRevision}).");
        }
    }
}
