using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Functions.Tests.Fakes;

/// <summary>
/// Step Functions in memory: executions by name (StartExecution with a name in use is idempotent for the
/// same input and ExecutionAlreadyExists otherwise, as in AWS), their status, and task tokens. A token is
/// answered once; answering it again, or after <see cref="ExpireToken"/>, is TaskTimedOut.
/// </summary>
public sealed class FakeStepFunctions(TimeProvider clock) : FakeService, IStepFunctions
{
    private readonly Dictionary<string, DescribeExecutionResponse> _executions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closedTokens = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, DescribeExecutionResponse> Executions => _executions;

    /// <summary>Tokens answered with success, with their output, in order.</summary>
    public List<(string Token, string Output)> Succeeded { get; } = [];

    /// <summary>Tokens answered with failure, with the error, in order.</summary>
    public List<(string Token, string? Error)> Failed { get; } = [];

    public Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("StartExecution");
        var name = request.Name ?? Guid.NewGuid().ToString("N");
        var arn = StepFunctionsArns.Execution(request.StateMachineArn, name);
        if (_executions.TryGetValue(arn, out var existing))
        {
            return existing.Input == request.Input && existing.Status == ExecutionStatus.Running
                ? Task.FromResult(new StartExecutionResponse(arn, existing.StartDate))
                : throw AwsErrors.Of(StepFunctionsErrors.ExecutionAlreadyExists, $"Execution Already Exists: '{arn}'");
        }
        var now = clock.GetUtcNow();
        _executions[arn] = new DescribeExecutionResponse(arn, request.StateMachineArn, name, ExecutionStatus.Running, now, null, request.Input, null, null, null);
        return Task.FromResult(new StartExecutionResponse(arn, now));
    }

    public Task<DescribeExecutionResponse> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken = default)
    {
        Enter("DescribeExecution");
        return Task.FromResult(_executions.TryGetValue(executionArn, out var execution)
            ? execution
            : throw AwsErrors.Of(StepFunctionsErrors.ExecutionDoesNotExist, $"Execution Does Not Exist: '{executionArn}'"));
    }

    public Task<StopExecutionResponse> StopExecutionAsync(StopExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("StopExecution");
        if (!_executions.TryGetValue(request.ExecutionArn, out var execution))
        {
            throw AwsErrors.Of(StepFunctionsErrors.ExecutionDoesNotExist, $"Execution Does Not Exist: '{request.ExecutionArn}'");
        }
        var now = clock.GetUtcNow();
        if (execution.Status == ExecutionStatus.Running)
        {
            _executions[request.ExecutionArn] = execution with { Status = ExecutionStatus.Aborted, StopDate = now, Error = request.Error, Cause = request.Cause };
        }
        return Task.FromResult(new StopExecutionResponse(now));
    }

    /// <summary>The execution ends on its own (the state machine reached a Fail or Succeed state).</summary>
    public void End(string executionArn, string status) =>
        _executions[executionArn] = _executions[executionArn] with { Status = status, StopDate = clock.GetUtcNow() };

    public Task<GetExecutionHistoryResponse> GetExecutionHistoryAsync(GetExecutionHistoryRequest request, CancellationToken cancellationToken = default)
    {
        Enter("GetExecutionHistory");
        return Task.FromResult(new GetExecutionHistoryResponse([], null));
    }

    public Task SendTaskSuccessAsync(SendTaskSuccessRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("SendTaskSuccess");
        Close(request.TaskToken);
        Succeeded.Add((request.TaskToken, request.Output));
        return Task.CompletedTask;
    }

    public Task SendTaskFailureAsync(SendTaskFailureRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("SendTaskFailure");
        Close(request.TaskToken);
        Failed.Add((request.TaskToken, request.Error));
        return Task.CompletedTask;
    }

    /// <summary>The task waiting on the token timed out (or its execution ended): answering it now fails.</summary>
    public void ExpireToken(string token) => _closedTokens.Add(token);

    private void Close(string token)
    {
        if (!_closedTokens.Add(token))
        {
            throw AwsErrors.Of(StepFunctionsErrors.TaskTimedOut, "Task Timed Out: 'Provided task does not exist anymore'");
        }
    }
}

/// <summary>EventBridge in memory: the events put, in order.</summary>
public sealed class FakeEventBridge : FakeService, IEventBridge
{
    private readonly List<PutEventsEntry> _events = [];

    public IReadOnlyList<PutEventsEntry> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public IEnumerable<string> DetailTypes => Events.Select(e => e.DetailType);

    public Task<PutEventsResponse> PutEventsAsync(IReadOnlyList<PutEventsEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        Enter("PutEvents");
        lock (_events)
        {
            _events.AddRange(entries);
        }
        return Task.FromResult(new PutEventsResponse(0, entries.Select(_ => new PutEventsResultEntry(Guid.NewGuid().ToString(), null, null)).ToArray()));
    }
}
