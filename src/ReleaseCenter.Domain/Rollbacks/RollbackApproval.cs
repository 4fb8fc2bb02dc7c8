using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Rollbacks;

/// <summary>The result of one vote on a rollback: refused (with the reason), or the rollback with the vote added.</summary>
public sealed record RollbackVote(VoteRefusal Refusal, string Reason, Rollback Rollback, string? Decided);

/// <summary>
/// The human gate of a rollback under its environment's rollback approval policy. The same rules
/// as a release stage (<see cref="ApprovalGate"/>): approvers from the policy's groups, never the
/// requester, a person counts once, one rejection rejects, N distinct approvals approve. Pure.
/// </summary>
public static class RollbackApproval
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    public static RollbackVote Vote(Rollback rollback, ApprovalPolicy policy, string voter, IReadOnlySet<string> groups, string decision, string? comment,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        RollbackVote Refuse(VoteRefusal why, string reason) => new(why, reason, rollback, null);

        if (rollback.Status != RollbackStatus.AwaitingApproval || rollback.Decision is not null)
        {
            return Refuse(VoteRefusal.NotAwaitingApproval, $"Rollback {rollback.Id} is {rollback.Status}; it is not waiting for approval.");
        }
        if (!policy.Groups.Any(groups.Contains))
        {
            return Refuse(VoteRefusal.NotAnApprover, $"Approving a rollback in {rollback.Environment} needs membership of {string.Join(" or ", policy.Groups)}.");
        }
        if (string.Equals(voter, rollback.RequestedBy, StringComparison.Ordinal))
        {
            return Refuse(VoteRefusal.SelfApproval, "The requester of a rollback cannot approve or reject it.");
        }
        if (rollback.Approvals.Any(a => a.By == voter))
        {
            return Refuse(VoteRefusal.AlreadyVoted, $"{voter} has already voted on this rollback; a person counts once.");
        }
        var vote = new ApprovalRecord(voter, decision, comment, now, rollback.To.BundleDigest);
        var approvals = rollback.Approvals.Append(vote).ToArray();
        string? decided = decision == ApprovalGate.Reject ? Rejected
            : approvals.Count(a => a.Decision == ApprovalGate.Approve) >= Math.Max(1, rollback.RequiredApprovals) ? Approved
            : null;
        return new RollbackVote(VoteRefusal.None, "", rollback with { Approvals = approvals, Decision = decided, UpdatedAt = now }, decided);
    }

    public static int Remaining(Rollback rollback)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        return Math.Max(0, rollback.RequiredApprovals - rollback.Approvals.Count(a => a.Decision == ApprovalGate.Approve));
    }
}
