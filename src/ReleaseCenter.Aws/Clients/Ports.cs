namespace ReleaseCenter.Aws.Clients;

// The ports in front of the AWS services the use cases call. The clients in this folder implement
// them against AWS (or the emulator); tests/ReleaseCenter.Functions.Tests has in-memory fakes, so each
// use case can also be tested fast, without the emulator. Errors are AmazonServiceException with
// the service's own error code, whichever side answers.

/// <summary>The SageMaker operations a release, a rollback and a retrain use.</summary>
public interface ISageMaker
{
    Task<CreateModelResponse> CreateModelAsync(CreateModelRequest request, CancellationToken cancellationToken = default);

    Task<DescribeModelResponse> DescribeModelAsync(string modelName, CancellationToken cancellationToken = default);

    Task<CreateEndpointConfigResponse> CreateEndpointConfigAsync(CreateEndpointConfigRequest request, CancellationToken cancellationToken = default);

    Task<DescribeEndpointConfigResponse> DescribeEndpointConfigAsync(string endpointConfigName, CancellationToken cancellationToken = default);

    Task<CreateEndpointResponse> CreateEndpointAsync(CreateEndpointRequest request, CancellationToken cancellationToken = default);

    Task<UpdateEndpointResponse> UpdateEndpointAsync(UpdateEndpointRequest request, CancellationToken cancellationToken = default);

    Task<DescribeEndpointResponse> DescribeEndpointAsync(string endpointName, CancellationToken cancellationToken = default);

    Task DeleteEndpointAsync(string endpointName, CancellationToken cancellationToken = default);

    Task<StartPipelineExecutionResponse> StartPipelineExecutionAsync(StartPipelineExecutionRequest request, CancellationToken cancellationToken = default);

    Task<DescribePipelineExecutionResponse> DescribePipelineExecutionAsync(string pipelineExecutionArn, CancellationToken cancellationToken = default);

    Task<StopPipelineExecutionResponse> StopPipelineExecutionAsync(string pipelineExecutionArn, string clientRequestToken, CancellationToken cancellationToken = default);

    Task<ListModelPackagesResponse> ListModelPackagesAsync(string modelPackageGroupName, CancellationToken cancellationToken = default);

    Task<DescribeModelPackageResponse> DescribeModelPackageAsync(string modelPackageArn, CancellationToken cancellationToken = default);

    Task<ModelPackageArnResponse> UpdateModelPackageAsync(UpdateModelPackageRequest request, CancellationToken cancellationToken = default);
}

/// <summary>The Step Functions operations the use cases call: start, look at and stop executions; answer task tokens.</summary>
public interface IStepFunctions
{
    Task<StartExecutionResponse> StartExecutionAsync(StartExecutionRequest request, CancellationToken cancellationToken = default);

    Task<DescribeExecutionResponse> DescribeExecutionAsync(string executionArn, CancellationToken cancellationToken = default);

    Task<StopExecutionResponse> StopExecutionAsync(StopExecutionRequest request, CancellationToken cancellationToken = default);

    Task<GetExecutionHistoryResponse> GetExecutionHistoryAsync(GetExecutionHistoryRequest request, CancellationToken cancellationToken = default);

    Task SendTaskSuccessAsync(SendTaskSuccessRequest request, CancellationToken cancellationToken = default);

    Task SendTaskFailureAsync(SendTaskFailureRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Putting events on a bus.</summary>
public interface IEventBridge
{
    Task<PutEventsResponse> PutEventsAsync(IReadOnlyList<PutEventsEntry> entries, CancellationToken cancellationToken = default);
}
