using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class WorkflowFunctionTests(SynthesizedStackFixture stack)
{
    public static TheoryData<string> Handlers => [.. Workflows.TaskFunctions.Select(f => f.Handler)];

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
        // Step Functions invokes synchronously: a dead-letter queue would stay empty.
        Assert.Null(function["DeadLetterConfig"]);

        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(function["LoggingConfig"]!["LogGroup"]));
        var logGroup = stack.Resources("AWS::Logs::LogGroup").Single(r => r.LogicalId == logGroupId).Resource["Properties"]!;
        Assert.Equal($"/aws/lambda/{stack.Names.FunctionName(handler)}", (string)logGroup["LogGroupName"]!);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public void TaskFunction_GetsTheSharedEnvironment(string handler)
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var variables = stack.TaskFunction(handler).Properties["Environment"]!["Variables"]!.AsObject();

        string[] shared =
        [
            ReleaseCenterSettings.EventBusNameVariable, ReleaseCenterSettings.EnvironmentsVariable,
            ReleaseCenterSettings.StageVariable, ReleaseCenterSettings.TableNameVariable,
        ];
        var expected = handler == "deploy" ? [.. shared, ReleaseCenterSettings.SageMakerRoleVariable] : shared;
        Assert.Equal(expected.Order(StringComparer.Ordinal), variables.Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal([tableId], TemplateJson.ReferencedIds(variables[ReleaseCenterSettings.TableNameVariable]));
        Assert.Equal([busId], TemplateJson.ReferencedIds(variables[ReleaseCenterSettings.EventBusNameVariable]));
        Assert.Equal(SynthesizedStackFixture.Stage, (string)variables[ReleaseCenterSettings.StageVariable]!);
    }

    [Fact]
    public void EveryFunction_GetsTheEnvironmentPolicyOfConfigEnvironmentsJson()
    {
        var file = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "config", "environments.json")));
        var functions = stack.Resources("AWS::Lambda::Function").ToList();

        Assert.Equal(Workflows.TaskFunctions.Count + ReleaseWorkflow.ScheduledFunctions.Count + 1, functions.Count);
        foreach (var (logicalId, function) in functions)
        {
            var value = (string?)function["Properties"]!["Environment"]!["Variables"]![ReleaseCenterSettings.EnvironmentsVariable];
            Assert.True(value is not null, $"{logicalId} has no {ReleaseCenterSettings.EnvironmentsVariable}.");
            Assert.True(JsonNode.DeepEquals(file, JsonNode.Parse(value)), $"{logicalId}'s {ReleaseCenterSettings.EnvironmentsVariable} differs from config/environments.json.");
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

    [Theory]
    [InlineData(ReleaseCenterSettings.ReleaseStateMachineArnVariable)]
    [InlineData(ReleaseCenterSettings.RollbackStateMachineArnVariable)]
    public void OnlyTheApiFunction_GetsTheStateMachineArn(string variable)
    {
        var withArn = stack.Resources("AWS::Lambda::Function")
            .Where(f => f.Resource["Properties"]!["Environment"]!["Variables"]![variable] is not null)
            .Select(f => (string)f.Resource["Properties"]!["FunctionName"]!);

        Assert.Equal([stack.Names.ApiFunctionName], withArn);
    }

    [Fact]
    public void EveryTaskHandlerOfEveryWorkflow_HasItsOwnFunction()
    {
        Assert.Equal(ReleaseWorkflow.Functions.Count + RollbackWorkflow.Functions.Count, Workflows.TaskFunctions.Count);
        var ids = Workflows.TaskFunctions.Select(f => stack.TaskFunction(f.Handler).LogicalId).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(RollbackWorkflow.Functions, f => Assert.Equal(f.Handler, (string)stack.TaskFunction(f.Handler).Properties["Handler"]!));
    }
}
