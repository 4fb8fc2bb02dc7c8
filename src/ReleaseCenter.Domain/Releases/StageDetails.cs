
namespace ReleaseCenter.Domain.Releases;

/// <summary>One reviewer's decision on a stage, bound to the evidence they were shown.</summary>
public sealed record ApprovalRecord(string By, string Decision, string? Comment, DateTimeOffset At, string BundleDigest)
{
    /// <summary>The evaluation report the reviewer was given (<see cref="ApprovalGate.EvaluationDigest"/>).</summary>
    public string EvaluationDigest { get; init; } = "";
}

/// <summary>
/// What was deployed where, and what was live before (the rollback target). CompletedAt: when the
/// deployment ended, live (Released) or undone by the automatic rollback (RolledBack), or undone
/// because the stage stopped or the release was cancelled after the deployment began
/// (<see cref="Reverted"/>).
/// </summary>
public sealed record DeploymentRecord(
    string EndpointName,
    string EndpointConfigName,
    string ModelName,
    string? PreviousEndpointConfigName,
    string? PreviousRelease,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>Set when the endpoint was put back after the stage stopped or the release was cancelled mid-deployment: what it serves since.</summary>
    public RevertRecord? Reverted { get; init; }
}

/// <summary>
/// The endpoint was put back on what served before this release (<see cref="ServingConfig"/>;
/// null when the endpoint was deleted because nothing served before), with what was done.
/// </summary>
public sealed record RevertRecord(string? ServingConfig, string Message, DateTimeOffset At);

public sealed record VerificationRecord(bool Healthy, string Reason, DateTimeOffset At);

public sealed record FailureRecord(string Error, string? Cause);

/// <summary>A step of a release's story, as our handlers and the API record it (one per release, stage and step).</summary>
public sealed record TimelineEntry(string ReleaseId, string? Environment, string Step, string Message, string Actor, DateTimeOffset At);
