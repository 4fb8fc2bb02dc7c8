using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Domain.Events;

// One record per detail-type. docs/events.md documents each, and EventCatalogTests checks the docs
// against these types (every type documented with exactly these fields, nothing documented that no
// type declares). A new field is a compatible change; renaming or removing one needs a new version.

public sealed record ReleaseRequested(string ReleaseId, string Model, string Version, string Environments, string RequestedBy, string BundleDigest)
    : ReleaseCenterEvent
{
    /// <summary>The template the release was requested from ("" for none).</summary>
    public string Template { get; init; } = "";

    /// <summary>The template's channels to notify, comma-separated ("" for none): a notifier subscribed to the bus routes them.</summary>
    public string Notify { get; init; } = "";

    protected override string DetailTypeName() => "release.requested.v1";
}

/// <summary>A project's release template was saved (revision 1: created).</summary>
public sealed record ReleaseTemplateSaved(string Name, string Revision, string SavedBy, string Environments) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "release-template.saved.v1";
}

/// <param name="Metrics">The stage's evaluation in one line, for a message: "auc 0.944 (better than live by -0.008, Pass); …".</param>
/// <param name="ExpiresAt">When the stage expires without a decision.</param>
public sealed record ReleaseApprovalRequested(string ReleaseId, string Model, string Version, string Environment, string RequiredApprovals,
    string ApproverGroups, string ApproveAt, string RequestedBy, string BundleDigest, string EvaluationDigest, string Metrics, string ExpiresAt)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "release.approval-requested.v1";
}

public sealed record ReleaseApprovalReminder(string ReleaseId, string Model, string Version, string Environment, string RemainingApprovals,
    string ApproverGroups, string WaitingSince, string ApproveAt) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "release.approval-reminder.v1";
}

public sealed record DeploymentSucceeded(string ReleaseId, string Model, string Version, string Environment, string EndpointName, string EndpointConfigName)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "deployment.succeeded.v1";
}

/// <param name="RestoredEndpointConfig">Empty when nothing was live before (the endpoint was then deleted).</param>
public sealed record DeploymentRolledBack(string ReleaseId, string Model, string Environment, string EndpointName, string RestoredEndpointConfig, string Reason)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "deployment.rolled-back.v1";
}

public sealed record ReleaseCancelled(string ReleaseId, string Model, string CancelledBy) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "release.cancelled.v1";
}

/// <summary>The release ended: <c>release.{released,rejected,expired,rolled-back,failed}.v1</c> after <see cref="Outcome"/>.</summary>
public sealed record ReleaseEnded(string ReleaseId, string Model, string Version, string Outcome, string BundleDigest) : ReleaseCenterEvent
{
    /// <summary>The outcomes a release can end with, and so the detail-types this record takes.</summary>
    public static IReadOnlyList<string> Outcomes { get; } = ["Released", "Rejected", "Expired", "RolledBack", "Failed"];

    protected override string DetailTypeName() => $"release.{Kebab(Outcome)}.v1";

    internal static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

public sealed record RollbackRequested(string RollbackId, string Environment, string Model, string FromRelease, string ToRelease, string RequestedBy,
    string RequiredApprovals) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "rollback.requested.v1";
}

public sealed record RollbackApprovalRequested(string RollbackId, string Environment, string Model, string FromRelease, string ToRelease,
    string RequiredApprovals, string ApproverGroups, string ApproveAt) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "rollback.approval-requested.v1";
}

/// <summary><c>rollback.started.v1</c> (the endpoint is being pointed back) or <c>rollback.completed.v1</c> (the target is live again).</summary>
public sealed record RollbackProgressed(string Stage, string RollbackId, string Environment, string Model, string EndpointName, string FromRelease,
    string FromVersion, string ToRelease, string ToVersion, string RequestedBy) : ReleaseCenterEvent
{
    public static IReadOnlyList<string> Stages { get; } = ["started", "completed"];

    [JsonIgnore]
    public string Stage { get; init; } = Stage;

    protected override string DetailTypeName() => $"rollback.{Stage}.v1";
}

/// <summary><c>rollback.{rejected,expired,failed}.v1</c>: the rollback ended without changing what is live.</summary>
public sealed record RollbackEnded(string Outcome, string RollbackId, string Environment, string Model, string EndpointName, string FromRelease,
    string FromVersion, string ToRelease, string ToVersion, string RequestedBy, string Error) : ReleaseCenterEvent
{
    public static IReadOnlyList<string> Outcomes { get; } = ["Rejected", "Expired", "Failed"];

    [JsonIgnore]
    public string Outcome { get; init; } = Outcome;

    protected override string DetailTypeName() => $"rollback.{ReleaseEnded.Kebab(Outcome)}.v1";
}

public sealed record EnvironmentUnlocked(string Environment, string LockedBy, string ExecutionArn, string ExecutionStatus, string Reason, string UnlockedBy,
    string Endpoint, string? Model) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.unlocked.v1";
}

public sealed record DriftDetected(string DriftReportId, string Model, string Environment, string Verdict, string DriftedFeatures, string MaxPsi,
    string Source, string ReportAt) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "drift.detected.v1";
}

public sealed record RetrainSkipped(string DriftReportId, string Model, string Decision, string Reason) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "retrain.skipped.v1";
}

