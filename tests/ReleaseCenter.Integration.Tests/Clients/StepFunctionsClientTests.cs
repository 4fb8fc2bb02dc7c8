using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Integration.Tests.Clients;

[Collection("emulator")]
public sealed class StepFunctionsClientTests(EmulatorFixture emulator) : IDisposable
{
    private const string PassDefinition = """
        {"StartAt": "Prepare release", "States": {
          "Prepare release": {"Type": "Pass", "Result": {"prepared": true}, "ResultPath": "$.prep", "Next": "Done"},
          "Done": {"Type": "Succeed"}}}
        """;

    private const string WaitDefinition = """
        {"StartAt": "Wait a while", "States": {
          "Wait a while": {"Type": "Wait", "Seconds": 30, "Next": "Done"},
          "Done": {"Type": "Succeed"}}}
        """;

    private readonly StepFunctionsClient _client = new(emulator.ClientOptions());
    private readonly AmazonSQSClient _sqs = emulator.SqsClient();

    public void Dispose()
    {
        _client.Dispose();
        _sqs.Dispose();
    }

    [Fact]
    public async Task Execution_OfPassMachine_SucceedsWithOutputAndStateHistory()
    {
        var machine = await CreateMachineAsync(PassDefinition);

        var started = await _client.StartExecutionAsync(
            new StartExecutionRequest(machine) { Name = "run-1", Input = """{"releaseId": "r-1"}""" });
        var execution = await WaitForEndAsync(started.ExecutionArn);
        var history = await _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(started.ExecutionArn) { MaxResults = 100 });

        Assert.EndsWith(":run-1", started.ExecutionArn, StringComparison.Ordinal);
        Assert.InRange(started.StartDate, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.NotNull(execution.StopDate);
        Assert.Equal("r-1", JsonDocument.Parse(execution.Input!).RootElement.GetProperty("releaseId").GetString());
        using var output = JsonDocument.Parse(execution.Output!);
        Assert.True(output.RootElement.GetProperty("prep").GetProperty("prepared").GetBoolean());
        var events = Assert.IsAssignableFrom<IReadOnlyList<HistoryEvent>>(history.Events);
        Assert.Equal("ExecutionStarted", events[0].Type);
        Assert.Contains("r-1", events[0].ExecutionStartedEventDetails?.Input, StringComparison.Ordinal);
        Assert.Equal(["Prepare release", "Done"], events.Select(e => e.StateEnteredEventDetails?.Name).OfType<string>());
        Assert.Contains(events, e => e.StateExitedEventDetails is { Name: "Prepare release", Output: not null });
        Assert.All(events, e => Assert.True(e.Timestamp >= started.StartDate.AddSeconds(-1)));
        Assert.Equal("ExecutionSucceeded", events[^1].Type);
    }

