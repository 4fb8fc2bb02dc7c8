using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Functions.Tests.Fakes;

/// <summary>
/// SageMaker in memory: models, endpoint configs and endpoints with their real name rules (a name is
/// taken once; a missing one is ValidationException), and pipelines. An update switches at once unless
/// <see cref="HoldUpdates"/>: then the endpoint stays Updating on its old config, with the new one
/// pending, until <see cref="FinishUpdate"/> or <see cref="AutoRollBack"/>.
/// </summary>
public sealed class FakeSageMaker(TimeProvider clock) : FakeService, ISageMaker
{
    private readonly Dictionary<string, DescribeModelResponse> _models = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DescribeEndpointConfigResponse> _configs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DescribeEndpointResponse> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DescribePipelineExecutionResponse> _pipelines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DescribeModelPackageResponse> _packages = new(StringComparer.Ordinal);

    public bool HoldUpdates { get; set; }

    public IReadOnlyDictionary<string, DescribeEndpointResponse> Endpoints => _endpoints;

    public IReadOnlyDictionary<string, DescribeModelResponse> Models => _models;

    /// <summary>Pipeline executions started, by ARN, with the token they were started with.</summary>
    public Dictionary<string, string> PipelineTokens { get; } = new(StringComparer.Ordinal);

    public Task<CreateModelResponse> CreateModelAsync(CreateModelRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("CreateModel");
        if (_models.ContainsKey(request.ModelName))
        {
            throw AwsErrors.Of(SageMakerErrors.Validation, $"Cannot create already existing model \"{request.ModelName}\".");
        }
        _models[request.ModelName] = new DescribeModelResponse(request.ModelName, Arn("model", request.ModelName), request.PrimaryContainer);
        return Task.FromResult(new CreateModelResponse(Arn("model", request.ModelName)));
    }

    public Task<DescribeModelResponse> DescribeModelAsync(string modelName, CancellationToken cancellationToken = default)
    {
        Enter("DescribeModel");
        return Task.FromResult(_models.TryGetValue(modelName, out var model) ? model : throw Missing("model", modelName));
    }

    public Task<CreateEndpointConfigResponse> CreateEndpointConfigAsync(CreateEndpointConfigRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("CreateEndpointConfig");
        if (_configs.ContainsKey(request.EndpointConfigName))
        {
            throw AwsErrors.Of(SageMakerErrors.Validation, $"Cannot create already existing endpoint configuration \"{request.EndpointConfigName}\".");
        }
        _configs[request.EndpointConfigName] = new DescribeEndpointConfigResponse(request.EndpointConfigName, Arn("endpoint-config", request.EndpointConfigName),
            request.ProductionVariants, clock.GetUtcNow());
        return Task.FromResult(new CreateEndpointConfigResponse(Arn("endpoint-config", request.EndpointConfigName)));
    }

    public Task<DescribeEndpointConfigResponse> DescribeEndpointConfigAsync(string endpointConfigName, CancellationToken cancellationToken = default)
    {
        Enter("DescribeEndpointConfig");
        return Task.FromResult(_configs.TryGetValue(endpointConfigName, out var config) ? config : throw Missing("endpoint configuration", endpointConfigName));
    }

    public Task<CreateEndpointResponse> CreateEndpointAsync(CreateEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("CreateEndpoint");
        if (_endpoints.ContainsKey(request.EndpointName))
        {
            throw AwsErrors.Of(SageMakerErrors.Validation, $"Cannot create already existing endpoint \"{request.EndpointName}\".");
        }
        if (!_configs.ContainsKey(request.EndpointConfigName))
        {
            throw Missing("endpoint configuration", request.EndpointConfigName);
        }
        var now = clock.GetUtcNow();
        _endpoints[request.EndpointName] = new DescribeEndpointResponse(request.EndpointName, Arn("endpoint", request.EndpointName), request.EndpointConfigName,
            null, EndpointStatus.InService, null, now, now, request.DeploymentConfig);
        return Task.FromResult(new CreateEndpointResponse(Arn("endpoint", request.EndpointName)));
    }

    public Task<UpdateEndpointResponse> UpdateEndpointAsync(UpdateEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("UpdateEndpoint");
        var endpoint = _endpoints.TryGetValue(request.EndpointName, out var e) ? e : throw Missing("endpoint", request.EndpointName);
        if (!_configs.ContainsKey(request.EndpointConfigName))
        {
            throw Missing("endpoint configuration", request.EndpointConfigName);
        }
        if (endpoint.EndpointStatus != EndpointStatus.InService)
        {
            throw AwsErrors.Of(SageMakerErrors.Validation, $"Cannot update in-progress endpoint \"{endpoint.EndpointArn}\".");
        }
        var now = clock.GetUtcNow();
        _endpoints[request.EndpointName] = HoldUpdates
            ? endpoint with
            {
                EndpointStatus = EndpointStatus.Updating,
                LastModifiedTime = now,
                PendingDeploymentSummary = new PendingDeploymentSummary(request.EndpointConfigName, null, now),
            }
            : endpoint with { EndpointConfigName = request.EndpointConfigName, LastModifiedTime = now, LastDeploymentConfig = request.DeploymentConfig };
        return Task.FromResult(new UpdateEndpointResponse(endpoint.EndpointArn));
    }

