using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseCenter.Domain.Registry;

namespace ReleaseCenter.Api.Http;

// Wire shapes of api.md. Requests use nullable members so that missing fields reach validation
// (and get a field-named error) instead of failing inside the serializer.

public sealed record CreateModelRequest(string? Name, string? Project, string? Description, string? Owner, Dictionary<string, string>? Tags);

public sealed record DatasetDto(string? Name, string? Uri, string? Digest);

public sealed record InferenceConfigDto(string? InstanceType, int? InstanceCount);

/// <summary>Register a SageMaker model package as the next version (once per package).</summary>
public sealed record ImportVersionRequest(string? ModelPackageArn);

public sealed record CreateVersionRequest(
    string? ArtifactUri,
    string? ArtifactDigest,
    string? Framework,
    string? Image,
    string? TrainingRun,
    List<DatasetDto?>? Datasets,
    Dictionary<string, JsonElement>? Hyperparameters,
    Dictionary<string, double>? Metrics,
    InferenceConfigDto? InferenceConfig);

public sealed record ModelDto(
    string Name, string Project, string? Description, string? Owner, IReadOnlyDictionary<string, string> Tags,
    int LatestVersion, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static ModelDto From(Model m) => new(m.Name, m.Project, m.Description, m.Owner, m.Tags, m.LatestVersion, m.CreatedAt, m.CreatedBy);
}

public sealed record ModelVersionDto(
    string Model, int Version, string ArtifactUri, string ArtifactDigest, string? Framework, string? Image, string? TrainingRun,
    IReadOnlyList<DatasetDto> Datasets, IReadOnlyDictionary<string, JsonElement> Hyperparameters, IReadOnlyDictionary<string, double> Metrics,
    InferenceConfigDto? InferenceConfig, DateTimeOffset CreatedAt, string CreatedBy, IReadOnlyDictionary<string, string>? Lineage)
{
    /// <summary>The veto that stands on the version: absent when it may be released.</summary>
    public VetoDto? Veto { get; init; }

    public static ModelVersionDto From(ModelVersion v) => new(
        v.Model, v.Version, v.ArtifactUri, v.ArtifactDigest, v.Framework, v.Image, v.TrainingRun,
        v.Datasets.Select(d => new DatasetDto(d.Name, d.Uri, d.Digest)).ToArray(), v.Hyperparameters, v.Metrics,
        v.InferenceConfig is { } ic ? new InferenceConfigDto(ic.InstanceType, ic.InstanceCount) : null, v.CreatedAt, v.CreatedBy, v.Lineage)
    {
        Veto = v.Veto is { } veto ? new VetoDto(veto.Reason, veto.By, veto.At) : null,
    };
}

/// <summary>Who marked the version as bad, when, and why.</summary>
public sealed record VetoDto(string Reason, string By, DateTimeOffset At);

/// <summary>Marking a version as bad, or lifting the mark: why (1 to 2000 characters).</summary>
public sealed record VetoRequest(string? Reason);

public sealed record PageDto<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record HealthDto(string Status);

public sealed record TokenDto(string Token, DateTimeOffset ExpiresAt);

public sealed record LocalInfoDto(string AwsEndpoint, string Region, string TableName, string EventBusName, IReadOnlyDictionary<string, string> StateMachines);

/// <summary>
/// Every type that crosses the HTTP boundary. Unknown members are an error (api.md), and the
/// serializer is source-generated for Native AOT.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(CreateModelRequest))]
[JsonSerializable(typeof(CreateVersionRequest))]
[JsonSerializable(typeof(VetoRequest))]
[JsonSerializable(typeof(ImportVersionRequest))]
[JsonSerializable(typeof(ModelDto))]
[JsonSerializable(typeof(ModelVersionDto))]
[JsonSerializable(typeof(PageDto<ModelDto>))]
[JsonSerializable(typeof(PageDto<ModelVersionDto>))]
[JsonSerializable(typeof(HealthDto))]
[JsonSerializable(typeof(TokenDto))]
[JsonSerializable(typeof(LocalInfoDto))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.CreateReleaseRequest))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.ReleaseAcceptedDto))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.DecisionRequest))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.CancelRequest))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.ReleaseDto))]
[JsonSerializable(typeof(PageDto<ReleaseCenter.Api.Releases.ReleaseDto>))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.HistoryDto))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Releases.ApprovalState))]
[JsonSerializable(typeof(ReleaseCenter.Api.Releases.PendingApprovalsDto))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Releases.VoteEligibility))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Releases.TrafficSplit))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
