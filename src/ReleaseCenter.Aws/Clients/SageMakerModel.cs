using System.Text.Json.Serialization;

namespace ReleaseCenter.Aws.Clients;

// SageMaker speaks JSON 1.1 with PascalCase members; its error message member is "Message",
// which the SDK's error parser reads as well as "message".

public static class EndpointStatus
{
    public const string Creating = "Creating";
    public const string Updating = "Updating";
    public const string SystemUpdating = "SystemUpdating";
    public const string RollingBack = "RollingBack";
    public const string InService = "InService";
    public const string OutOfService = "OutOfService";
    public const string Deleting = "Deleting";
    public const string Failed = "Failed";
    public const string UpdateRollbackFailed = "UpdateRollbackFailed";
}

public static class TrafficRoutingType
{
    public const string AllAtOnce = "ALL_AT_ONCE";
    public const string Canary = "CANARY";
    public const string Linear = "LINEAR";
}

public static class CapacitySizeType
{
    public const string InstanceCount = "INSTANCE_COUNT";
    public const string CapacityPercent = "CAPACITY_PERCENT";
}

public static class SageMakerErrors
{
    /// <summary>SageMaker answers a missing endpoint, model or config with this code, not ResourceNotFound.</summary>
    public const string Validation = "ValidationException";
    public const string ResourceInUse = "ResourceInUse";
    public const string ResourceLimitExceeded = "ResourceLimitExceeded";
}

