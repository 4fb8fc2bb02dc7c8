using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.Assertions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class ApiFunctionTests(SynthesizedStackFixture stack)
{
    private readonly ResourceNames _names = new(SynthesizedStackFixture.Stage);

    [Fact]
    public void ApiFunction_RunsOwnRuntimeOnArm64WithActiveTracing()
    {
        stack.Template.HasResourceProperties("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["FunctionName"] = _names.ApiFunctionName,
            ["Runtime"] = "provided.al2023",
            ["Architectures"] = new[] { "arm64" },
            ["Handler"] = "bootstrap",
            ["MemorySize"] = 512,
            ["Timeout"] = 30,
            ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
        });
    }

    [Fact]
    public void ApiFunction_GetsTableBusAndStageThroughEnvironment()
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var (_, function) = stack.Single("AWS::Lambda::Function");

        var variables = function["Environment"]!["Variables"]!.AsObject();
        Assert.Equal(["EVENT_BUS_NAME", "STAGE", "TABLE_NAME"], variables.Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal([tableId], TemplateJson.ReferencedIds(variables["TABLE_NAME"]));
        Assert.Equal([busId], TemplateJson.ReferencedIds(variables["EVENT_BUS_NAME"]));
        Assert.Equal(SynthesizedStackFixture.Stage, (string)variables["STAGE"]!);
    }

    [Fact]
    public void ApiFunction_LogsToItsOwnLogGroupWithRetention()
    {
        var (logGroupId, logGroup) = stack.Single("AWS::Logs::LogGroup");
        var (_, function) = stack.Single("AWS::Lambda::Function");

        Assert.Equal($"/aws/lambda/{_names.ApiFunctionName}", (string)logGroup["LogGroupName"]!);
        Assert.Equal(30, (int)logGroup["RetentionInDays"]!);
        Assert.Equal([logGroupId], TemplateJson.ReferencedIds(function["LoggingConfig"]!["LogGroup"]));
        // No Custom::LogRetention helper function: the log group is a plain resource.
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
            Code = Code.FromInline("unused"),
        }));

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        Assert.Contains("64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReleaseCenterFunction_AcceptsANameOfExactly64Characters()
    {
        using var bundle = new TempDirectory(SynthesizedStackFixture.CreateApiBundle());
        using var scratch = new ScratchApp();
        var scope = new Stack(scratch.App, "Longest");

        _ = new ReleaseCenterFunction(scope, "Longest", new ReleaseCenterFunctionProps
        {
            FunctionName = new string('f', ReleaseCenterFunction.MaxFunctionNameLength),
            Code = Code.FromAsset(bundle.Path),
        });

        Template.FromStack(scope).ResourceCountIs("AWS::Lambda::Function", 1);
    }

    private sealed class TempDirectory(DirectoryInfo dir) : IDisposable
    {
        public string Path => dir.FullName;

        public void Dispose() => dir.Delete(recursive: true);
    }
}
