using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class WorkflowFunctionTests(SynthesizedStackFixture stack)
{
    public static TheoryData<string> Handlers => [.. Workflows.TaskFunctions.Select(f => f.Handler)];

    /// <summary>
    /// Beyond the shared settings: the one ARN a task's job needs. deploy passes the SageMaker role; start-retrain
    /// starts the retrain state machine; retrain-open-release opens a normal release, so it starts the release state machine.
    /// </summary>
    private static readonly Dictionary<string, string[]> ExtraVariables = new(StringComparer.Ordinal)
    {
        ["deploy"] = [FunctionVariables.SageMakerRole],
        [RetrainWorkflow.TriggerFunction.Handler] = [FunctionVariables.RetrainStateMachineArn],
        ["retrain-open-release"] = [FunctionVariables.ReleaseStateMachineArn],
        // Which buckets a package's metrics report may be read from (and, for the import, which groups are imported).
        ["retrain-register"] = [FunctionVariables.ModelRegistry],
        [ModelRegistrySync.ImportFunction.Handler] = [FunctionVariables.ModelRegistry, FunctionVariables.ReleaseStateMachineArn],
    };

    [Theory]
    [MemberData(nameof(Handlers))]
    public void TaskFunction_RunsItsHandlerWithTheSharedSettings(string handler)
    {
        var task = Workflows.TaskFunctions.Single(f => f.Handler == handler);
        var (_, function) = stack.TaskFunction(handler);

        Assert.Equal(handler, (string)function["Handler"]!);
        Assert.Equal(task.Purpose, (string)function["Description"]!);
        Assert.Equal("provided.al2023", (string)function["Runtime"]!);
        Assert.Equal(["x86_64"], TemplateJson.Strings(function["Architectures"]));
        Assert.Equal(512, (int)function["MemorySize"]!);
        Assert.Equal(30, (int)function["Timeout"]!);
        Assert.Equal("Active", (string)function["TracingConfig"]!["Mode"]!);
        if (handler != RetrainWorkflow.TriggerFunction.Handler)
        {
            // Step Functions invokes synchronously: a dead-letter queue would stay empty. Not so for the trigger,
            // which EventBridge invokes asynchronously: whether its failed events get a dead-letter queue is the stack's call.
            Assert.Null(function["DeadLetterConfig"]);
        }

        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(function["LoggingConfig"]!["LogGroup"]));
        var logGroup = stack.Resources("AWS::Logs::LogGroup").Single(r => r.LogicalId == logGroupId).Resource["Properties"]!;
        Assert.Equal($"/aws/lambda/{stack.Names.FunctionName(handler)}", (string)logGroup["LogGroupName"]!);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public void TaskFunction_GetsTheSharedEnvironmentAndOnlyTheArnItsJobNeeds(string handler)
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var variables = stack.TaskFunction(handler).Properties["Environment"]!["Variables"]!.AsObject();

        string[] shared =
        [
            FunctionVariables.EventBusName, FunctionVariables.Environments,
            FunctionVariables.Stage, FunctionVariables.TableName, FunctionVariables.SageMakerNamePrefix,
        ];
        var expected = ExtraVariables.TryGetValue(handler, out var extra) ? [.. shared, .. extra] : shared;
        Assert.Equal(expected.Order(StringComparer.Ordinal), variables.Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal([tableId], TemplateJson.ReferencedIds(variables[FunctionVariables.TableName]));
        Assert.Equal([busId], TemplateJson.ReferencedIds(variables[FunctionVariables.EventBusName]));
        Assert.Equal(SynthesizedStackFixture.Stage, (string)variables[FunctionVariables.Stage]!);
    }

    [Fact]
    public void EveryFunction_GetsTheEnvironmentPolicyOfConfigEnvironmentsJson()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "config", "environments.json")));
        var functions = stack.Resources("AWS::Lambda::Function").ToList();

        Assert.Equal(Workflows.TaskFunctions.Count + ReleaseWorkflow.ScheduledFunctions.Count + 3, functions.Count); // + the API, the outbox relay and the export function
        foreach (var (logicalId, function) in functions)
        {
            var value = (string?)function["Properties"]!["Environment"]!["Variables"]![FunctionVariables.Environments];
            Assert.True(value is not null, $"{logicalId} has no {FunctionVariables.Environments}.");
            Assert.True(JsonNode.DeepEquals(file, JsonNode.Parse(value)), $"{logicalId}'s {FunctionVariables.Environments} differs from config/environments.json.");
            Assert.DoesNotContain('\n', value);
        }
    }

    [Fact]
    public void EveryFunction_RunsFromTheSameBundle()
    {
        var codes = stack.Resources("AWS::Lambda::Function")
            .Select(f => f.Resource["Properties"]!["Code"]!.ToJsonString())
            .Distinct()
            .ToList();

        Assert.Single(codes);
        Assert.Single(stack.Resources("AWS::Lambda::Function").Select(f => (string)f.Resource["Properties"]!["Architectures"]![0]!).Distinct(), "x86_64");
    }

    [Fact]
    public void ExtraVariables_AreForTaskHandlersThatExist()
    {
        Assert.All(ExtraVariables.Keys, handler => Assert.Contains(Workflows.TaskFunctions, f => f.Handler == handler));
    }

    /// <summary>
    /// The API starts releases and rollbacks; retrain-open-release opens a release too; start-retrain alone starts
    /// retrains. Each variable names its own workflow's state machine.
    /// </summary>
    [Theory]
    [InlineData(FunctionVariables.ReleaseStateMachineArn, ReleaseWorkflow.Name, new[] { ReleaseCenterStack.ApiHandler, "retrain-open-release", "import-model-package" })]
    [InlineData(FunctionVariables.RollbackStateMachineArn, RollbackWorkflow.Name, new[] { ReleaseCenterStack.ApiHandler })]
    [InlineData(FunctionVariables.RetrainStateMachineArn, RetrainWorkflow.Name, new[] { "start-retrain" })]
    public void OnlyTheFunctionsThatStartAWorkflow_GetItsStateMachineArn(string variable, string workflow, string[] handlers)
    {
        var (stateMachineId, _) = stack.StateMachine(workflow);
        var withArn = stack.Resources("AWS::Lambda::Function")
            .Select(f => f.Resource["Properties"]!)
            .Where(f => f["Environment"]!["Variables"]![variable] is not null)
            .ToList();

        Assert.Equal(
            handlers.Select(h => h == ReleaseCenterStack.ApiHandler ? stack.Names.ApiFunctionName : stack.Names.FunctionName(h)).Order(StringComparer.Ordinal),
            withArn.Select(f => (string)f["FunctionName"]!).Order(StringComparer.Ordinal));
        Assert.All(withArn, f => Assert.Equal($"${{{stateMachineId}}}", TemplateJson.Text(f["Environment"]!["Variables"]![variable])));
    }

    [Fact]
    public void EveryTaskHandlerOfEveryWorkflow_HasItsOwnFunction()
    {
        // Every state machine's task functions, plus those EventBridge rules invoke: the retrain trigger, the drift-signal
        // normalizer (the endpoint-change waker is also a release task) and the Model Registry import and sync.
        Assert.Equal(ReleaseWorkflow.Functions.Count + RollbackWorkflow.Functions.Count + RetrainWorkflow.Functions.Count + 4, Workflows.TaskFunctions.Count);
        Assert.Contains(ModelRegistrySync.ImportFunction, Workflows.TaskFunctions);
        Assert.Contains(ModelRegistrySync.SyncFunction, Workflows.TaskFunctions);
        Assert.Contains(RetrainWorkflow.TriggerFunction, Workflows.TaskFunctions);
        Assert.Contains(RetrainWorkflow.SignalFunction, Workflows.TaskFunctions);
        Assert.DoesNotContain(RetrainWorkflow.SignalFunction, RetrainWorkflow.Functions);
        Assert.DoesNotContain(RetrainWorkflow.TriggerFunction, RetrainWorkflow.Functions);
        var ids = Workflows.TaskFunctions.Select(f => stack.TaskFunction(f.Handler).LogicalId).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(RollbackWorkflow.Functions.Concat(RetrainWorkflow.Functions).Append(RetrainWorkflow.TriggerFunction).Append(RetrainWorkflow.SignalFunction),
            f => Assert.Equal(f.Handler, (string)stack.TaskFunction(f.Handler).Properties["Handler"]!));
    }
}
