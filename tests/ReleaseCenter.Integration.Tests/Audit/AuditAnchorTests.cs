using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Audit;
using ReleaseCenter.Integration.Tests.Correctness;

namespace ReleaseCenter.Integration.Tests.Audit;

/// <summary>
/// Someone with write access to the table rewrites a project's whole chain consistently: every entry re-sealed from the
/// first changed one on, and the head moved to the new last hash. The chain alone then verifies; the anchors in the
/// Object Lock bucket (the emulator's S3) do not agree, and verify names the one it contradicts.
/// </summary>
[Collection("emulator")]
public sealed class AuditAnchorTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task AConsistentRewriteOfTheWholeChain_IsReportedByVerify_NamingTheAnchorItContradicts()
    {
        var services = Driver.Api.App.Services;
        var project = Emulator.UniqueName("anchored");
        using (var admin = await Driver.Api.As("lena", "release-admins"))
        {
            for (var i = 0; i < 3; i++)
            {
                (await admin.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{project}}-m{{i}}","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
            }
        }
        var anchored = await services.GetServices<ReleaseCenter.Functions.Workflow.ITaskStep>().OfType<AnchorAuditStep>().Single().RunAsync(CancellationToken.None);
        var anchor = Assert.Single(anchored, a => a.Project == project);
        Assert.Equal(3, anchor.Seq);

        var before = await VerifyAsync(project);
        Assert.True(before.GetProperty("valid").GetBoolean(), before.ToString());
        Assert.Equal(1, before.GetProperty("anchorsChecked").GetInt64());

        await RewriteChainAsync(project, fromSeq: 2);

        // The chain on its own is consistent again: only the anchor can tell.
        var chainOnly = await services.GetRequiredService<IAuditLog>().VerifyAsync(project, CancellationToken.None);
        Assert.True(chainOnly.Valid, chainOnly.Reason);
        var after = await VerifyAsync(project);
        Assert.False(after.GetProperty("valid").GetBoolean());
        Assert.Equal(anchor.Name, after.GetProperty("anchor").GetString());
        Assert.Equal(3, after.GetProperty("firstInvalidSeq").GetInt64());
        Assert.Contains($"anchor {anchor.Name}", after.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("rewritten", after.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // Every project at once stops at the same place.
        var all = await VerifyAsync(null);
        Assert.False(all.GetProperty("valid").GetBoolean());
        Assert.Equal(anchor.Name, all.GetProperty("anchor").GetString());
    }

    [Fact]
    public async Task AnAnchor_CannotBeOverwrittenOrDeleted_AndHidingItBehindADeleteMarkerDoesNotHideItFromVerify()
    {
        var services = Driver.Api.App.Services;
        var project = Emulator.UniqueName("locked");
        using (var admin = await Driver.Api.As("lena", "release-admins"))
        {
            (await admin.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{project}}-m","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
        }
        var anchor = Assert.Single(await services.GetServices<ReleaseCenter.Functions.Workflow.ITaskStep>().OfType<AnchorAuditStep>().Single().RunAsync(CancellationToken.None), a => a.Project == project);
        var s3 = services.GetRequiredService<IAmazonS3>();
        var bucket = services.GetRequiredService<ReleaseCenterSettings>().AuditAnchorBucket!;
        var version = Assert.Single((await s3.ListVersionsAsync(new ListVersionsRequest { BucketName = bucket, Prefix = anchor.Name })).Versions);
        var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = anchor.Name, VersionId = version.VersionId });
        Assert.Equal(ObjectLockMode.Compliance, head.ObjectLockMode);
        Assert.True(head.ObjectLockRetainUntilDate > DateTime.UtcNow, $"retained until {head.ObjectLockRetainUntilDate:O}");

        var deleteVersion = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = anchor.Name, VersionId = version.VersionId }));
        Assert.Equal("AccessDenied", deleteVersion.ErrorCode);
        await s3.DeleteObjectAsync(bucket, anchor.Name); // a plain delete only puts a delete marker in front of it

        await RewriteChainAsync(project, fromSeq: 1);
        var after = await VerifyAsync(project);
        Assert.False(after.GetProperty("valid").GetBoolean());
        Assert.Equal(anchor.Name, after.GetProperty("anchor").GetString());
    }

    private async Task<JsonElement> VerifyAsync(string? project) =>
        await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit/verify" + (project is null ? "" : $"?project={project}"));

    /// <summary>
    /// What an attacker with table access does: change entry <paramref name="fromSeq"/>'s details, re-seal it and every later entry
    /// (each hash covers its predecessor), and move the head to the new last hash, so that the chain verifies on its own.
    /// </summary>
    private async Task RewriteChainAsync(string project, long fromSeq)
    {
        var services = Driver.Api.App.Services;
        var dynamo = services.GetRequiredService<IAmazonDynamoDB>();
        var table = services.GetRequiredService<ReleaseCenterSettings>().TableName;
        var log = services.GetRequiredService<IAuditLog>();
        var head = (await log.ListHeadsAsync(CancellationToken.None)).Single(h => h.Project == project).Head;
        var previous = (await log.GetEntryAsync(project, fromSeq - 1, CancellationToken.None))?.Hash ?? AuditChain.GenesisHash;
        for (var seq = fromSeq; seq <= head.Seq; seq++)
        {
            var entry = (await log.GetEntryAsync(project, seq, CancellationToken.None))!;
            var details = new SortedDictionary<string, string>(entry.Details.ToDictionary(), StringComparer.Ordinal);
            if (seq == fromSeq)
            {
                details["owner"] = "mallory"; // the one lie the rewrite is for
            }
            var forged = entry with { Details = details, PreviousHash = previous, Hash = "" };
            forged = forged with { Hash = AuditChain.ComputeHash(forged) };
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = table,
                Key = new() { [TableSchema.PartitionKey] = new AttributeValue($"AUDIT#{project}"), [TableSchema.SortKey] = new AttributeValue($"SEQ#{seq:D12}") },
                UpdateExpression = "SET details = :d, previousHash = :p, #h = :h",
                ExpressionAttributeNames = new() { ["#h"] = "hash" },
                ExpressionAttributeValues = new()
                {
                    [":d"] = new AttributeValue { M = details.ToDictionary(d => d.Key, d => new AttributeValue(d.Value)) },
                    [":p"] = new AttributeValue(previous),
                    [":h"] = new AttributeValue(forged.Hash),
                },
            });
            previous = forged.Hash;
        }
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = new() { [TableSchema.PartitionKey] = new AttributeValue($"AUDIT#{project}"), [TableSchema.SortKey] = new AttributeValue("HEAD") },
            UpdateExpression = "SET #h = :h",
            ExpressionAttributeNames = new() { ["#h"] = "hash" },
            ExpressionAttributeValues = new() { [":h"] = new AttributeValue(previous) },
        });
    }
}
