using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Emulator;

/// <summary>
/// One test per moto 5.2.1 defect that our launcher patches (platform-notes.md), each of which
/// fails on an unpatched moto_server (defect 7, StopExecution during a task-token wait, is ours: found with the cancel route), plus the Lambda integration that makes state machines run
/// our handlers. Defect 6 (UpdateEndpoint) is pinned by SageMakerClientTests.
/// </summary>
[Collection("emulator")]
public sealed class MotoPatchTests(EmulatorFixture emulator)
{
    private StepFunctionsClient Sfn() => new(emulator.ClientOptions());

    private async Task<string> CreateMachineAsync(string definition)
    {
        using var sfn = Sfn();
        var created = await sfn.CreateStateMachineAsync(new CreateStateMachineRequest(emulator.UniqueName("patch"), definition, emulator.RoleArn("sfn")));
        return created.StateMachineArn;
    }

    private async Task<DescribeExecutionResponse> FinishedAsync(string executionArn)
    {
        using var sfn = Sfn();
        return await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(executionArn), d => d.Status != ExecutionStatus.Running, attempts: 200);
    }

    private const string PassMachine = """{"StartAt":"Say hello","States":{"Say hello":{"Type":"Pass","Result":{"hello":"world"},"End":true}}}""";

    [Fact]
    public async Task Defect1_ExecutionsAfterTheFirst_StillStart()
    {
        var machine = await CreateMachineAsync(PassMachine);
        using var sfn = Sfn();
        for (var i = 0; i < 3; i++)
        {
            var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Name = $"run-{i}", Input = "{}" });
            Assert.Equal(ExecutionStatus.Succeeded, (await FinishedAsync(started.ExecutionArn)).Status);
        }
    }

    [Fact]
    public async Task Defect2_StartExecutionWithoutAName_GetsAGeneratedName()
    {
        var machine = await CreateMachineAsync(PassMachine);
        using var sfn = Sfn();

        var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Input = "{}" });

        var name = started.ExecutionArn[(started.ExecutionArn.LastIndexOf(':') + 1)..];
        Assert.NotEqual("None", name);
        Assert.True(Guid.TryParse(name, out _), name);
        // On unpatched moto, listing then fails on the execution named None.
        var listed = await sfn.ListExecutionsAsync(machine);
        Assert.Equal(name, Assert.Single(listed.Executions!).Name);
    }

    [Fact]
    public async Task Defect3_EventBridgeRules_StartStateMachinesWithTheirInputPath_AndInvokeLambdas()
    {
        var local = emulator.RequireLocal();
        var received = new ConcurrentQueue<string>();
        var function = emulator.UniqueName("on-event");
        local.Functions.Add(function, (payload, _) =>
        {
            received.Enqueue(payload);
            return Task.FromResult("{}");
        });
        var machine = await CreateMachineAsync("""{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}}""");
        using var events = new EventBridgeClient(emulator.ClientOptions());
        var bus = emulator.UniqueName("bus");
        await events.CreateEventBusAsync(new CreateEventBusRequest(bus));
        var rule = emulator.UniqueName("rule");
        await events.PutRuleAsync(new PutRuleRequest(rule) { EventBusName = bus, EventPattern = """{"source":["release-center.test"]}""" });
        await events.PutTargetsAsync(new PutTargetsRequest(rule,
        [
            new RuleTarget("machine", machine) { InputPath = "$.detail", RoleArn = emulator.RoleArn("events") },
            new RuleTarget("function", $"arn:aws:lambda:{emulator.Region}:{emulator.AccountId}:function:{function}"),
        ]) { EventBusName = bus });

        var put = await events.PutEventsAsync([new PutEventsEntry("release-center.test", "drift.detected.v1", """{"reportId":"r-1"}""") { EventBusName = bus }]);

        Assert.Equal(0, put.FailedEntryCount);
        using var sfn = Sfn();
        var executions = await Poll.UntilAsync(() => sfn.ListExecutionsAsync(machine), l => l.Executions is { Count: > 0 });
        var execution = await FinishedAsync(Assert.Single(executions.Executions!).ExecutionArn);
        Assert.Equal("r-1", JsonDocument.Parse(execution.Input!).RootElement.GetProperty("reportId").GetString());

        await Poll.UntilAsync(() => Task.FromResult(received.Count), c => c > 0);
        var envelope = JsonDocument.Parse(Assert.Single(received)).RootElement;
        Assert.Equal(emulator.AccountId, envelope.GetProperty("account").GetString());
        Assert.Equal("drift.detected.v1", envelope.GetProperty("detail-type").GetString());
    }

    [Fact]
    public async Task Defect4_ExecutionOutputWithTimestamps_CanBeDescribed()
    {
        // DescribeTable answers CreationDateTime, a timestamp, into the execution's output.
        using var dynamo = LocalAws.CreateDynamoDbClient(emulator.ServiceUrl);
        var table = emulator.UniqueName("ts");
        await TableProvisioner.EnsureTableAsync(dynamo, table, CancellationToken.None);
        var machine = await CreateMachineAsync("""
            {"StartAt":"Describe the table","States":{"Describe the table":{"Type":"Task",
              "Resource":"arn:aws:states:::aws-sdk:dynamodb:describeTable","Parameters":{"TableName":"__NAME__"},"End":true}}}
            """.Replace("__NAME__", table, StringComparison.Ordinal));
        using var sfn = Sfn();

        var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "ts", Input = "{}" });
        var done = await FinishedAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, done.Status);
        Assert.Contains("CreationDateTime", done.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Defect5_SendTaskFailure_KeepsTheCause_AndLambdaTasksRunOurHandlers()
    {
        var local = emulator.RequireLocal();
        var tokens = new ConcurrentQueue<string>();
        var function = emulator.UniqueName("ask");
        local.Functions.Add(function, (payload, _) =>
        {
            tokens.Enqueue(JsonDocument.Parse(payload).RootElement.GetProperty("token").GetString()!);
            return Task.FromResult("""{"asked":true}""");
        });
        var machine = await CreateMachineAsync("""
            {"StartAt":"Wait for approval","States":{"Wait for approval":{"Type":"Task",
              "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
              "Parameters":{"FunctionName":"__NAME__","Payload":{"token.$":"$$.Task.Token"}},
              "TimeoutSeconds":30,"End":true}}}
            """.Replace("__NAME__", function, StringComparison.Ordinal));
        using var sfn = Sfn();
        var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "fail", Input = "{}" });
        await Poll.UntilAsync(() => Task.FromResult(tokens.Count), c => c > 0, attempts: 200);

        await sfn.SendTaskFailureAsync(new SendTaskFailureRequest(Assert.Single(tokens)) { Error = "Rejected", Cause = "bob rejected: AUC regressed" });

        var done = await FinishedAsync(started.ExecutionArn);
        Assert.Equal(ExecutionStatus.Failed, done.Status);
        Assert.Equal("Rejected", done.Error);
        Assert.Equal("bob rejected: AUC regressed", done.Cause);
    }

    [Fact]
    public async Task Defect7_StopExecution_WhileWaitingForATaskToken_AbortsAtOnce()
    {
        var local = emulator.RequireLocal();
        var asked = new ConcurrentQueue<string>();
        var function = emulator.UniqueName("wait");
        local.Functions.Add(function, (payload, _) =>
        {
            asked.Enqueue(payload);
            return Task.FromResult("{}");
        });
        var machine = await CreateMachineAsync("""
            {"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
              "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Wait for approval","States":{"Wait for approval":{"Type":"Task",
                "Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters":{"FunctionName":"__NAME__","Payload":{"token.$":"$$.Task.Token"}},
                "TimeoutSeconds":3600,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Failed"}],"End":true},
                "Failed":{"Type":"Fail","Error":"Boom"}}},"End":true}}}
            """.Replace("__NAME__", function, StringComparison.Ordinal));
        using var sfn = Sfn();
        var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "stop", Input = """{"items":[1]}""" });
        await Poll.UntilAsync(() => Task.FromResult(asked.Count), c => c > 0, attempts: 200);

        await sfn.StopExecutionAsync(new StopExecutionRequest(started.ExecutionArn) { Error = "Release.Cancelled", Cause = "test" });

        var done = await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(started.ExecutionArn), d => d.Status != ExecutionStatus.Running, attempts: 50, delayMilliseconds: 100);
        Assert.Equal(ExecutionStatus.Aborted, done.Status);
    }

    [Fact]
    public async Task LambdaTask_ThatThrows_IsCaughtByItsErrorType()
    {
        var local = emulator.RequireLocal();
        var function = emulator.UniqueName("boom");
        local.Functions.Add(function, (_, _) => throw new TimeoutException("endpoint never became InService"));
        var machine = await CreateMachineAsync("""
            {"StartAt":"Deploy","States":{
              "Deploy":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"__NAME__","Payload":{}},
                "Catch":[{"ErrorEquals":["TimeoutException"],"ResultPath":"$.error","Next":"Record the failure"}],"End":true},
              "Record the failure":{"Type":"Pass","End":true}}}
            """.Replace("__NAME__", function, StringComparison.Ordinal));
        using var sfn = Sfn();

        var started = await sfn.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "boom", Input = "{}" });
        var done = await FinishedAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Succeeded, done.Status);
        Assert.Contains("endpoint never became InService", done.Output, StringComparison.Ordinal);
    }
}