public sealed record RetrainStarted(string DriftReportId, string Model, string PipelineName, string PipelineExecutionArn) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "retrain.started.v1";
}

public sealed record RetrainVersionRegistered(string DriftReportId, string Model, string Version, string PipelineExecutionArn, string ModelPackageArn)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "retrain.version-registered.v1";
}

public sealed record VersionVetoed(string Model, string Version, string Reason, string VetoedBy) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "model.version-vetoed.v1";
}

public sealed record VersionVetoLifted(string Model, string Version, string Reason, string LiftedBy, string VetoedBy) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "model.version-veto-lifted.v1";
}

public sealed record EnvironmentFrozen(string Environment, string Reason, string FrozenBy, string Until, string AllowRollbacks) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.frozen.v1";
}

/// <summary>The scheduled check found an endpoint serving something other than the record says (actualConfig empty: the endpoint is gone).</summary>
public sealed record OutOfBandChangeDetected(string Environment, string Model, string EndpointName, string RecordedConfig, string ActualConfig, string LiveRelease)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.out-of-band-change.v1";
}

/// <summary>An out-of-band change was reconciled: "adopted", "restored", or "resolved" (the endpoint served the record again by itself).</summary>
public sealed record OutOfBandChangeReconciled(string Environment, string Model, string EndpointName, string How, string Reason, string ReconciledBy)
    : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.out-of-band-reconciled.v1";
}

/// <summary>A manual rollback holds auto-promotion of the model into the environment until someone lifts the hold.</summary>
public sealed record AutoPromotionHeld(string Environment, string Model, string RollbackId, string RolledBackBy, string Reason) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.auto-promotion-held.v1";
}

/// <summary>The hold on auto-promotion was lifted: releases of the model enter the environment automatically again.</summary>
public sealed record AutoPromotionHoldLifted(string Environment, string Model, string Reason, string LiftedBy, string RollbackId) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.auto-promotion-resumed.v1";
}

/// <summary>A project's or a model's policy has a new version (scope: project or model; diff: one line per changed setting).</summary>
public sealed record PolicyChanged(string Scope, string Name, string Version, string Reason, string ChangedBy, string Diff) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "policy.changed.v1";
}

public sealed record EnvironmentUnfrozen(string Environment, string Reason, string LiftedBy, string FrozenBy) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "environment.unfrozen.v1";
}

public sealed record RetrainReleaseOpened(string DriftReportId, string Model, string Version, string ReleaseId) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "retrain.release-opened.v1";
}

public sealed record RetrainFailed(string DriftReportId, string Model, string Error, string Cause) : ReleaseCenterEvent
{
    protected override string DetailTypeName() => "retrain.failed.v1";
}

/// <summary>Every event type, for the outbox serializer and the catalog check.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReleaseRequested))]
[JsonSerializable(typeof(ReleaseApprovalRequested))]
[JsonSerializable(typeof(ReleaseApprovalReminder))]
[JsonSerializable(typeof(DeploymentSucceeded))]
[JsonSerializable(typeof(DeploymentRolledBack))]
[JsonSerializable(typeof(ReleaseCancelled))]
[JsonSerializable(typeof(ReleaseEnded))]
[JsonSerializable(typeof(RollbackRequested))]
[JsonSerializable(typeof(RollbackApprovalRequested))]
[JsonSerializable(typeof(RollbackProgressed))]
[JsonSerializable(typeof(RollbackEnded))]
[JsonSerializable(typeof(EnvironmentUnlocked))]
[JsonSerializable(typeof(DriftDetected))]
[JsonSerializable(typeof(RetrainSkipped))]
[JsonSerializable(typeof(RetrainStarted))]
[JsonSerializable(typeof(RetrainVersionRegistered))]
[JsonSerializable(typeof(VersionVetoed))]
[JsonSerializable(typeof(VersionVetoLifted))]
[JsonSerializable(typeof(EnvironmentFrozen))]
[JsonSerializable(typeof(EnvironmentUnfrozen))]
[JsonSerializable(typeof(PolicyChanged))]
[JsonSerializable(typeof(AutoPromotionHeld))]
[JsonSerializable(typeof(AutoPromotionHoldLifted))]
[JsonSerializable(typeof(OutOfBandChangeDetected))]
[JsonSerializable(typeof(OutOfBandChangeReconciled))]
[JsonSerializable(typeof(ReleaseTemplateSaved))]
[JsonSerializable(typeof(RetrainReleaseOpened))]
[JsonSerializable(typeof(RetrainFailed))]
public sealed partial class EventJsonContext : JsonSerializerContext
{
    /// <summary>The event's detail as JSON, through its own type's contract (AOT-safe: every type is listed above).</summary>
    public static OutboxEvent ToOutbox(ReleaseCenterEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Id.Length == 0)
        {
            throw new InvalidOperationException($"A {e.DetailType} event needs its stable id before it is written (ReleaseCenterEvent.Keyed).");
        }
        var info = Default.GetTypeInfo(e.GetType())
            ?? throw new InvalidOperationException($"{e.GetType().Name} is not registered in {nameof(EventJsonContext)}.");
        return new OutboxEvent(e.Id, e.DetailType, JsonSerializer.Serialize(e, info));
    }
}
