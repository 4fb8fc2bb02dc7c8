using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Functions.Rollbacks;

namespace ReleaseCenter.Api.Environments;

/// <summary>A deployment: a release (or a rollback to one) that made a model version live on an endpoint.</summary>
public sealed record DeploymentDto(
    string Model, string Release, int Version, string EndpointName, string EndpointConfigName, DateTimeOffset DeployedAt, string Kind,
    string? RollbackId, string? ReplacedRelease)
{
    public static DeploymentDto From(LiveDeployment d) => new(d.Model, d.ReleaseId, d.Version, d.EndpointName, d.EndpointConfigName, d.DeployedAt, d.Kind,
        d.RollbackId, d.ReplacedRelease);
}

/// <summary>An environment's release and rollback policy, as configured.</summary>
public sealed record EnvironmentPolicyDto(int RequiredApprovals, IReadOnlyList<string> ApproverGroups, int BakeSeconds, string InstanceType,
    int RollbackRequiredApprovals, IReadOnlyList<string> RollbackApproverGroups)
{
    /// <summary>How long a stage waits for approval before it expires.</summary>
    public int ApprovalTimeoutSeconds { get; init; }

    /// <summary>How a deployment shifts traffic: all-at-once, canary or linear, with its step and wait.</summary>
    public DeploymentStrategyDto Deployment { get; init; } = new("all-at-once", null, null, 0);

    /// <summary>How long a release must have been live in the environment before this one in its path before it may enter this one.</summary>
    public int RequiredSoakSeconds { get; init; }
}

/// <summary>The environment's traffic shifting (config/environments.json "deployment").</summary>
public sealed record DeploymentStrategyDto(string Strategy, int? CanaryPercent, int? LinearStepPercent, int WaitIntervalSeconds)
{
    public static DeploymentStrategyDto From(ReleaseCenter.Domain.Releases.DeploymentStrategy s)
    {
        var summary = ReleaseCenter.Domain.Releases.StrategySummary.From(s);
        return new(summary.Strategy, summary.CanaryPercent, summary.LinearStepPercent, summary.WaitIntervalSeconds);
    }
}

/// <summary>
/// GET /v1/environments item. <see cref="EndpointName"/>, <see cref="LiveRelease"/> and
/// <see cref="LiveVersion"/> describe the most recent deployment (of the model asked for, if any);
/// <see cref="Live"/> lists what is live for every model.
/// </summary>
public sealed record EnvironmentDto(
    string Name, int Order, string? EndpointName, string? LiveRelease, int? LiveVersion, string? LockedBy, DeploymentDto? LastDeployment,
    IReadOnlyList<DeploymentDto> Live, EnvironmentPolicyDto Policy)
{
    /// <summary>The freeze that holds the environment now: releases wait at its door; absent when none holds.</summary>
    public FreezeDto? Freeze { get; init; }

    /// <summary>Endpoints changed outside Release Center and not yet reconciled: releases wait at the door while any stands.</summary>
    public IReadOnlyList<OutOfBandChangeDto> OutOfBandChanges { get; init; } = [];

    /// <summary>Models whose auto-promotion into the environment holds after a manual rollback, until someone lifts the hold.</summary>
    public IReadOnlyList<AutoPromotionHoldDto> Holds { get; init; } = [];

    /// <summary>Freezes of one project's releases in the environment (the environment's own is <see cref="Freeze"/>).</summary>
    public IReadOnlyList<FreezeDto> ProjectFreezes { get; init; } = [];
}

/// <summary>An environment's freeze: who, when, why, until when (null: until lifted), whether rollbacks may proceed.</summary>
public sealed record FreezeDto(string Environment, string Reason, string By, DateTimeOffset At, DateTimeOffset? Until, bool AllowRollbacks)
{
    public static FreezeDto From(Freeze f) => new(f.Environment, f.Reason, f.By, f.At, f.Until, f.AllowRollbacks) { Project = f.Project };

    /// <summary>The project whose releases it holds; absent for a freeze of the whole environment.</summary>
    public string? Project { get; init; }
}

