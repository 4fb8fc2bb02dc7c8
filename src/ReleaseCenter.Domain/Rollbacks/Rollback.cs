using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Rollbacks;

/// <summary>Where a rollback is. Completed, Rejected, Expired and Failed are final.</summary>
public enum RollbackStatus
{
    Requested,
    AwaitingApproval,
    RollingBack,
    Completed,
    Rejected,
    Expired,
    Failed,
}

/// <summary>One side of a rollback: a release that is (or was) live on the environment's endpoint for the model.</summary>
public sealed record RollbackSide(string Release, int Version, string EndpointConfigName, string BundleDigest);

/// <summary>
/// A rollback of one model in one environment: the endpoint goes back from <see cref="From"/>
/// (live when it was requested) to <see cref="To"/>. Executed by statemachines/rollback.asl.json,
/// whose execution is named after <see cref="Id"/>. Stored under a revision, like a release.
/// </summary>
public sealed record Rollback(
    string Id,
    string Environment,
    string Model,
    string EndpointName,
    RollbackSide From,
    RollbackSide To,
    string Reason,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    RollbackStatus Status,
    DateTimeOffset UpdatedAt)
{
    public long Revision { get; init; }

    public string? ExecutionArn { get; init; }

    /// <summary>Approvals the environment's rollback policy required when this was requested (0: none).</summary>
    public int RequiredApprovals { get; init; }

    /// <summary>Who may vote, as its policy named them when it was requested (empty on rollbacks recorded before it was).</summary>
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];

    public IReadOnlyList<ApprovalRecord> Approvals { get; init; } = [];

    /// <summary>"approved" or "rejected" once the approval gate has decided; null while undecided or without a gate.</summary>
    public string? Decision { get; init; }

    public DateTimeOffset? ApprovalRequestedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    public VerificationRecord? Verification { get; init; }

    public FailureRecord? Failure { get; init; }

    public bool IsFinal => Status is RollbackStatus.Completed or RollbackStatus.Rejected or RollbackStatus.Expired or RollbackStatus.Failed;

    public Rollback MoveTo(RollbackStatus status, DateTimeOffset now) =>
        IsFinal && status != Status
            ? throw new InvalidOperationException($"Rollback {Id} is {Status}; it cannot become {status}.")
            : this with { Status = status, UpdatedAt = now };
}
