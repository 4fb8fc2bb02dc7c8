using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.Assertions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class ApiFunctionTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void ApiFunction_RunsTheApiHandlerOfTheBootstrapOnX86WithActiveTracing()
    {
        stack.Template.HasResourceProperties("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["FunctionName"] = stack.Names.ApiFunctionName,
            ["Runtime"] = "provided.al2023",
            ["Architectures"] = new[] { "x86_64" },
            ["Handler"] = "api",
            ["MemorySize"] = 512,
            ["Timeout"] = 30,
            ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
        });
    }

    [Fact]
    public void ApiFunction_GetsTableBusStageEnvironmentsAndStateMachinesThroughEnvironment()
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var (stateMachineId, _) = stack.StateMachine(ReleaseWorkflow.Name);
        var (rollbackStateMachineId, _) = stack.StateMachine(RollbackWorkflow.Name);
        var (_, function) = stack.Function(stack.Names.ApiFunctionName);

        var variables = function["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(
            new[]
            {
                FunctionVariables.EventBusName, FunctionVariables.Environments,
                FunctionVariables.ReleaseStateMachineArn, FunctionVariables.RollbackStateMachineArn,
                FunctionVariables.Stage, FunctionVariables.TableName, FunctionVariables.AuditAnchorBucket, FunctionVariables.SageMakerNamePrefix,
                FunctionVariables.ExportBucket, FunctionVariables.SlackSecretArn, FunctionVariables.Slack, FunctionVariables.ModelRegistry,
            }.Order(StringComparer.Ordinal),
            variables.Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal([stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId.StartsWith("AuditAnchors", StringComparison.Ordinal)).LogicalId],
            TemplateJson.ReferencedIds(variables[FunctionVariables.AuditAnchorBucket]));
        Assert.Equal([stack.Resources("AWS::S3::Bucket").Single(b => b.LogicalId.StartsWith("Exports", StringComparison.Ordinal)).LogicalId],
            TemplateJson.ReferencedIds(variables[FunctionVariables.ExportBucket]));
        Assert.Equal([tableId], TemplateJson.ReferencedIds(variables[FunctionVariables.TableName]));
        Assert.Equal([busId], TemplateJson.ReferencedIds(variables[FunctionVariables.EventBusName]));
        Assert.Equal($"${{{stateMachineId}}}", TemplateJson.Text(variables[FunctionVariables.ReleaseStateMachineArn]));
        Assert.Equal($"${{{rollbackStateMachineId}}}", TemplateJson.Text(variables[FunctionVariables.RollbackStateMachineArn]));
        Assert.Equal("ROLLBACK_STATE_MACHINE_ARN", FunctionVariables.RollbackStateMachineArn);
        Assert.Equal(SynthesizedStackFixture.Stage, (string)variables[FunctionVariables.Stage]!);
    }

    [Fact]
    public void ApiFunction_LogsToItsOwnLogGroupWithRetention()
    {
        var (_, function) = stack.Function(stack.Names.ApiFunctionName);
        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(function["LoggingConfig"]!["LogGroup"]));
        var logGroup = stack.Resources("AWS::Logs::LogGroup").Single(r => r.LogicalId == logGroupId).Resource["Properties"]!;

        Assert.Equal($"/aws/lambda/{stack.Names.ApiFunctionName}", (string)logGroup["LogGroupName"]!);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
        // No Custom::LogRetention helper function: log groups are plain resources.
        Assert.Empty(stack.Resources("Custom::LogRetention"));
    }

    [Fact]
    public void ReleaseCenterFunction_RejectsNamesLongerThanLambdaAllows()
    {
        using var scratch = new ScratchApp();
        var scope = new Stack(scratch.App, "TooLong");
        var name = new string('f', ReleaseCenterFunction.MaxFunctionNameLength + 1);

        var error = Assert.Throws<ArgumentException>(() => new ReleaseCenterFunction(scope, "TooLong", new ReleaseCenterFunctionProps
        {
            FunctionName = name,
            Handler = "api",
            Code = Code.FromInline("unused"),
        }));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReleaseCenterFunction_AcceptsANameOfExactly64Characters()
    {
        using var bundle = new TempDirectory(SynthesizedStackFixture.CreateLambdaBundle());
        using var scratch = new ScratchApp();
        var scope = new Stack(scratch.App, "Longest");

        _ = new ReleaseCenterFunction(scope, "Longest", new ReleaseCenterFunctionProps
        {
            FunctionName = new string('f', ReleaseCenterFunction.MaxFunctionNameLength),
            Handler = "api",
            Code = Code.FromAsset(bundle.Path),
        });

        Template.FromStack(scope).ResourceCountIs("AWS::Lambda::Function", 1);
    }

    [Fact]
    public void ReleaseCenterFunction_RejectsEnvironmentOverLambdasLimitNamingTheLargestVariable()
    {
        using var scratch = new ScratchApp();
        var scope = new Stack(scratch.App, "BigEnvironment");

        var error = Assert.Throws<InvalidOperationException>(() => new ReleaseCenterFunction(scope, "Big", new ReleaseCenterFunctionProps
        {
            FunctionName = "big",
            Handler = "api",
            Code = Code.FromInline("unused"),
            Environment = new Dictionary<string, string>
            {
                ["SMALL"] = "x",
                // Fits alone, but not with an unresolved value beside it.
                ["LARGE"] = new string('x', ReleaseCenterStackProps.LambdaEnvironmentLimitBytes - 200),
                ["TOKEN"] = scope.Account,
            },
        }));

        Assert.Contains("'big'", error.Message, StringComparison.Ordinal);
        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
        Assert.Contains("By size: LARGE ", error.Message, StringComparison.Ordinal);
    }

    private sealed class TempDirectory(DirectoryInfo dir) : IDisposable
    {
        public string Path => dir.FullName;

        public void Dispose() => dir.Delete(recursive: true);
    }
}