/// <summary>Image: ECR URI. ModelDataUrl: S3 URI of model.tar.gz. Environment: container variables.</summary>
public sealed record ContainerDefinition(string Image)
{
    public string? ModelDataUrl { get; init; }
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

public sealed record CreateModelRequest(string ModelName, string ExecutionRoleArn, ContainerDefinition PrimaryContainer)
{
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record CreateModelResponse(string ModelArn);

public sealed record DescribeModelResponse(string ModelName, string ModelArn, ContainerDefinition? PrimaryContainer);

public sealed record ProductionVariant(string VariantName, string ModelName, int InitialInstanceCount, string InstanceType)
{
    public float? InitialVariantWeight { get; init; }
}

public sealed record CreateEndpointConfigRequest(string EndpointConfigName, IReadOnlyList<ProductionVariant> ProductionVariants)
{
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record CreateEndpointConfigResponse(string EndpointConfigArn);

public sealed record CreateEndpointRequest(string EndpointName, string EndpointConfigName)
{
    public DeploymentConfig? DeploymentConfig { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record CreateEndpointResponse(string EndpointArn);

public sealed record UpdateEndpointRequest(string EndpointName, string EndpointConfigName)
{
    public DeploymentConfig? DeploymentConfig { get; init; }

    /// <summary>True keeps the deployment config of the previous update when none is given.</summary>
    public bool? RetainDeploymentConfig { get; init; }
}

public sealed record UpdateEndpointResponse(string EndpointArn);

public sealed record DeploymentConfig
{
    public BlueGreenUpdatePolicy? BlueGreenUpdatePolicy { get; init; }
    public AutoRollbackConfiguration? AutoRollbackConfiguration { get; init; }
}

public sealed record BlueGreenUpdatePolicy(TrafficRoutingConfiguration TrafficRoutingConfiguration)
{
    public int? TerminationWaitInSeconds { get; init; }
    public int? MaximumExecutionTimeoutInSeconds { get; init; }
}

/// <summary>CanarySize goes with CANARY, LinearStepSize with LINEAR.</summary>
public sealed record TrafficRoutingConfiguration(string Type, int WaitIntervalInSeconds)
{
    public CapacitySize? CanarySize { get; init; }
    public CapacitySize? LinearStepSize { get; init; }
}

public sealed record CapacitySize(string Type, int Value);

public sealed record AutoRollbackConfiguration(IReadOnlyList<AlarmReference> Alarms);

public sealed record AlarmReference(string AlarmName);

public sealed record DescribeEndpointResponse(
    string EndpointName,
    string EndpointArn,
    string? EndpointConfigName,
    IReadOnlyList<ProductionVariantSummary>? ProductionVariants,
    string EndpointStatus,
    string? FailureReason,
    DateTimeOffset CreationTime,
    DateTimeOffset LastModifiedTime,
    DeploymentConfig? LastDeploymentConfig)
{
    /// <summary>The blue/green deployment in progress, while the endpoint is Updating to a new config; null otherwise.</summary>
    public PendingDeploymentSummary? PendingDeploymentSummary { get; init; }
}

public sealed record ProductionVariantSummary(
    string VariantName, float? CurrentWeight, float? DesiredWeight, int? CurrentInstanceCount, int? DesiredInstanceCount);

/// <summary>
/// A deployment in progress: the new endpoint config (green) and its variants. During a canary or
/// linear shift, their CurrentWeight is the share of traffic green takes now, while the endpoint's
/// own ProductionVariants (blue, still its EndpointConfigName) carry the rest.
/// </summary>
public sealed record PendingDeploymentSummary(
    string EndpointConfigName, IReadOnlyList<PendingProductionVariantSummary>? ProductionVariants, DateTimeOffset? StartTime);

/// <summary>One variant of the new endpoint config in a deployment in progress.</summary>
public sealed record PendingProductionVariantSummary(
    string VariantName, float? CurrentWeight, float? DesiredWeight, int? CurrentInstanceCount, int? DesiredInstanceCount);

public sealed record DescribeEndpointConfigResponse(
    string EndpointConfigName, string EndpointConfigArn, IReadOnlyList<ProductionVariant> ProductionVariants, DateTimeOffset CreationTime);

public static class PipelineExecutionStatus
{
    public const string Executing = "Executing";
    public const string Stopping = "Stopping";
    public const string Stopped = "Stopped";
    public const string Failed = "Failed";
    public const string Succeeded = "Succeeded";
}

public sealed record CreatePipelineRequest(string PipelineName, string PipelineDefinition, string RoleArn)
{
    public string? PipelineDescription { get; init; }
}

public sealed record UpdatePipelineRequest(string PipelineName, string PipelineDefinition, string RoleArn);

public sealed record CreatePipelineResponse(string PipelineArn);

public sealed record PipelineParameter(string Name, string Value);

public sealed record StartPipelineExecutionRequest(string PipelineName, string ClientRequestToken)
{
    public IReadOnlyList<PipelineParameter>? PipelineParameters { get; init; }
    public string? PipelineExecutionDisplayName { get; init; }
}

public sealed record StartPipelineExecutionResponse(string PipelineExecutionArn);

public sealed record DescribePipelineExecutionResponse(string PipelineExecutionArn, string PipelineExecutionStatus)
{
    public string? FailureReason { get; init; }
    public DateTimeOffset? CreationTime { get; init; }
}

public sealed record ModelPackageSummary(string ModelPackageArn)
{
    public DateTimeOffset? CreationTime { get; init; }
}

public sealed record ListModelPackagesResponse(IReadOnlyList<ModelPackageSummary> ModelPackageSummaryList);

public sealed record ModelPackageContainer(string Image)
{
    public string? ModelDataUrl { get; init; }

    /// <summary>The machine learning framework of the model's image (for example XGBOOST, PYTORCH), when the package says.</summary>
    public string? Framework { get; init; }

    public string? FrameworkVersion { get; init; }
}

public sealed record InferenceSpecification(IReadOnlyList<ModelPackageContainer> Containers)
{
    public IReadOnlyList<string>? SupportedRealtimeInferenceInstanceTypes { get; init; }
}

public sealed record MetadataProperties
{
    /// <summary>Set by SageMaker Pipelines to the execution that registered the package.</summary>
    public string? GeneratedBy { get; init; }

    public string? ProjectId { get; init; }
    public string? Repository { get; init; }
    public string? CommitId { get; init; }
}

/// <summary>Where a metrics report is (S3) and its content type.</summary>
public sealed record MetricsSource(string S3Uri)
{
    public string? ContentType { get; init; }
}

public sealed record ModelQuality
{
    public MetricsSource? Statistics { get; init; }
}

public sealed record ModelMetrics
{
    public ModelQuality? ModelQuality { get; init; }
}

public sealed record DescribeModelPackageResponse(string ModelPackageArn)
{
    public string? ModelPackageGroupName { get; init; }
    public int? ModelPackageVersion { get; init; }
    public string? ModelPackageDescription { get; init; }

    /// <summary>Pending, InProgress, Completed, Failed or Deleting; only a Completed package is usable.</summary>
    public string? ModelPackageStatus { get; init; }

    /// <summary>Approved, Rejected or PendingManualApproval.</summary>
    public string? ModelApprovalStatus { get; init; }

    public string? ApprovalDescription { get; init; }
    public InferenceSpecification? InferenceSpecification { get; init; }
    public MetadataProperties? MetadataProperties { get; init; }
    public ModelMetrics? ModelMetrics { get; init; }
    public IReadOnlyDictionary<string, string>? CustomerMetadataProperties { get; init; }
}

/// <summary>The approval statuses of a model package in SageMaker's Model Registry.</summary>
public static class ModelApprovalStatus
{
    public const string Approved = "Approved";
    public const string Rejected = "Rejected";
    public const string PendingManualApproval = "PendingManualApproval";
}

public sealed record UpdateModelPackageRequest(string ModelPackageArn, string ModelApprovalStatus, string ApprovalDescription);

public sealed record ModelPackageArnResponse(string ModelPackageArn);

public sealed record CreateModelPackageGroupRequest(string ModelPackageGroupName, string ModelPackageGroupDescription);

public sealed record CreateModelPackageGroupResponse(string ModelPackageGroupArn);

public sealed record CreateModelPackageRequest(string ModelPackageGroupName, InferenceSpecification InferenceSpecification)
{
    public string? ModelPackageDescription { get; init; }
    public string? ModelApprovalStatus { get; init; }
    public MetadataProperties? MetadataProperties { get; init; }
    public ModelMetrics? ModelMetrics { get; init; }
    public IReadOnlyDictionary<string, string>? CustomerMetadataProperties { get; init; }
}

internal sealed record PipelineExecutionArnRequest(string PipelineExecutionArn);

internal sealed record StopPipelineExecutionRequest(string PipelineExecutionArn, string ClientRequestToken);

public sealed record StopPipelineExecutionResponse(string PipelineExecutionArn);

internal sealed record ListModelPackagesRequest(string ModelPackageGroupName, string SortBy, string SortOrder, int MaxResults);

internal sealed record ModelPackageNameRequest(string ModelPackageName);

internal sealed record EndpointNameRequest(string EndpointName);

internal sealed record ModelNameRequest(string ModelName);

internal sealed record EndpointConfigNameRequest(string EndpointConfigName);

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateModelRequest))]
[JsonSerializable(typeof(CreateModelResponse))]
[JsonSerializable(typeof(ModelNameRequest))]
[JsonSerializable(typeof(DescribeModelResponse))]
[JsonSerializable(typeof(CreateEndpointConfigRequest))]
[JsonSerializable(typeof(CreateEndpointConfigResponse))]
[JsonSerializable(typeof(CreateEndpointRequest))]
[JsonSerializable(typeof(CreateEndpointResponse))]
[JsonSerializable(typeof(UpdateEndpointRequest))]
[JsonSerializable(typeof(UpdateEndpointResponse))]
[JsonSerializable(typeof(EndpointNameRequest))]
[JsonSerializable(typeof(DescribeEndpointResponse))]
[JsonSerializable(typeof(EndpointConfigNameRequest))]
[JsonSerializable(typeof(DescribeEndpointConfigResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(CreatePipelineRequest))]
[JsonSerializable(typeof(UpdatePipelineRequest))]
[JsonSerializable(typeof(CreatePipelineResponse))]
[JsonSerializable(typeof(StartPipelineExecutionRequest))]
[JsonSerializable(typeof(StartPipelineExecutionResponse))]
[JsonSerializable(typeof(PipelineExecutionArnRequest))]
[JsonSerializable(typeof(DescribePipelineExecutionResponse))]
[JsonSerializable(typeof(StopPipelineExecutionRequest))]
[JsonSerializable(typeof(StopPipelineExecutionResponse))]
[JsonSerializable(typeof(ListModelPackagesRequest))]
[JsonSerializable(typeof(ListModelPackagesResponse))]
[JsonSerializable(typeof(ModelPackageNameRequest))]
[JsonSerializable(typeof(DescribeModelPackageResponse))]
[JsonSerializable(typeof(UpdateModelPackageRequest))]
[JsonSerializable(typeof(ModelPackageArnResponse))]
[JsonSerializable(typeof(CreateModelPackageGroupRequest))]
[JsonSerializable(typeof(CreateModelPackageGroupResponse))]
[JsonSerializable(typeof(CreateModelPackageRequest))]
internal sealed partial class SageMakerJsonContext : JsonSerializerContext;
