namespace ReleaseCenter.Domain.Releases;

/// <summary>The words api.md uses for a release and for each of its stages.</summary>
public enum ReleaseStatus
{
    Pending,
    Evaluating,
    AwaitingApproval,
    Deploying,
    Verifying,
    Released,
    Rejected,
    Expired,
    Failed,
    RolledBack,
    Cancelled,
}

/// <summary>
/// The explicit table of allowed status changes. Anything not listed is illegal and is refused
/// with <see cref="InvalidTransitionException"/>, never silently overwritten.
/// </summary>
public static class ReleaseTransitions
{
    private static readonly Dictionary<ReleaseStatus, ReleaseStatus[]> Allowed = new()
    {
        [ReleaseStatus.Pending] = [ReleaseStatus.Evaluating, ReleaseStatus.Failed, ReleaseStatus.Cancelled],
        [ReleaseStatus.Evaluating] =
            [ReleaseStatus.AwaitingApproval, ReleaseStatus.Deploying, ReleaseStatus.Rejected, ReleaseStatus.Failed, ReleaseStatus.Cancelled],
        [ReleaseStatus.AwaitingApproval] =
            [ReleaseStatus.Deploying, ReleaseStatus.Rejected, ReleaseStatus.Expired, ReleaseStatus.Failed, ReleaseStatus.Cancelled],
        [ReleaseStatus.Deploying] = [ReleaseStatus.Verifying, ReleaseStatus.RolledBack, ReleaseStatus.Failed, ReleaseStatus.Cancelled],
        // After one environment is verified the release moves on to the next one's gate or deployment, or is done.
        [ReleaseStatus.Verifying] =
        [
            ReleaseStatus.AwaitingApproval, ReleaseStatus.Deploying, ReleaseStatus.Released,
            ReleaseStatus.RolledBack, ReleaseStatus.Failed, ReleaseStatus.Cancelled,
        ],
        [ReleaseStatus.Released] = [],
        [ReleaseStatus.Rejected] = [],
        [ReleaseStatus.Expired] = [],
        [ReleaseStatus.Failed] = [],
        [ReleaseStatus.RolledBack] = [],
        [ReleaseStatus.Cancelled] = [],
    };

    public static bool IsTerminal(this ReleaseStatus status) => Allowed[status].Length == 0;

    public static bool CanMove(ReleaseStatus from, ReleaseStatus to) => Allowed[from].Contains(to);

    public static IReadOnlyList<ReleaseStatus> Next(ReleaseStatus from) => Allowed[from];
}

public sealed class InvalidTransitionException(string subject, ReleaseStatus from, ReleaseStatus to)
    : InvalidOperationException($"{subject} cannot move from {from} to {to}.")
{
    public ReleaseStatus From { get; } = from;
    public ReleaseStatus To { get; } = to;
}
