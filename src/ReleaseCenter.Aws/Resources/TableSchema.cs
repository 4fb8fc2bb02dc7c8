namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// The single-table design (architecture.md, "Storage"). Generic key attributes, one item-type
/// attribute, three global secondary indexes. Both the CDK app and local provisioning build the
/// table from this description.
/// </summary>
public static class TableSchema
{
    public const string PartitionKey = "PK";
    public const string SortKey = "SK";
    public const string ItemType = "type";
    public const string VersionAttribute = "rev";

    public const string Gsi1 = "GSI1";
    public const string Gsi1PartitionKey = "GSI1PK";
    public const string Gsi1SortKey = "GSI1SK";

    public const string Gsi2 = "GSI2";
    public const string Gsi2PartitionKey = "GSI2PK";
    public const string Gsi2SortKey = "GSI2SK";

    /// <summary>Releases by status: one partition per finished status, one for every unfinished release (the catalog's status filters).</summary>
    public const string Gsi3 = "GSI3";
    public const string Gsi3PartitionKey = "GSI3PK";
    public const string Gsi3SortKey = "GSI3SK";

    /// <summary>Every key attribute is a string.</summary>
    public static IReadOnlyList<string> KeyAttributes { get; } =
        [PartitionKey, SortKey, Gsi1PartitionKey, Gsi1SortKey, Gsi2PartitionKey, Gsi2SortKey, Gsi3PartitionKey, Gsi3SortKey];

    /// <summary>Global secondary indexes: name, partition key, sort key. All project every attribute.</summary>
    public static IReadOnlyList<IndexDefinition> GlobalSecondaryIndexes { get; } =
    [
        new(Gsi1, Gsi1PartitionKey, Gsi1SortKey),
        new(Gsi2, Gsi2PartitionKey, Gsi2SortKey),
        new(Gsi3, Gsi3PartitionKey, Gsi3SortKey),
    ];
}

public sealed record IndexDefinition(string Name, string PartitionKey, string SortKey);
