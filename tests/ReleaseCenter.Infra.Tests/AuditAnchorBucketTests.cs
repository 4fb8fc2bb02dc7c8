using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// The audit anchors' bucket: Object Lock in compliance mode by default, versioned, private and kept; only the anchoring
/// function writes to it (under the anchor prefix), the API only reads, and nothing may delete or unlock an anchor.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class AuditAnchorBucketTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void TheBucket_LocksEveryObjectInComplianceMode_AndIsKeptAndPrivate()
    {
        var (id, bucket) = stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId.StartsWith("AuditAnchors", StringComparison.Ordinal));
        var properties = bucket["Properties"]!;

        Assert.True((bool)properties["ObjectLockEnabled"]!);
        var retention = properties["ObjectLockConfiguration"]!["Rule"]!["DefaultRetention"]!;
        Assert.Equal("COMPLIANCE", (string)retention["Mode"]!);
        Assert.Equal(3650, (int)retention["Days"]!);
        Assert.Equal("Enabled", (string)properties["VersioningConfiguration"]!["Status"]!);
        Assert.Equal("Retain", (string)bucket["DeletionPolicy"]!);
        var block = properties["PublicAccessBlockConfiguration"]!;
        Assert.All(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], flag => Assert.True((bool)block[flag]!));
        Assert.NotNull(id);
    }

    [Fact]
    public void OnlyTheAnchorFunctionWrites_UnderThePrefix_AndNobodyDeletesOrUnlocks()
    {
        var (bucketId, _) = stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId.StartsWith("AuditAnchors", StringComparison.Ordinal));
        var onBucket = stack.AllStatements()
            .SelectMany(s => TemplateJson.Grants(s.Statement).Select(g => (s.Policy, g.Action, g.Resource)))
            .Where(g => g.Resource.Contains($"${{{bucketId}.Arn}}", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(onBucket);
        Assert.DoesNotContain(onBucket, g => g.Action.StartsWith("s3:Delete", StringComparison.Ordinal) || g.Action is "s3:BypassGovernanceRetention"
            or "s3:PutBucketObjectLockConfiguration" or "s3:PutObjectLegalHold" or "s3:*");
        var writers = onBucket.Where(g => g.Action is "s3:PutObject" or "s3:PutObjectRetention").ToList();
        Assert.All(writers, g => Assert.Equal($"${{{bucketId}.Arn}}/audit-anchors/*", g.Resource));
        var anchorRole = stack.RoleOf(stack.Function(stack.Names.FunctionName(ReleaseWorkflow.AnchorAuditHandler)).Properties);
        var anchorWrites = stack.StatementsOfRole(anchorRole).SelectMany(TemplateJson.Grants).Count(g => g.Action is "s3:PutObject" or "s3:PutObjectRetention");
        Assert.Equal(2, writers.Count);
        Assert.Equal(writers.Count, anchorWrites);
    }
}
