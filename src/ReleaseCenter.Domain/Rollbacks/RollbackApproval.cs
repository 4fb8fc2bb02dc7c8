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
    public const string Approved = ApprovalRules.Approved;
    public const string Rejected = ApprovalRules.Rejected;

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
        var requesterReason = string.Equals(voter, rollback.RequestedBy, StringComparison.Ordinal)
            ? "The requester of a rollback cannot approve or reject it."
            : null;
        var (refusal, reason) = ApprovalRules.Admit($"this rollback in {rollback.Environment}", policy, voter, groups, requesterReason, rollback.Approvals);
        if (refusal != VoteRefusal.None)
        {
            return Refuse(refusal, reason);
        }
        var vote = new ApprovalRecord(voter, decision, comment, now, rollback.To.BundleDigest);
        var approvals = rollback.Approvals.Append(vote).ToArray();
        // One rejection always rejects a rollback: there is no record-only mode for it.
        var decided = ApprovalRules.Decide(approvals, decision, rejectionDecides: true, Math.Max(1, rollback.RequiredApprovals));
        return new RollbackVote(VoteRefusal.None, "", rollback with { Approvals = approvals, Decision = decided, UpdatedAt = now }, decided);
    }

    public static int Remaining(Rollback rollback)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        return ApprovalRules.Remaining(rollback.Approvals, rollback.RequiredApprovals);
    }
}
