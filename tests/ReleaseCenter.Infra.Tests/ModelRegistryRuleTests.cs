using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// SageMaker Model Registry (issue 14): SageMaker's package state changes on the default bus invoke the import function,
/// and our own deployment and rollback events invoke the sync function; both through the rules' retry and DLQ. The
/// patterns are the ones the local stack puts on the emulator, so both deliver the same events.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class ModelRegistryRuleTests(SynthesizedStackFixture stack)
{
    private (string RuleId, JsonObject Rule) RuleInvoking(string handler)
    {
        var (functionId, _) = stack.TaskFunction(handler);
        var (ruleId, resource) = Assert.Single(stack.Resources("AWS::Events::Rule"),
            r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]).Contains(functionId));
        var rule = resource["Properties"]!.AsObject();
        var target = Assert.Single(rule["Targets"]!.AsArray())!.AsObject();
        Assert.Equal($"${{{functionId}.Arn}}", TemplateJson.Text(target["Arn"]));
        Assert.Equal(8, (int)target["RetryPolicy"]!["MaximumRetryAttempts"]!);
        Assert.NotNull(target["DeadLetterConfig"]);
        var permission = Assert.Single(stack.Resources("AWS::Lambda::Permission").Select(p => p.Resource["Properties"]!.AsObject()),
            p => TemplateJson.ReferencedIds(p["FunctionName"]).Contains(functionId));
        Assert.Equal($"${{{ruleId}.Arn}}", TemplateJson.Text(permission["SourceArn"]));
        return (ruleId, rule);
    }

    [Fact]
    public void ImportRule_IsOnTheDefaultBus_AndMatchesSageMakersModelPackageStateChanges()
    {
        var (_, rule) = RuleInvoking(ModelRegistrySync.ImportFunction.Handler);

        Assert.Null(rule["EventBusName"]); // SageMaker puts its events on the default bus
        Assert.Equal($"release-center-model-package-changed-{SynthesizedStackFixture.Stage}", (string)rule["Name"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ModelRegistrySync.PackageStateChangePattern), rule["EventPattern"]),
            $"Unexpected pattern {rule["EventPattern"]?.ToJsonString()}");
    }

    [Fact]
    public void SyncRule_IsOnTheProductsBus_AndMatchesDeploymentsAndRollbacks()
    {
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var (_, rule) = RuleInvoking(ModelRegistrySync.SyncFunction.Handler);

        Assert.Equal([busId], TemplateJson.ReferencedIds(rule["EventBusName"]));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ModelRegistrySync.SyncPattern(ResourceNames.EventSource)), rule["EventPattern"]),
            $"Unexpected pattern {rule["EventPattern"]?.ToJsonString()}");
        Assert.Equal(["deployment.rolled-back.v1", "deployment.succeeded.v1", "rollback.completed.v1"],
            ModelRegistrySync.SyncDetailTypes.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void TheShippedMapping_ReachesTheFunctionsThatReadIt_WithTheModelArtifactsBucketAsAReportBucket()
    {
        foreach (var handler in new[] { ModelRegistrySync.ImportFunction.Handler, "retrain-register" })
        {
            var json = (string?)stack.TaskFunction(handler).Properties["Environment"]!["Variables"]![FunctionVariables.ModelRegistry];
            var config = ModelRegistryConfig.Parse(json);
            Assert.Contains(SynthesizedStackFixture.ModelArtifactsBucket, config.ReportBuckets);
            Assert.Contains("fraud-detector", config.Groups.Keys);
        }
    }
}