    [Fact]
    public async Task StartExecution_SameNameWithOtherInput_IsExecutionAlreadyExists()
    {
        var machine = await CreateMachineAsync(PassDefinition);
        await _client.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "release-42", Input = """{"n": 1}""" });

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() =>
            _client.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "release-42", Input = """{"n": 2}""" }));

        Assert.Equal(StepFunctionsErrors.ExecutionAlreadyExists, error.ErrorCode);
        Assert.Contains("release-42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeStateMachine_Missing_IsStateMachineDoesNotExist()
    {
        var arn = $"arn:aws:states:{emulator.Region}:{emulator.AccountId}:stateMachine:{emulator.UniqueName("missing")}";

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.DescribeStateMachineAsync(arn));

        Assert.Equal(StepFunctionsErrors.StateMachineDoesNotExist, error.ErrorCode);
        Assert.Contains(arn, error.Message, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task UpdateStateMachine_NewDefinition_IsDescribedAndFoundByName()
    {
        var name = emulator.UniqueName("release-center-update");
        var created = await _client.CreateStateMachineAsync(new CreateStateMachineRequest(name, PassDefinition, emulator.RoleArn("sfn"))
        {
            Tags = [new ResourceTag("service", "release-center")],
        });

        await _client.UpdateStateMachineAsync(new UpdateStateMachineRequest(created.StateMachineArn) { Definition = WaitDefinition });
        var described = await _client.DescribeStateMachineAsync(created.StateMachineArn);
        var found = await _client.FindStateMachineByNameAsync(name);
        var notFound = await _client.FindStateMachineByNameAsync(emulator.UniqueName("nobody"));

        Assert.Equal(name, described.Name);
        Assert.Equal(StateMachineType.Standard, described.Type);
        Assert.Equal(emulator.RoleArn("sfn"), described.RoleArn);
        Assert.Contains("Wait a while", described.Definition, StringComparison.Ordinal);
        Assert.Equal(created.StateMachineArn, found?.StateMachineArn);
        Assert.Null(notFound);
    }

    [Fact]
    public async Task StopExecution_WhileWaiting_IsAborted()
    {
        var machine = await CreateMachineAsync(WaitDefinition);
        var started = await _client.StartExecutionAsync(new StartExecutionRequest(machine) { Name = "to-stop", Input = "{}" });

        await _client.StopExecutionAsync(
            new StopExecutionRequest(started.ExecutionArn) { Error = "Release.Cancelled", Cause = "cancelled by the release manager" });
        var execution = await WaitForEndAsync(started.ExecutionArn);

        Assert.Equal(ExecutionStatus.Aborted, execution.Status);
        Assert.True(execution.StopDate >= started.StartDate);
    }

    [Fact]
    public async Task TaskToken_HeartbeatThenSuccess_CompletesTheExecution()
    {
        var (machine, queueUrl) = await CreateApprovalMachineAsync();
        var started = await _client.StartExecutionAsync(new StartExecutionRequest(machine) { Input = """{"releaseId": "r-7"}""" });
        var token = await ReceiveTokenAsync(queueUrl);

        await _client.SendTaskHeartbeatAsync(token);
        await _client.SendTaskSuccessAsync(new SendTaskSuccessRequest(token, """{"approvedBy": "alice"}"""));
        var execution = await WaitForEndAsync(started.ExecutionArn);
        var history = await _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(started.ExecutionArn));

        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal("alice", JsonDocument.Parse(execution.Output!).RootElement.GetProperty("approvedBy").GetString());
        Assert.Contains(history.Events!, e => e.TaskScheduledEventDetails is { ResourceType: "sqs" });
        Assert.Contains(history.Events!, e => e.TaskSucceededEventDetails?.Output?.Contains("alice", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task TaskToken_Failure_FailsTheExecutionWithTheError()
    {
        var (machine, queueUrl) = await CreateApprovalMachineAsync();
        var started = await _client.StartExecutionAsync(new StartExecutionRequest(machine) { Input = """{"releaseId": "r-8"}""" });
        var token = await ReceiveTokenAsync(queueUrl);

        await _client.SendTaskFailureAsync(new SendTaskFailureRequest(token) { Error = "Release.Rejected", Cause = "tests failed" });
        var execution = await WaitForEndAsync(started.ExecutionArn);
        var history = await _client.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(started.ExecutionArn));

        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("Release.Rejected", execution.Error);
        Assert.Equal("ExecutionFailed", history.Events![^1].Type);
        Assert.Equal("Release.Rejected", history.Events[^1].ExecutionFailedEventDetails?.Error);
        Assert.Contains(history.Events, e => e.TaskFailedEventDetails is { Error: "Release.Rejected" });
    }

    [Fact]
    public async Task SendTaskSuccess_UnknownToken_IsAServiceError()
    {
        var error = await Assert.ThrowsAsync<AmazonServiceException>(() =>
            _client.SendTaskSuccessAsync(new SendTaskSuccessRequest("not-a-token", "{}")));

        Assert.False(string.IsNullOrEmpty(error.ErrorCode));
    }

    private async Task<string> CreateMachineAsync(string definition)
    {
        var created = await _client.CreateStateMachineAsync(new CreateStateMachineRequest(
            emulator.UniqueName("release-center-test"), definition, emulator.RoleArn("sfn")));
        return created.StateMachineArn;
    }

    private async Task<(string Machine, string QueueUrl)> CreateApprovalMachineAsync()
    {
        var queueUrl = (await _sqs.CreateQueueAsync(emulator.UniqueName("approvals"))).QueueUrl;
        var definition = """
            {"StartAt": "Wait for approval", "States": {
              "Wait for approval": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "QUEUE_URL", "MessageBody": {"token.$": "$$.Task.Token", "releaseId.$": "$.releaseId"}},
                "HeartbeatSeconds": 60, "TimeoutSeconds": 120, "Next": "Done"},
              "Done": {"Type": "Succeed"}}}
            """;
        return (await CreateMachineAsync(definition.Replace("QUEUE_URL", queueUrl, StringComparison.Ordinal)), queueUrl);
    }

    private async Task<string> ReceiveTokenAsync(string queueUrl)
    {
        var received = await Poll.UntilAsync(
            () => _sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1 }),
            response => response.Messages is { Count: > 0 },
            attempts: 10);
        var message = Assert.Single(received.Messages ?? []);
        using var body = JsonDocument.Parse(message.Body);
        return body.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Two minutes: moto runs an execution's steps on its own threads, which a loaded 2-core machine starves (CI saw 30 s pass).</summary>
    private Task<DescribeExecutionResponse> WaitForEndAsync(string executionArn) =>
        Poll.UntilAsync(() => _client.DescribeExecutionAsync(executionArn), execution => execution.Status != ExecutionStatus.Running, attempts: 1200, delayMilliseconds: 100);
}
