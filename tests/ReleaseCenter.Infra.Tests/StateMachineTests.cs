using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed partial class StateMachineTests(SynthesizedStackFixture stack)
{
    private const string StateMachineType = "AWS::StepFunctions::StateMachine";

    /// <summary>The rest of a state machine role's grants: what logging to CloudWatch Logs and X-Ray tracing need, nothing else.</summary>
    private const string LoggingAndTracing =
        "^(logs:[A-Za-z]+(LogDelivery|LogDeliveries|ResourcePolicy|ResourcePolicies|LogGroups)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets))$";

    /// <summary>Every workflow the stack runs a state machine for.</summary>
    public static TheoryData<string> WorkflowNames => [ReleaseWorkflow.Name, RollbackWorkflow.Name, RetrainWorkflow.Name];

    [Fact]
    public void Stack_HasOneStateMachinePerWorkflow()
    {
        Assert.Equal(
            new[] { ReleaseWorkflow.Name, RollbackWorkflow.Name, RetrainWorkflow.Name }.Select(stack.Names.StateMachineName).Order(StringComparer.Ordinal),
            stack.Resources(StateMachineType).Select(r => (string)r.Resource["Properties"]!["StateMachineName"]!).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void StateMachine_IsStandardAndNamedFromResourceNames(string workflow)
    {
        var (_, stateMachine) = stack.StateMachine(workflow);

        Assert.Equal(stack.Names.StateMachineName(workflow), (string)stateMachine["StateMachineName"]!);
        Assert.Equal("STANDARD", (string)stateMachine["StateMachineType"]!);
        Assert.True((bool)stateMachine["TracingConfiguration"]!["Enabled"]!);
    }

    [Theory]
    [InlineData(RollbackWorkflow.Name, $"release-center-rollback-{SynthesizedStackFixture.Stage}")]
    [InlineData(RetrainWorkflow.Name, $"release-center-retrain-{SynthesizedStackFixture.Stage}")]
    public void StateMachine_IsNamedReleaseCenterTheWorkflowAndTheStage(string workflow, string name)
    {
        var (_, stateMachine) = stack.StateMachine(workflow);

        Assert.Equal(name, (string)stateMachine["StateMachineName"]!);
    }

    [Theory]
    [InlineData(ReleaseWorkflow.Name, ReleaseWorkflow.DefinitionFile)]
    [InlineData(RollbackWorkflow.Name, RollbackWorkflow.DefinitionFile)]
    [InlineData(RetrainWorkflow.Name, RetrainWorkflow.DefinitionFile)]
    public void Definition_IsTheAslFileOfTheRepositoryUnchanged(string workflow, string definitionFile)
    {
        var (_, stateMachine) = stack.StateMachine(workflow);

        // DefinitionBody.FromFile uploads the file as an asset; CloudFormation substitutes at deploy time.
        Assert.Null(stateMachine["DefinitionString"]);
        Assert.Equal(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), definitionFile)), DeployedDefinition(stateMachine));
    }

    [Fact]
    public void Definitions_AreDifferentFiles()
    {
        var definitions = new[] { ReleaseWorkflow.Name, RollbackWorkflow.Name, RetrainWorkflow.Name }
            .Select(w => DeployedDefinition(stack.StateMachine(w).Properties))
            .ToList();

        Assert.Equal(3, definitions.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void Definition_EveryPlaceholderIsSubstitutedAndNoneRemains(string workflow)
    {
        var (_, stateMachine) = stack.StateMachine(workflow);
        var definition = DeployedDefinition(stateMachine);
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        var placeholders = Placeholder().Matches(definition).Select(m => m.Groups[1].Value).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(placeholders);
        Assert.Equal(placeholders, substitutions.Select(s => s.Key).Order(StringComparer.Ordinal));

        // What CloudFormation will do: each ${Key} with a substitution becomes its value (here a stand-in).
        var substituted = Placeholder().Replace(definition, m => substitutions.ContainsKey(m.Groups[1].Value) ? "resolved" : m.Value);
        Assert.DoesNotContain("${", substituted, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(substituted));
    }

    [Fact]
    public void Definition_ReferencesEveryTaskFunctionByItsHandlerAndTheBus()
    {
        var (_, stateMachine) = stack.StateMachine(ReleaseWorkflow.Name);
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        foreach (var task in ReleaseWorkflow.Functions)
        {
            var (functionId, _) = stack.TaskFunction(task.Handler);
            Assert.Equal($"{{\"Fn::GetAtt\":[\"{functionId}\",\"Arn\"]}}", substitutions[task.SubstitutionKey]!.ToJsonString());
        }

        // No bus: the outcome event goes into the outbox with the final status.
        Assert.Equal(ReleaseWorkflow.Functions.Count, substitutions.Count);
    }

    [Fact]
    public void RollbackDefinition_ReferencesEveryRollbackTaskFunctionByItsHandlerAndNothingElse()
    {
        var (_, stateMachine) = stack.StateMachine(RollbackWorkflow.Name);
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        foreach (var task in RollbackWorkflow.Functions)
        {
            var (functionId, _) = stack.TaskFunction(task.Handler);
            Assert.Equal($"{{\"Fn::GetAtt\":[\"{functionId}\",\"Arn\"]}}", substitutions[task.SubstitutionKey]!.ToJsonString());
        }

        // No bus: the rollback's handlers write their events into the outbox.
        Assert.Equal(RollbackWorkflow.Functions.Count, substitutions.Count);

        // Every value is one of the rollback functions, never a release task function or the API.
        var rollbackFunctionIds = RollbackWorkflow.Functions.Select(f => stack.TaskFunction(f.Handler).LogicalId).Order(StringComparer.Ordinal);
        Assert.Equal(rollbackFunctionIds, substitutions.SelectMany(s => TemplateJson.ReferencedIds(s.Value)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void StateMachineRole_InvokesExactlyTheTaskFunctions_AndPutsNoEvents()
    {
        var (_, stateMachine) = stack.StateMachine(ReleaseWorkflow.Name);
        var roleId = Assert.Single(TemplateJson.ReferencedIds(stateMachine["RoleArn"]));
        var grants = stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).ToList();

        var taskFunctionArns = ReleaseWorkflow.Functions.Select(f => $"${{{stack.TaskFunction(f.Handler).LogicalId}.Arn}}").Order(StringComparer.Ordinal);
        Assert.Equal(taskFunctionArns, grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)).Select(g => g.Resource).Order(StringComparer.Ordinal));
        Assert.All(grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)), g => Assert.Equal("lambda:InvokeFunction", g.Action));

        // Its outcome event goes into the outbox with the final status (the finish task), not from the state machine.
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("events:", StringComparison.Ordinal));

        // The rest is what logging to CloudWatch Logs and X-Ray tracing need, nothing else.
        Assert.All(
            grants.Where(g => !g.Action.StartsWith("lambda:", StringComparison.Ordinal) && !g.Action.StartsWith("events:", StringComparison.Ordinal)),
            g => Assert.Matches(LoggingAndTracing, g.Action));
    }

    [Fact]
    public void RollbackStateMachineRole_InvokesExactlyTheRollbackTaskFunctionsAndPutsNoEvents()
    {
        var (_, stateMachine) = stack.StateMachine(RollbackWorkflow.Name);
        var roleId = Assert.Single(TemplateJson.ReferencedIds(stateMachine["RoleArn"]));
        var (_, release) = stack.StateMachine(ReleaseWorkflow.Name);
        Assert.NotEqual(Assert.Single(TemplateJson.ReferencedIds(release["RoleArn"])), roleId);

        var grants = stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).ToList();
        var lambda = grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)).ToList();

        var rollbackFunctionArns = RollbackWorkflow.Functions.Select(f => $"${{{stack.TaskFunction(f.Handler).LogicalId}.Arn}}").Order(StringComparer.Ordinal);
        Assert.Equal(rollbackFunctionArns, lambda.Select(g => g.Resource).Order(StringComparer.Ordinal));
        Assert.All(lambda, g => Assert.Equal("lambda:InvokeFunction", g.Action));

        // Not one release task function (but await-endpoint, which both workflows share), nor the API.
        Assert.Equal([ReleaseWorkflow.AwaitEndpointHandler], ReleaseWorkflow.Functions.Intersect(RollbackWorkflow.Functions).Select(f => f.Handler));
        var others = ReleaseWorkflow.Functions.Except(RollbackWorkflow.Functions).Select(f => stack.TaskFunction(f.Handler).LogicalId)
            .Append(stack.Function(stack.Names.ApiFunctionName).LogicalId);
        foreach (var other in others)
        {
            Assert.DoesNotContain(lambda, g => g.Resource.Contains(other, StringComparison.Ordinal));
        }

        // Its handlers announce; the state machine itself puts nothing on the bus.
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("events:", StringComparison.Ordinal));
        Assert.All(grants.Where(g => !g.Action.StartsWith("lambda:", StringComparison.Ordinal)), g => Assert.Matches(LoggingAndTracing, g.Action));
    }

    [Fact]
    public void RetrainDefinition_ReferencesEveryRetrainTaskFunctionByItsHandlerAndNothingElse()
    {
        var (_, stateMachine) = stack.StateMachine(RetrainWorkflow.Name);
        var substitutions = stateMachine["DefinitionSubstitutions"]!.AsObject();

        foreach (var task in RetrainWorkflow.Functions)
        {
            var (functionId, _) = stack.TaskFunction(task.Handler);
            Assert.Equal($"{{\"Fn::GetAtt\":[\"{functionId}\",\"Arn\"]}}", substitutions[task.SubstitutionKey]!.ToJsonString());
        }

        // No bus (its handlers write their events into the outbox), and not the trigger: EventBridge invokes start-retrain.
        Assert.Equal(RetrainWorkflow.Functions.Count, substitutions.Count);
        var retrainFunctionIds = RetrainWorkflow.Functions.Select(f => stack.TaskFunction(f.Handler).LogicalId).Order(StringComparer.Ordinal);
        Assert.Equal(retrainFunctionIds, substitutions.SelectMany(s => TemplateJson.ReferencedIds(s.Value)).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler).LogicalId, retrainFunctionIds);
    }

    [Fact]
    public void RetrainStateMachineRole_InvokesExactlyTheRetrainTaskFunctionsNotTheTriggerAndPutsNoEvents()
    {
        var (_, stateMachine) = stack.StateMachine(RetrainWorkflow.Name);
        var roleId = Assert.Single(TemplateJson.ReferencedIds(stateMachine["RoleArn"]));
        var otherRoles = new[] { ReleaseWorkflow.Name, RollbackWorkflow.Name }
            .Select(w => Assert.Single(TemplateJson.ReferencedIds(stack.StateMachine(w).Properties["RoleArn"])));
        Assert.DoesNotContain(roleId, otherRoles);

        var grants = stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).ToList();
        var lambda = grants.Where(g => g.Action.StartsWith("lambda:", StringComparison.Ordinal)).ToList();

        var retrainFunctionArns = RetrainWorkflow.Functions.Select(f => $"${{{stack.TaskFunction(f.Handler).LogicalId}.Arn}}").Order(StringComparer.Ordinal);
        Assert.Equal(retrainFunctionArns, lambda.Select(g => g.Resource).Order(StringComparer.Ordinal));
        Assert.All(lambda, g => Assert.Equal("lambda:InvokeFunction", g.Action));

        // Not the trigger (that would let an execution start executions), nor a release or rollback task function, nor the API.
        var others = ReleaseWorkflow.Functions.Concat(RollbackWorkflow.Functions).Append(RetrainWorkflow.TriggerFunction)
            .Select(f => stack.TaskFunction(f.Handler).LogicalId)
            .Append(stack.Function(stack.Names.ApiFunctionName).LogicalId);
        foreach (var other in others)
        {
            Assert.DoesNotContain(lambda, g => g.Resource.Contains(other, StringComparison.Ordinal));
        }

        // Its handlers announce and open the release; the state machine itself neither puts events nor starts executions.
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("events:", StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("states:", StringComparison.Ordinal));
        Assert.All(grants.Where(g => !g.Action.StartsWith("lambda:", StringComparison.Ordinal)), g => Assert.Matches(LoggingAndTracing, g.Action));
    }

    [Fact]
    public void NoStateMachine_InvokesTheRetrainTrigger()
    {
        var (triggerId, _) = stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler);

        foreach (var (_, stateMachine) in stack.Resources(StateMachineType))
        {
            var properties = stateMachine["Properties"]!;
            Assert.DoesNotContain(triggerId, TemplateJson.ReferencedIds(properties["DefinitionSubstitutions"]));
            var roleId = Assert.Single(TemplateJson.ReferencedIds(properties["RoleArn"]));
            Assert.DoesNotContain(stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants), g => g.Resource.Contains(triggerId, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(WorkflowNames))]
    public void Logging_GoesToAVendedLogGroupWithoutExecutionData(string workflow)
    {
        var (_, stateMachine) = stack.StateMachine(workflow);
        var logging = stateMachine["LoggingConfiguration"]!;

        Assert.Equal("ALL", (string)logging["Level"]!);
        // Execution data would put approval task tokens into the logs.
        Assert.False((bool)logging["IncludeExecutionData"]!);

        var destination = Assert.Single(logging["Destinations"]!.AsArray())!;
        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(destination["CloudWatchLogsLogGroup"]!["LogGroupArn"]));
        var logGroup = stack.Resources("AWS::Logs::LogGroup").Single(r => r.LogicalId == logGroupId).Resource["Properties"]!;
        var name = (string)logGroup["LogGroupName"]!;

        Assert.StartsWith("/aws/vendedlogs/states/", name, StringComparison.Ordinal);
        Assert.Equal($"/aws/vendedlogs/states/{stack.Names.StateMachineName(workflow)}", name);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
    }

    [Fact]
    public void Logging_EachStateMachineHasItsOwnLogGroup()
    {
        string LogGroupOf(string workflow) =>
            Assert.Single(TemplateJson.ReferencedIds(stack.StateMachine(workflow).Properties["LoggingConfiguration"]!["Destinations"]));

        string[] logGroups = [LogGroupOf(ReleaseWorkflow.Name), LogGroupOf(RollbackWorkflow.Name), LogGroupOf(RetrainWorkflow.Name)];
        Assert.Equal(logGroups.Length, logGroups.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData(ReleaseWorkflow.Name, $"release-center-release-failures-{SynthesizedStackFixture.Stage}")]
    [InlineData(RollbackWorkflow.Name, $"release-center-rollback-failures-{SynthesizedStackFixture.Stage}")]
    [InlineData(RetrainWorkflow.Name, $"release-center-retrain-failures-{SynthesizedStackFixture.Stage}")]
    public void FailureAlarm_FiresOnAnyFailedExecutionWithin5Minutes(string workflow, string alarmName)
    {
        var (stateMachineId, _) = stack.StateMachine(workflow);
        var alarms = stack.Resources("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!.AsObject()).ToList();
        // One alarm per state machine, and this one watches it.
        var alarm = Assert.Single(alarms, a => TemplateJson.ReferencedIds(a["Dimensions"]).Contains(stateMachineId));

        Assert.Equal(alarmName, (string)alarm["AlarmName"]!);
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
    public void Alarms_AreExactlyOneFailureAlarmPerStateMachine_AndOneOnTheRetrainTriggersErrors()
    {
        // The operations alarms (dead letters, relay lag, 5xx rate: OperationsTests) watch other things.
        var watched = stack.Resources("AWS::CloudWatch::Alarm")
            .Where(a => (string?)a.Resource["Properties"]!["MetricName"] is "ExecutionsFailed" or "Errors")
            .SelectMany(a => TemplateJson.ReferencedIds(a.Resource["Properties"]!["Dimensions"]))
            .Order(StringComparer.Ordinal);

        // EventBridge invokes start-retrain asynchronously; a failure there starts no execution for the failure alarms to see.
        var trigger = stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler).LogicalId;
        Assert.Equal(stack.Resources(StateMachineType).Select(r => r.LogicalId).Append(trigger).Order(StringComparer.Ordinal), watched);
    }

    [Theory]
    [InlineData(ReleaseWorkflow.Name, "ReleaseStateMachineArn")]
    [InlineData(RollbackWorkflow.Name, "RollbackStateMachineArn")]
    [InlineData(RetrainWorkflow.Name, "RetrainStateMachineArn")]
    public void Outputs_ExposeTheStateMachineArn(string workflow, string output)
    {
        var (stateMachineId, _) = stack.StateMachine(workflow);
        Assert.Equal($"${{{stateMachineId}}}", TemplateJson.Text(stack.Json["Outputs"]![output]!["Value"]));
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
