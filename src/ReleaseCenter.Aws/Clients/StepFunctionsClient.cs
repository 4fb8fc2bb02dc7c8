namespace ReleaseCenter.Aws.Clients;

/// <summary>The Step Functions operations the product uses. Errors surface as AmazonServiceException (see <see cref="StepFunctionsErrors"/>).</summary>
public sealed class StepFunctionsClient(AwsClientOptions? options = null)
    : AwsJsonServiceClient(AwsJsonService.StepFunctions, options), IStepFunctions
{
    private static StepFunctionsJsonContext Json => StepFunctionsJsonContext.Default;

    public Task<CreateStateMachineResponse> CreateStateMachineAsync(
        CreateStateMachineRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateStateMachine", request, Json.CreateStateMachineRequest, Json.CreateStateMachineResponse, cancellationToken);

    public Task<UpdateStateMachineResponse> UpdateStateMachineAsync(
        UpdateStateMachineRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("UpdateStateMachine", request, Json.UpdateStateMachineRequest, Json.UpdateStateMachineResponse, cancellationToken);

    public Task<DescribeStateMachineResponse> DescribeStateMachineAsync(
        string stateMachineArn, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeStateMachine", new StateMachineArnRequest(stateMachineArn),
            Json.StateMachineArnRequest, Json.DescribeStateMachineResponse, cancellationToken);

    public Task<ListStateMachinesResponse> ListStateMachinesAsync(
        string? nextToken = null, int? maxResults = null, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("ListStateMachines", new ListStateMachinesRequest(maxResults, nextToken),
            Json.ListStateMachinesRequest, Json.ListStateMachinesResponse, cancellationToken);

    /// <summary>Pages through ListStateMachines; null when no state machine has this name.</summary>
    public async Task<StateMachineListItem?> FindStateMachineByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        string? nextToken = null;
        do
        {
            var page = await ListStateMachinesAsync(nextToken, 1000, cancellationToken).ConfigureAwait(false);
            var match = page.StateMachines?.FirstOrDefault(machine => machine.Name == name);
            if (match is not null)
            {
                return match;
            }
            nextToken = page.NextToken;
        }
        while (!string.IsNullOrEmpty(nextToken));
        return null;
    }

    public Task<StartExecutionResponse> StartExecutionAsync(
        StartExecutionRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("StartExecution", request, Json.StartExecutionRequest, Json.StartExecutionResponse, cancellationToken);

    /// <summary>One page of a state machine's executions, newest first; <paramref name="statusFilter"/> is an <see cref="ExecutionStatus"/>.</summary>
    public Task<ListExecutionsResponse> ListExecutionsAsync(string stateMachineArn, string? statusFilter = null, string? nextToken = null,
        int? maxResults = null, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("ListExecutions", new ListExecutionsRequest(stateMachineArn, statusFilter, maxResults, nextToken),
            Json.ListExecutionsRequest, Json.ListExecutionsResponse, cancellationToken);

    public Task<DescribeExecutionResponse> DescribeExecutionAsync(
        string executionArn, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeExecution", new ExecutionArnRequest(executionArn),
            Json.ExecutionArnRequest, Json.DescribeExecutionResponse, cancellationToken);

    public Task<StopExecutionResponse> StopExecutionAsync(
        StopExecutionRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("StopExecution", request, Json.StopExecutionRequest, Json.StopExecutionResponse, cancellationToken);

    public Task<GetExecutionHistoryResponse> GetExecutionHistoryAsync(
        GetExecutionHistoryRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("GetExecutionHistory", request, Json.GetExecutionHistoryRequest, Json.GetExecutionHistoryResponse, cancellationToken);

    public Task SendTaskSuccessAsync(SendTaskSuccessRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("SendTaskSuccess", request, Json.SendTaskSuccessRequest, Json.EmptyResponse, cancellationToken);

    public Task SendTaskFailureAsync(SendTaskFailureRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("SendTaskFailure", request, Json.SendTaskFailureRequest, Json.EmptyResponse, cancellationToken);

    public Task SendTaskHeartbeatAsync(string taskToken, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("SendTaskHeartbeat", new TaskTokenRequest(taskToken), Json.TaskTokenRequest, Json.EmptyResponse, cancellationToken);
}