    public Task<DescribeEndpointResponse> DescribeEndpointAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        Enter("DescribeEndpoint");
        return Task.FromResult(_endpoints.TryGetValue(endpointName, out var endpoint) ? endpoint : throw Missing("endpoint", endpointName));
    }

    public Task DeleteEndpointAsync(string endpointName, CancellationToken cancellationToken = default)
    {
        Enter("DeleteEndpoint");
        return _endpoints.Remove(endpointName) ? Task.CompletedTask : throw Missing("endpoint", endpointName);
    }

    /// <summary>The held update ends: the pending config serves.</summary>
    public void FinishUpdate(string endpointName)
    {
        var endpoint = _endpoints[endpointName];
        _endpoints[endpointName] = endpoint with
        {
            EndpointStatus = EndpointStatus.InService,
            EndpointConfigName = endpoint.PendingDeploymentSummary!.EndpointConfigName,
            PendingDeploymentSummary = null,
        };
    }

    /// <summary>What SageMaker's AutoRollbackConfiguration does when an alarm goes off: the held update is undone, the old config serves.</summary>
    public void AutoRollBack(string endpointName, string reason)
    {
        var endpoint = _endpoints[endpointName];
        _endpoints[endpointName] = endpoint with { EndpointStatus = EndpointStatus.InService, PendingDeploymentSummary = null, FailureReason = reason };
    }

    public Task<StartPipelineExecutionResponse> StartPipelineExecutionAsync(StartPipelineExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("StartPipelineExecution");
        // ClientRequestToken makes the start idempotent: the same token answers the same execution.
        var existing = PipelineTokens.FirstOrDefault(p => p.Value == request.ClientRequestToken).Key;
        if (existing is not null)
        {
            return Task.FromResult(new StartPipelineExecutionResponse(existing));
        }
        var arn = Arn("pipeline", $"{request.PipelineName}/execution/{PipelineTokens.Count + 1}");
        PipelineTokens[arn] = request.ClientRequestToken;
        _pipelines[arn] = new DescribePipelineExecutionResponse(arn, PipelineExecutionStatus.Executing) { CreationTime = clock.GetUtcNow() };
        return Task.FromResult(new StartPipelineExecutionResponse(arn));
    }

    public Task<DescribePipelineExecutionResponse> DescribePipelineExecutionAsync(string pipelineExecutionArn, CancellationToken cancellationToken = default)
    {
        Enter("DescribePipelineExecution");
        return Task.FromResult(_pipelines.TryGetValue(pipelineExecutionArn, out var execution) ? execution : throw Missing("pipeline execution", pipelineExecutionArn));
    }

    public Task<StopPipelineExecutionResponse> StopPipelineExecutionAsync(string pipelineExecutionArn, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        Enter("StopPipelineExecution");
        var execution = _pipelines.TryGetValue(pipelineExecutionArn, out var e) ? e : throw Missing("pipeline execution", pipelineExecutionArn);
        _pipelines[pipelineExecutionArn] = execution with { PipelineExecutionStatus = PipelineExecutionStatus.Stopping };
        return Task.FromResult(new StopPipelineExecutionResponse(pipelineExecutionArn));
    }

    public void SetPipelineStatus(string pipelineExecutionArn, string status) =>
        _pipelines[pipelineExecutionArn] = _pipelines[pipelineExecutionArn] with { PipelineExecutionStatus = status };

    public void AddModelPackage(string group, DescribeModelPackageResponse package)
    {
        ArgumentNullException.ThrowIfNull(package);
        _packages[package.ModelPackageArn] = package with { ModelPackageGroupName = group };
    }

    public Task<ListModelPackagesResponse> ListModelPackagesAsync(string modelPackageGroupName, CancellationToken cancellationToken = default)
    {
        Enter("ListModelPackages");
        return Task.FromResult(new ListModelPackagesResponse(_packages.Values.Where(p => p.ModelPackageGroupName == modelPackageGroupName)
            .Select(p => new ModelPackageSummary(p.ModelPackageArn)).Reverse().ToArray()));
    }

    public Task<DescribeModelPackageResponse> DescribeModelPackageAsync(string modelPackageArn, CancellationToken cancellationToken = default)
    {
        Enter("DescribeModelPackage");
        return Task.FromResult(_packages.TryGetValue(modelPackageArn, out var package) ? package : throw Missing("model package", modelPackageArn));
    }

    public Task<ModelPackageArnResponse> UpdateModelPackageAsync(UpdateModelPackageRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Enter("UpdateModelPackage");
        if (!_packages.TryGetValue(request.ModelPackageArn, out var package))
        {
            throw Missing("model package", request.ModelPackageArn);
        }
        _packages[request.ModelPackageArn] = package with { ModelApprovalStatus = request.ModelApprovalStatus, ApprovalDescription = request.ApprovalDescription };
        return Task.FromResult(new ModelPackageArnResponse(request.ModelPackageArn));
    }

    private static string Arn(string type, string name) => $"arn:aws:sagemaker:us-east-1:123456789012:{type}/{name.ToLowerInvariant()}";

    private static Amazon.Runtime.AmazonServiceException Missing(string what, string name) =>
        AwsErrors.Of(SageMakerErrors.Validation, $"Could not find {what} \"{name}\".");
}
