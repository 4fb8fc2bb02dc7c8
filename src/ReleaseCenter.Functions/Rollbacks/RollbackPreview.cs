using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>One side of a rollback preview: a release as it is (or was) live on the endpoint, with its model version's metrics.</summary>
public sealed record RollbackSideView(
    string Release, int Version, string BundleDigest, string EndpointConfigName, DateTimeOffset DeployedAt, string Kind, IReadOnlyDictionary<string, double> Metrics);

/// <summary>A release that has not finished and still has a stage to run in the environment.</summary>
public sealed record InFlightRelease(string Id, string Model, int Version, ReleaseStatus Status, ReleaseStatus StageStatus, string RequestedBy);

/// <summary>
/// What a rollback would do, before it runs: what is live, what it returns to, the metric-aware
/// diff from the one to the other (<see cref="Diff"/>: From = live, To = target), the releases in
/// flight that touch the environment, the consumers registered for the endpoint, and whatever
/// would stop it (<see cref="Blockers"/>).
/// </summary>
public sealed record RollbackPreview(
    string Environment,
    string Model,
    string EndpointName,
    RollbackSideView Live,
    RollbackSideView? Target,
    bool NoOp,
    string Message,
    ReleaseDiff? Diff,
    IReadOnlyList<InFlightRelease> InFlight,
    IReadOnlyList<Consumer> Consumers,
    string? LockedBy,
    bool RequiresApproval,
    int RequiredApprovals,
    IReadOnlyList<string> ApproverGroups,
    IReadOnlyList<string> Blockers)
{
    public bool CanExecute => !NoOp && Target is not null && Blockers.Count == 0;
}

/// <summary>What POST /v1/environments/{env}/rollback did: started a rollback, or nothing (a no-op, with the reason).</summary>
public sealed record RollbackRequestResult(ReleaseCenter.Domain.Rollbacks.Rollback? Rollback, RollbackPreview Preview);
