namespace ReleaseCenter.Domain.Releases;

/// <summary>
/// The rules every human gate shares, a release stage's (<see cref="ApprovalGate"/>) and a
/// rollback's (<see cref="Rollbacks.RollbackApproval"/>): the voter belongs to one of the policy's
/// groups, a requester never votes, a person counts once, and N distinct approvals approve.
/// </summary>
public static class ApprovalRules
{
    /// <summary>
    /// Why <paramref name="voter"/> may not vote on <paramref name="subject"/> (for example "staging" or
    /// "this rollback"), or <see cref="VoteRefusal.None"/>. Checked in this order: group, requester, repeat vote.
    /// </summary>
    public static (VoteRefusal Refusal, string Reason) Admit(string subject, ApprovalPolicy policy, string voter, IReadOnlySet<string> groups,
        string? requesterReason, IEnumerable<ApprovalRecord> cast)
    {
        var first = Refusals(subject, policy, voter, groups, requesterReason, cast).FirstOrDefault();
        return first.Reason is null ? (VoteRefusal.None, "") : first;
    }

    /// <summary>
    /// Every reason <paramref name="voter"/> may not vote, in the order <see cref="Admit"/> checks them, so a
    /// person is told all of them at once (the console shows them instead of the buttons). Empty when they may vote.
    /// </summary>
    public static IEnumerable<(VoteRefusal Refusal, string Reason)> Refusals(string subject, ApprovalPolicy policy, string voter,
        IReadOnlySet<string> groups, string? requesterReason, IEnumerable<ApprovalRecord> cast)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(cast);
        if (!policy.Groups.Any(groups.Contains))
        {
            yield return (VoteRefusal.NotAnApprover, $"Approving {subject} needs membership of {string.Join(" or ", policy.Groups)}.");
        }
        if (requesterReason is not null)
        {
            yield return (VoteRefusal.SelfApproval, requesterReason);
        }
        if (cast.Any(a => a.By == voter))
        {
            yield return (VoteRefusal.AlreadyVoted, $"{voter} has already voted on {subject}; a person counts once.");
        }
    }

    /// <summary>How many different people approved.</summary>
    public static int Approvers(IEnumerable<ApprovalRecord> approvals) =>
        approvals.Where(a => a.Decision == ApprovalGate.Approve).Select(a => a.By).Distinct(StringComparer.Ordinal).Count();

    /// <summary>
    /// "rejected" when the latest vote rejects and a rejection decides; "approved" once <paramref name="required"/>
    /// different people approved; otherwise null (still waiting).
    /// </summary>
    public static string? Decide(IEnumerable<ApprovalRecord> approvals, string latestDecision, bool rejectionDecides, int required) =>
        latestDecision == ApprovalGate.Reject && rejectionDecides ? Rejected
        : Approvers(approvals) >= required ? Approved
        : null;

    /// <summary>Approvals still needed.</summary>
    public static int Remaining(IEnumerable<ApprovalRecord> approvals, int required) => Math.Max(0, required - Approvers(approvals));

    public const string Approved = "approved";
    public const string Rejected = "rejected";
}
