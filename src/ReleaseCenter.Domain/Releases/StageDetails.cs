
namespace ReleaseCenter.Domain.Releases;

/// <summary>One reviewer's decision on a stage, bound to the evidence they were shown.</summary>
public sealed record ApprovalRecord(string By, string Decision, string? Comment, DateTimeOffset At, string BundleDigest)
{
    /// <summary>The evaluation report the reviewer was given (<see cref="ApprovalGate.EvaluationDigest"/>).</summary>
    public string EvaluationDigest { get; init; } = "";
}

/// <summary>
/// What was deployed where, and what was live before (the rollback target). CompletedAt: when the
/// deployment ended, live (Released) or undone by the automatic rollback (RolledBack).
/// </summary>
public sealed record DeploymentRecord(
    string EndpointName,
    string EndpointConfigName,
    string ModelName,
    string? PreviousEndpointConfigName,
    string? PreviousRelease,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt);

public sealed record VerificationRecord(bool Healthy, string Reason, DateTimeOffset At);

public sealed record FailureRecord(string Error, string? Cause);

/// <summary>A step of a release's story, as our handlers and the API record it (one per release, stage and step).</summary>
public sealed record TimelineEntry(string ReleaseId, string? Environment, string Step, string Message, string Actor, DateTimeOffset At);
