using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Aws.Store;

/// <summary>Creates the table from <see cref="TableSchema"/> (the local stack and tests; the CDK app declares the same schema).</summary>
public static class TableProvisioner
{
    public static async Task EnsureTableAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        try
        {
            await dynamo.CreateTableAsync(new CreateTableRequest
            {
                TableName = tableName,
                BillingMode = BillingMode.PAY_PER_REQUEST,
                AttributeDefinitions = TableSchema.KeyAttributes
                    .Select(a => new AttributeDefinition(a, ScalarAttributeType.S)).ToList(),
                KeySchema =
                [
                    new KeySchemaElement(TableSchema.PartitionKey, KeyType.HASH),
                    new KeySchemaElement(TableSchema.SortKey, KeyType.RANGE),
                ],
                GlobalSecondaryIndexes = TableSchema.GlobalSecondaryIndexes.Select(i => new GlobalSecondaryIndex
                {
                    IndexName = i.Name,
                    KeySchema = [new KeySchemaElement(i.PartitionKey, KeyType.HASH), new KeySchemaElement(i.SortKey, KeyType.RANGE)],
                    Projection = new Projection { ProjectionType = ProjectionType.ALL },
                }).ToList(),
            }, ct).ConfigureAwait(false);
            // A new table has no release from before the status index: nothing to backfill.
            await ReleaseStatusIndex.MarkCompleteAsync(dynamo, tableName, DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
        }
        catch (ResourceInUseException)
        {
            // Already there: provisioning is idempotent.
        }
    }
}
