using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions.Drift;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Infra.Tests;

/// <summary>drift.detected.v1 on the product's bus starts a retrain: an EventBridge rule invokes start-retrain, which starts the retrain state machine.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class RetrainRuleTests(SynthesizedStackFixture stack)
{
    private const string RuleType = "AWS::Events::Rule";

    [Fact]
    public void StartRetrainRule_IsOnTheProductsBusAndNamedFromTheStage()
    {
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var (_, rule) = StartRetrainRule();

        Assert.Equal($"release-center-start-retrain-{SynthesizedStackFixture.Stage}", (string)rule["Name"]!);
        // Not the default bus: the product announces drift on its own bus only.
        Assert.Equal([busId], TemplateJson.ReferencedIds(rule["EventBusName"]));
        Assert.Equal("ENABLED", (string?)rule["State"]);
        Assert.Null(rule["ScheduleExpression"]);
    }

    [Fact]
    public void StartRetrainRule_MatchesExactlyTheDriftDetectedEventsTheProductAnnounces()
    {
        var (_, rule) = StartRetrainRule();

        // The same source and detail type DriftService puts on the bus, and nothing else: no other event starts a retrain.
        Assert.Equal(RetrainWorkflow.DetectedDetailType, DriftService.DetectedEvent);
        Assert.True(
            JsonNode.DeepEquals(
                new JsonObject { ["source"] = new JsonArray(ResourceNames.EventSource), ["detail-type"] = new JsonArray(DriftService.DetectedEvent) },
                rule["EventPattern"]),
            $"Unexpected pattern {rule["EventPattern"]?.ToJsonString()}");
        Assert.Equal("release-center", ResourceNames.EventSource);
        Assert.Equal("drift.detected.v1", RetrainWorkflow.DetectedDetailType);
    }

    [Fact]
    public void StartRetrainRule_TargetsOnlyTheTriggerFunction_WithTheEventUnchangedAndEightRetries()
    {
        var (triggerId, trigger) = stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler);
        var (_, rule) = StartRetrainRule();

        var target = Assert.Single(rule["Targets"]!.AsArray())!.AsObject();
        Assert.Equal($"${{{triggerId}.Arn}}", TemplateJson.Text(target["Arn"]));
        Assert.Equal("start-retrain", (string)trigger["Handler"]!);
        Assert.Equal(8, (int)target["RetryPolicy"]!["MaximumRetryAttempts"]!);
        // The handler reads detail.driftReportId and detail.model from the whole event: no input rewriting.
        Assert.Null(target["Input"]);
        Assert.Null(target["InputPath"]);
        Assert.Null(target["InputTransformer"]);
        // Lambda targets are invoked through the function's resource policy, not a role.
        Assert.Null(target["RoleArn"]);
    }

    [Fact]
    public void TriggerFunction_MayBeInvokedByEventBridgeOnlyThroughThisRule()
    {
        var (triggerId, _) = stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler);
        var (ruleId, _) = StartRetrainRule();

        var permission = Assert.Single(
            stack.Resources("AWS::Lambda::Permission").Select(p => p.Resource["Properties"]!.AsObject()),
            p => TemplateJson.ReferencedIds(p["FunctionName"]).Contains(triggerId));
        Assert.Equal("lambda:InvokeFunction", (string)permission["Action"]!);
        Assert.Equal("events.amazonaws.com", (string)permission["Principal"]!);
        Assert.Equal($"${{{ruleId}.Arn}}", TemplateJson.Text(permission["SourceArn"]));
    }

    [Fact]
    public void OnlyTheStartRetrainRule_InvokesARetrainFunction()
    {
        var retrainIds = RetrainWorkflow.Functions.Append(RetrainWorkflow.TriggerFunction)
            .Select(f => stack.TaskFunction(f.Handler).LogicalId)
            .ToHashSet(StringComparer.Ordinal);
        var (ruleId, _) = StartRetrainRule();

        var invoking = stack.Resources(RuleType)
            .Where(r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]).Any(retrainIds.Contains))
            .Select(r => r.LogicalId);

        Assert.Equal([ruleId], invoking);
        // And it invokes the trigger, never a task of the state machine directly.
        Assert.Equal(
            [stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler).LogicalId],
            stack.Resources(RuleType).Single(r => r.LogicalId == ruleId).Resource["Properties"]!["Targets"]!.AsArray()
                .SelectMany(t => TemplateJson.ReferencedIds(t!["Arn"])));
    }

    [Fact]
    public void DriftSignalsRule_IsOnTheDefaultBus_MatchesAlarmsAndProcessingJobs_AndInvokesOnlyTheNormalizer()
    {
        var (normalizerId, normalizer) = stack.TaskFunction(RetrainWorkflow.SignalFunction.Handler);
        var rules = stack.Resources(RuleType)
            .Where(r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]).Contains(normalizerId))
            .ToList();

        var (ruleId, resource) = Assert.Single(rules);
        var rule = resource["Properties"]!.AsObject();
        // AWS services put their events on the default bus, so the rule names none.
        Assert.Null(rule["EventBusName"]);
        Assert.Equal($"release-center-drift-signals-{SynthesizedStackFixture.Stage}", (string)rule["Name"]!);
        Assert.True(
            JsonNode.DeepEquals(
                new JsonObject
                {
                    ["source"] = new JsonArray("aws.cloudwatch", "aws.sagemaker"),
                    ["detail-type"] = new JsonArray("CloudWatch Alarm State Change", "SageMaker Processing Job State Change"),
                },
                rule["EventPattern"]),
            $"Unexpected pattern {rule["EventPattern"]?.ToJsonString()}");
        var target = Assert.Single(rule["Targets"]!.AsArray())!.AsObject();
        Assert.Equal($"${{{normalizerId}.Arn}}", TemplateJson.Text(target["Arn"]));
        Assert.Equal(8, (int)target["RetryPolicy"]!["MaximumRetryAttempts"]!);
        Assert.Equal("normalize-drift-signal", (string)normalizer["Handler"]!);
        var permission = Assert.Single(
            stack.Resources("AWS::Lambda::Permission").Select(p => p.Resource["Properties"]!.AsObject()),
            p => TemplateJson.ReferencedIds(p["FunctionName"]).Contains(normalizerId));
        Assert.Equal($"${{{ruleId}.Arn}}", TemplateJson.Text(permission["SourceArn"]));
    }

    [Fact]
    public void EndpointChangedRule_IsOnTheDefaultBus_MatchesSageMakersEndpointStateChanges_AndInvokesOnlyTheWaker()
    {
        var (wakerId, waker) = stack.TaskFunction(ReleaseWorkflow.EndpointChangedHandler);
        var (ruleId, resource) = Assert.Single(stack.Resources(RuleType),
            r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]).Contains(wakerId));
        var rule = resource["Properties"]!.AsObject();

        Assert.Null(rule["EventBusName"]); // SageMaker puts its events on the default bus
        Assert.Equal($"release-center-endpoint-changed-{SynthesizedStackFixture.Stage}", (string)rule["Name"]!);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(ReleaseWorkflow.EndpointStateChangePattern), rule["EventPattern"]),
            $"Unexpected pattern {rule["EventPattern"]?.ToJsonString()}");
        Assert.Equal("""{"source":["aws.sagemaker"],"detail-type":["SageMaker Endpoint State Change"]}""", ReleaseWorkflow.EndpointStateChangePattern);
        var target = Assert.Single(rule["Targets"]!.AsArray())!.AsObject();
        Assert.Equal($"${{{wakerId}.Arn}}", TemplateJson.Text(target["Arn"]));
        Assert.Equal(ReleaseWorkflow.EndpointChangedHandler, (string)waker["Handler"]!);
        var permission = Assert.Single(
            stack.Resources("AWS::Lambda::Permission").Select(p => p.Resource["Properties"]!.AsObject()),
            p => TemplateJson.ReferencedIds(p["FunctionName"]).Contains(wakerId));
        Assert.Equal($"${{{ruleId}.Arn}}", TemplateJson.Text(permission["SourceArn"]));
    }

    /// <summary>The one rule with an event pattern that invokes the trigger; picked by its target, so the tests can assert its name and pattern.</summary>
    private (string LogicalId, JsonObject Properties) StartRetrainRule()
    {
        var (triggerId, _) = stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler);
        var rules = stack.Resources(RuleType)
            .Where(r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]).Contains(triggerId))
            .ToList();
        Assert.True(rules.Count == 1, $"Expected exactly one rule invoking {triggerId}, found {rules.Count}.");
        return (rules[0].LogicalId, rules[0].Resource["Properties"]!.AsObject());
    }
}
