namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// The SageMaker operations the product uses. Errors surface as AmazonServiceException; a missing
/// endpoint or config is ErrorCode ValidationException (see <see cref="SageMakerErrors"/>).
/// </summary>
public sealed class SageMakerClient(AwsClientOptions? options = null)
    : AwsJsonServiceClient(AwsJsonService.SageMaker, options), ISageMaker
{
    private static SageMakerJsonContext Json => SageMakerJsonContext.Default;

    public Task<CreateModelResponse> CreateModelAsync(CreateModelRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateModel", request, Json.CreateModelRequest, Json.CreateModelResponse, cancellationToken);

    public Task<DescribeModelResponse> DescribeModelAsync(string modelName, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeModel", new ModelNameRequest(modelName), Json.ModelNameRequest, Json.DescribeModelResponse, cancellationToken);

    public Task<CreateEndpointConfigResponse> CreateEndpointConfigAsync(
        CreateEndpointConfigRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateEndpointConfig", request, Json.CreateEndpointConfigRequest, Json.CreateEndpointConfigResponse, cancellationToken);

    public Task<CreateEndpointResponse> CreateEndpointAsync(CreateEndpointRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateEndpoint", request, Json.CreateEndpointRequest, Json.CreateEndpointResponse, cancellationToken);

    /// <summary>Starts a (blue/green) deployment to another endpoint config; poll DescribeEndpoint for its end.</summary>
    public Task<UpdateEndpointResponse> UpdateEndpointAsync(UpdateEndpointRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("UpdateEndpoint", request, Json.UpdateEndpointRequest, Json.UpdateEndpointResponse, cancellationToken);

    public Task<DescribeEndpointResponse> DescribeEndpointAsync(string endpointName, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeEndpoint", new EndpointNameRequest(endpointName),
            Json.EndpointNameRequest, Json.DescribeEndpointResponse, cancellationToken);

    public Task<DescribeEndpointConfigResponse> DescribeEndpointConfigAsync(
        string endpointConfigName, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeEndpointConfig", new EndpointConfigNameRequest(endpointConfigName),
            Json.EndpointConfigNameRequest, Json.DescribeEndpointConfigResponse, cancellationToken);

    public Task DeleteEndpointAsync(string endpointName, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DeleteEndpoint", new EndpointNameRequest(endpointName),
            Json.EndpointNameRequest, Json.EmptyResponse, cancellationToken);

    // ---- pipelines and model packages (the retraining loop)

    public Task<CreatePipelineResponse> CreatePipelineAsync(CreatePipelineRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreatePipeline", request, Json.CreatePipelineRequest, Json.CreatePipelineResponse, cancellationToken);

    public Task<CreatePipelineResponse> UpdatePipelineAsync(UpdatePipelineRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("UpdatePipeline", request, Json.UpdatePipelineRequest, Json.CreatePipelineResponse, cancellationToken);

    /// <summary>Starts a pipeline execution; the same ClientRequestToken gives the same execution.</summary>
    public Task<StartPipelineExecutionResponse> StartPipelineExecutionAsync(StartPipelineExecutionRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("StartPipelineExecution", request, Json.StartPipelineExecutionRequest, Json.StartPipelineExecutionResponse, cancellationToken);

    public Task<DescribePipelineExecutionResponse> DescribePipelineExecutionAsync(string pipelineExecutionArn, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribePipelineExecution", new PipelineExecutionArnRequest(pipelineExecutionArn), Json.PipelineExecutionArnRequest,
            Json.DescribePipelineExecutionResponse, cancellationToken);

    /// <summary>Asks a pipeline execution to stop (Stopping, then Stopped); the same ClientRequestToken makes a repeat harmless.</summary>
    public Task<StopPipelineExecutionResponse> StopPipelineExecutionAsync(string pipelineExecutionArn, string clientRequestToken, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("StopPipelineExecution", new StopPipelineExecutionRequest(pipelineExecutionArn, clientRequestToken), Json.StopPipelineExecutionRequest,
            Json.StopPipelineExecutionResponse, cancellationToken);

    /// <summary>A group's model packages, newest first.</summary>
    public Task<ListModelPackagesResponse> ListModelPackagesAsync(string modelPackageGroupName, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("ListModelPackages", new ListModelPackagesRequest(modelPackageGroupName, "CreationTime", "Descending", 100), Json.ListModelPackagesRequest,
            Json.ListModelPackagesResponse, cancellationToken);

    public Task<DescribeModelPackageResponse> DescribeModelPackageAsync(string modelPackageArn, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeModelPackage", new ModelPackageNameRequest(modelPackageArn), Json.ModelPackageNameRequest,
            Json.DescribeModelPackageResponse, cancellationToken);

    /// <summary>Sets a package's approval status in the Model Registry (SageMaker Studio shows it, with the description).</summary>
    public Task<ModelPackageArnResponse> UpdateModelPackageAsync(UpdateModelPackageRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("UpdateModelPackage", request, Json.UpdateModelPackageRequest, Json.ModelPackageArnResponse, cancellationToken);

    public Task<CreateModelPackageGroupResponse> CreateModelPackageGroupAsync(CreateModelPackageGroupRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateModelPackageGroup", request, Json.CreateModelPackageGroupRequest, Json.CreateModelPackageGroupResponse, cancellationToken);

    /// <summary>Registers a versioned model package in a group (what a training pipeline's RegisterModel step does).</summary>
    public Task<ModelPackageArnResponse> CreateModelPackageAsync(CreateModelPackageRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateModelPackage", request, Json.CreateModelPackageRequest, Json.ModelPackageArnResponse, cancellationToken);
}
