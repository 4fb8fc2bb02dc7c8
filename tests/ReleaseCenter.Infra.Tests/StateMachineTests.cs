using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed partial class StateMachineTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void StateMachine_IsStandardAndNamedFromResourceNames()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");

        Assert.Equal(stack.Names.StateMachineName(ReleaseWorkflow.Name), (string)stateMachine["StateMachineName"]!);
        Assert.Equal("STANDARD", (string)stateMachine["StateMachineType"]!);
        Assert.True((bool)stateMachine["TracingConfiguration"]!["Enabled"]!);
    }

    [Fact]
    public void Definition_IsTheAslFileOfTheRepositoryUnchanged()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");

        // DefinitionBody.FromFile uploads the file as an asset; CloudFormation substitutes at deploy time.
        Assert.Null(stateMachine["DefinitionString"]);
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), ReleaseWorkflow.DefinitionFile)), DeployedDefinition(stateMachine));
    }

    [Fact]
    public void Definition_EveryPlaceholderIsSubstitutedAndNoneRemains()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");
        var definition = DeployedDefinition(stateMachine);
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        var placeholders = Placeholder().Matches(definition).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(placeholders, substitutions.Select(s => s.Key).Order(StringComparer.Ordinal));

        // What CloudFormation will do: each ${Key} with a substitution becomes its value (here a stand-in).
        var substituted = Placeholder().Replace(definition, m => substitutions.ContainsKey(m.Groups[1].Value) ? "resolved" : m.Value);
        Assert.DoesNotContain("${", substituted, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(substituted));
    }

    [Fact]
    public void Definition_ReferencesEveryTaskFunctionByItsHandlerAndTheBus()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        foreach (var task in ReleaseWorkflow.Functions)
        {
            var (functionId, _) = stack.TaskFunction(task.Handler);
            Assert.Equal($"{{\"Fn::GetAtt\":[\"{functionId}\",\"Arn\"]}}", substitutions[task.SubstitutionKey]!.ToJsonString());
        }

        Assert.Equal($"{{\"Ref\":\"{busId}\"}}", substitutions[ReleaseWorkflow.EventBusSubstitution]!.ToJsonString());
        Assert.Equal(ReleaseWorkflow.Functions.Count + 1, substitutions.Count);
    }

    [Fact]
    public void StateMachineRole_InvokesExactlyTheTaskFunctionsAndPutsEventsOnTheBus()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var roleId = Assert.Single(TemplateJson.ReferencedIds(stateMachine["RoleArn"]));
        var grants = stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).ToList();

        var taskFunctionArns = ReleaseWorkflow.Functions.Select(f => $"${{{stack.TaskFunction(f.Handler).LogicalId}.Arn}}").Order(StringComparer.Ordinal);
        Assert.Equal(taskFunctionArns, grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)).Select(g => g.Resource).Order(StringComparer.Ordinal));
        Assert.All(grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)), g => Assert.Equal("lambda:InvokeFunction", g.Action));

        Assert.Equal([("events:PutEvents", $"${{{busId}.Arn}}")], grants.Where(g => g.Action.StartsWith("events:", StringComparison.Ordinal)));

        // The rest is what logging to CloudWatch Logs and X-Ray tracing need, nothing else.
        Assert.All(
            grants.Where(g => !g.Action.StartsWith("lambda:", StringComparison.Ordinal) && !g.Action.StartsWith("events:", StringComparison.Ordinal)),
            g => Assert.Matches("^(logs:[A-Za-z]+(LogDelivery|LogDeliveries|ResourcePolicy|ResourcePolicies|LogGroups)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets))$", g.Action));
    }

    [Fact]
    public void Logging_GoesToAVendedLogGroupWithoutExecutionData()
    {
        var (_, stateMachine) = stack.Single("AWS::StepFunctions::StateMachine");
        var logging = stateMachine["LoggingConfiguration"]!;

        Assert.Equal("ALL", (string)logging["Level"]!);
        // Execution data would put approval task tokens into the logs.
        Assert.False((bool)logging["IncludeExecutionData"]!);

        var destination = Assert.Single(logging["Destinations"]!.AsArray())!;
        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(destination["CloudWatchLogsLogGroup"]!["LogGroupArn"]));
        var logGroup = stack.Resources("AWS::Logs::LogGroup").Single(r => r.LogicalId == logGroupId).Resource["Properties"]!;
        var name = (string)logGroup["LogGroupName"]!;

        Assert.StartsWith("/aws/vendedlogs/states/", name, StringComparison.Ordinal);
        Assert.Equal($"/aws/vendedlogs/states/{stack.Names.StateMachineName(ReleaseWorkflow.Name)}", name);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
    }

    [Fact]
    public void FailureAlarm_FiresOnAnyFailedExecutionWithin5Minutes()
    {
        var (stateMachineId, _) = stack.Single("AWS::StepFunctions::StateMachine");
        var (_, alarm) = stack.Single("AWS::CloudWatch::Alarm");

        Assert.Equal($"release-center-release-failures-{SynthesizedStackFixture.Stage}", (string)alarm["AlarmName"]!);
        Assert.Equal("AWS/States", (string)alarm["Namespace"]!);
        Assert.Equal("ExecutionsFailed", (string)alarm["MetricName"]!);
        Assert.Equal("Sum", (string)alarm["Statistic"]!);
        Assert.Equal(300, (int)alarm["Period"]!);
        Assert.Equal(1, (int)alarm["EvaluationPeriods"]!);
        Assert.Equal(1, (double)alarm["Threshold"]!);
        Assert.Equal("GreaterThanOrEqualToThreshold", (string)alarm["ComparisonOperator"]!);
        Assert.Equal("notBreaching", (string)alarm["TreatMissingData"]!);

        var dimension = Assert.Single(alarm["Dimensions"]!.AsArray())!;
        Assert.Equal("StateMachineArn", (string)dimension["Name"]!);
        Assert.Equal([stateMachineId], TemplateJson.ReferencedIds(dimension["Value"]));
    }

    [Fact]
    public void Outputs_ExposeTheStateMachineArn()
    {
        var (stateMachineId, _) = stack.Single("AWS::StepFunctions::StateMachine");
        Assert.Equal($"${{{stateMachineId}}}", TemplateJson.Text(stack.Json["Outputs"]!["ReleaseStateMachineArn"]!["Value"]));
    }

    /// <summary>The file CloudFormation will read: the staged asset the template's DefinitionS3Location names.</summary>
    private string DeployedDefinition(JsonObject stateMachine)
    {
        var key = (string)stateMachine["DefinitionS3Location"]!["Key"]!;
        return File.ReadAllText(Path.Combine(stack.OutDir, $"asset.{key}"));
    }

    [GeneratedRegex(@"\$\{([A-Za-z0-9]+)\}")]
    private static partial Regex Placeholder();
}
