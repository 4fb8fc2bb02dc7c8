using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// Export jobs in AWS (architecture.md, "Exports"): a private bucket whose files expire after a day, an export function
/// started by export jobs' INSERTs on the table's stream with a DLQ, and S3 grants that reach export files only.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class ExportInfraTests(SynthesizedStackFixture stack)
{
    private string BucketId => stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId.StartsWith("Exports", StringComparison.Ordinal)).LogicalId;

    [Fact]
    public void TheExportBucket_IsPrivate_AndForgetsFilesAndAbandonedUploadsAfterADay()
    {
        var bucket = stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId == BucketId).Resource["Properties"]!;

        var block = bucket["PublicAccessBlockConfiguration"]!;
        Assert.All(new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }, k => Assert.True((bool)block[k]!));
        Assert.Equal("AES256", (string)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!);
        var rules = bucket["LifecycleConfiguration"]!["Rules"]!.AsArray();
        Assert.Contains(rules, r => (string?)r!["Prefix"] == S3ExportFiles.Prefix && (int?)r["ExpirationInDays"] == 1 && (string)r["Status"]! == "Enabled");
        Assert.Contains(rules, r => (int?)r!["AbortIncompleteMultipartUpload"]?["DaysAfterInitiation"] == 1);
    }

    [Fact]
    public void TheExportFunction_RunsFromExportJobInserts_OneAtATime_WithADeadLetterQueue()
    {
        var (functionId, function) = stack.Function(stack.Names.FunctionName(ReleaseWorkflow.RunExportHandler));
        Assert.Equal(ReleaseCenterStack.ExportJobMinutes * 60, (int)function["Timeout"]!);
        var mapping = stack.Resources("AWS::Lambda::EventSourceMapping")
            .Single(m => TemplateJson.ReferencedIds(m.Resource["Properties"]!["FunctionName"]).Contains(functionId)).Resource["Properties"]!;

        Assert.Equal(1, (int)mapping["BatchSize"]!);
        Assert.Equal(2, (int)mapping["MaximumRetryAttempts"]!);
        var filter = (string)mapping["FilterCriteria"]!["Filters"]![0]!["Pattern"]!;
        Assert.Contains("\"INSERT\"", filter, StringComparison.Ordinal);
        Assert.Contains($"\"{DynamoExportJobs.ItemTypeName}\"", filter, StringComparison.Ordinal);
        var dlq = stack.Resources("AWS::SQS::Queue").Single(q => (string?)q.Resource["Properties"]!["QueueName"] == $"{ResourceNames.Service}-export-dlq-{SynthesizedStackFixture.Stage}");
        Assert.Contains(dlq.LogicalId, TemplateJson.ReferencedIds(mapping["DestinationConfig"]!["OnFailure"]!["Destination"]));
        var variables = function["Environment"]!["Variables"]!;
        Assert.Equal([BucketId], TemplateJson.ReferencedIds(variables[FunctionVariables.ExportBucket]));
    }

    /// <summary>Writing export files is the export function's alone, reading them (to presign a link) the API's; both only under exports/.</summary>
    [Fact]
    public void ExportFiles_AreWrittenOnlyByTheExportFunction_AndReadOnlyByTheApi_UnderTheirPrefix()
    {
        var onExports = stack.Resources("AWS::Lambda::Function")
            .Select(f => f.Resource["Properties"]!.AsObject())
            .SelectMany(f => stack.StatementsOfRole(stack.RoleOf(f)).SelectMany(TemplateJson.Grants)
                .Where(g => g.Resource.Contains(BucketId, StringComparison.Ordinal))
                .Select(g => ((string)f["FunctionName"]!, g.Action, g.Resource)))
            .ToList();

        Assert.Equal(
            new[]
            {
                (stack.Names.ApiFunctionName, "s3:GetObject"),
                (stack.Names.FunctionName(ReleaseWorkflow.RunExportHandler), "s3:AbortMultipartUpload"),
                (stack.Names.FunctionName(ReleaseWorkflow.RunExportHandler), "s3:PutObject"),
            }.Order(),
            onExports.Select(g => (g.Item1, g.Action)).Order());
        Assert.All(onExports, g => Assert.EndsWith("/" + S3ExportFiles.Prefix + "*", g.Resource, StringComparison.Ordinal));
    }

    [Fact]
    public void OnlyExportJobs_CarryATimeToLive()
    {
        var table = stack.Single("AWS::DynamoDB::Table").Properties;
        Assert.Equal(DynamoExportJobs.TimeToLiveAttribute, (string)table["TimeToLiveSpecification"]!["AttributeName"]!);
        Assert.True((bool)table["TimeToLiveSpecification"]!["Enabled"]!);
    }
}

/// <summary>Slack approval in AWS: its secret in Secrets Manager, readable by the API function alone, named by its ARN.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class SlackInfraTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void TheSlackSecret_IsReadOnlyByTheApiFunction()
    {
        var (secretId, secret) = stack.Single("AWS::SecretsManager::Secret");
        Assert.Equal($"{ResourceNames.Service}/slack-{SynthesizedStackFixture.Stage}", (string)secret["Name"]!);

        var readers = stack.Resources("AWS::Lambda::Function")
            .Select(f => f.Resource["Properties"]!.AsObject())
            .Where(f => stack.StatementsOfRole(stack.RoleOf(f)).SelectMany(TemplateJson.Grants)
                .Any(g => g.Action.StartsWith("secretsmanager:", StringComparison.Ordinal) && g.Resource.Contains(secretId, StringComparison.Ordinal)))
            .Select(f => (string)f["FunctionName"]!)
            .ToList();
        Assert.Equal([stack.Names.ApiFunctionName], readers);
        var (_, api) = stack.Function(stack.Names.ApiFunctionName);
        Assert.Equal([secretId], TemplateJson.ReferencedIds(api["Environment"]!["Variables"]![FunctionVariables.SlackSecretArn]));
        Assert.DoesNotContain("$comment", (string)api["Environment"]!["Variables"]![FunctionVariables.Slack]!, StringComparison.Ordinal);
    }
}