/// <summary>An endpoint that serves something other than the record says (actualConfig null: the endpoint is gone).</summary>
public sealed record OutOfBandChangeDto(string Environment, string Model, string EndpointName, string RecordedConfig, string? ActualConfig, string LiveRelease,
    int LiveVersion, DateTimeOffset DetectedAt, string Description)
{
    public static OutOfBandChangeDto From(OutOfBandChange c) => new(c.Environment, c.Model, c.EndpointName, c.RecordedConfig, c.ActualConfig, c.LiveRelease,
        c.LiveVersion, c.DetectedAt, c.Describe());
}

/// <summary>A hold on auto-promotion after a manual rollback: which model, the rollback, who, when, why.</summary>
public sealed record AutoPromotionHoldDto(string Environment, string Model, string RollbackId, string By, DateTimeOffset At, string Reason, string Description)
{
    public static AutoPromotionHoldDto From(AutoPromotionHold h) => new(h.Environment, h.Model, h.RollbackId, h.By, h.At, h.Reason, h.Describe());
}

/// <summary>POST /v1/environments/{env}/out-of-band/{model}/reconcile: "adopt" (record what the endpoint serves) or "restore" (put the recorded config back), and why.</summary>
public sealed record ReconcileRequest(string? Action, string? Reason);

/// <summary>POST /v1/environments/{env}/freeze: why (1 to 2000 characters), until when (optional, ISO-8601), whether rollbacks may proceed (default true).</summary>
public sealed record FreezeRequest(string? Reason, string? Until, bool? AllowRollbacks, string? Project);

/// <summary>POST /v1/environments/{env}/freeze/lift: why.</summary>
public sealed record LiftFreezeRequest(string? Reason, string? Project);

/// <summary>POST /v1/environments/{env}/holds/{model}/lift: why.</summary>
public sealed record LiftHoldRequest(string? Reason);

public sealed record EnvironmentListDto(IReadOnlyList<EnvironmentDto> Items);

/// <summary>GET /v1/environments/{env}/history: deployments newest first; with <c>at</c>, only those made by then, and what was live then.</summary>
public sealed record EnvironmentHistoryDto(string Environment, string? Model, DateTimeOffset? At, IReadOnlyList<DeploymentDto>? LiveAt, IReadOnlyList<DeploymentDto> Items);

public sealed record RollbackPreviewRequest(string? Model, string? ToRelease);

public sealed record RollbackRequest(string? Model, string? ToRelease, string? Reason);

/// <summary>Free an environment's lock by hand: why (required), and whether to free it even while its holder's execution runs.</summary>
public sealed record UnlockRequest(string? Reason, bool? Force);

/// <summary>POST /v1/environments/{env}/rollback: 202 with the started rollback, or 200 with NoOp and the reason when the target is already live.</summary>
public sealed record RollbackAcceptedDto(string? RollbackId, string? ExecutionArn, string Status, bool NoOp, string Message, RollbackPreview Preview);

public sealed record RegisterConsumerRequest(string? Model, string? Name, string? Contact, string? Description);

public sealed record ConsumerListDto(IReadOnlyList<Consumer> Items);

public sealed record RollbackDecisionRequest(string? Decision, string? Comment);

/// <summary>The wire types of the environment, rollback and consumer routes, source-generated for Native AOT, with the options of <see cref="ApiJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(EnvironmentListDto))]
[JsonSerializable(typeof(EnvironmentHistoryDto))]
[JsonSerializable(typeof(RollbackPreviewRequest))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(UnlockRequest))]
[JsonSerializable(typeof(FreezeRequest))]
[JsonSerializable(typeof(LiftFreezeRequest))]
[JsonSerializable(typeof(FreezeDto))]
[JsonSerializable(typeof(OutOfBandChangeDto))]
[JsonSerializable(typeof(ReconcileRequest))]
[JsonSerializable(typeof(AutoPromotionHoldDto))]
[JsonSerializable(typeof(LiftHoldRequest))]
[JsonSerializable(typeof(ReleaseCenter.Functions.Environments.UnlockResult))]
[JsonSerializable(typeof(RollbackPreview))]
[JsonSerializable(typeof(RollbackAcceptedDto))]
[JsonSerializable(typeof(RegisterConsumerRequest))]
[JsonSerializable(typeof(Consumer))]
[JsonSerializable(typeof(ConsumerListDto))]
[JsonSerializable(typeof(Rollback))]
[JsonSerializable(typeof(RollbackDecisionRequest))]
public sealed partial class EnvironmentsJsonContext : JsonSerializerContext;
