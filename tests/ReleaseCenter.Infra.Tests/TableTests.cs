using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class TableTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void Table_UsesOnDemandBillingAndPointInTimeRecovery()
    {
        stack.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["TableName"] = new ResourceNames(SynthesizedStackFixture.Stage).TableName,
            ["BillingMode"] = "PAY_PER_REQUEST",
            ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
        });
    }

    [Fact]
    public void Table_IsRetainedWhenTheStackIsDeletedOrTheTableReplaced()
    {
        stack.Template.HasResource("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["DeletionPolicy"] = "Retain",
            ["UpdateReplacePolicy"] = "Retain",
        });
    }

    [Fact]
    public void Table_KeysAndIndexesMatchTableSchema()
    {
        var (_, table) = stack.Single("AWS::DynamoDB::Table");

        Assert.Equal([(TableSchema.PartitionKey, "HASH"), (TableSchema.SortKey, "RANGE")], KeySchema(table["KeySchema"]));

        var attributes = table["AttributeDefinitions"]!.AsArray()
            .ToDictionary(a => (string)a!["AttributeName"]!, a => (string)a!["AttributeType"]!);
        Assert.Equal(TableSchema.KeyAttributes.Order(StringComparer.Ordinal), attributes.Keys.Order(StringComparer.Ordinal));
        Assert.All(attributes.Values, type => Assert.Equal("S", type));

        var indexes = table["GlobalSecondaryIndexes"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(TableSchema.GlobalSecondaryIndexes.Select(i => i.Name), indexes.Select(i => (string)i["IndexName"]!));
        foreach (var expected in TableSchema.GlobalSecondaryIndexes)
        {
            var index = indexes.Single(i => (string)i["IndexName"]! == expected.Name);
            Assert.Equal([(expected.PartitionKey, "HASH"), (expected.SortKey, "RANGE")], KeySchema(index["KeySchema"]));
            Assert.Equal("ALL", (string)index["Projection"]!["ProjectionType"]!);
        }
    }

    private static List<(string, string)> KeySchema(JsonNode? keySchema) =>
        keySchema!.AsArray().Select(k => ((string)k!["AttributeName"]!, (string)k["KeyType"]!)).ToList();
}
