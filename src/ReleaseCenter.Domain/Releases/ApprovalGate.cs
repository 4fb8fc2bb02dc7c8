using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ReleaseCenter.Domain.Evaluation;

namespace ReleaseCenter.Domain.Releases;

/// <summary>Why a vote was not counted.</summary>
public enum VoteRefusal
{
    None,
    NotAwaitingApproval,
    NotAnApprover,
    SelfApproval,
    AlreadyVoted,
    StaleEvidence,
}

/// <summary>What the reviewer says they looked at: the bundle and the evaluation report. Either may be omitted.</summary>
public sealed record Evidence(string? BundleDigest, string? EvaluationDigest);

public sealed record VoteOutcome(VoteRefusal Refusal, string Reason, ReleaseStage Stage, string? Decided);

/// <summary>
/// The human gate of a stage under its environment's <see cref="ApprovalPolicy"/>: approvers
/// must belong to one of the policy's groups, the requester can never vote, a person counts
/// once, the first rejection rejects the stage (unless the policy says record-only), and N
/// distinct approvals approve it. A vote
/// names the evidence it judged; a vote on evidence that is no longer current is refused.
/// Pure: the caller stores the new stage under a revision check.
/// </summary>
public static class ApprovalGate
{
    public const string Approve = "approve";
    public const string Reject = "reject";

    public static VoteOutcome Vote(Release release, ReleaseStage stage, ApprovalPolicy policy, string voter, IReadOnlySet<string> groups,
        string decision, string? comment, Evidence? evidence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(groups);
        VoteOutcome Refuse(VoteRefusal why, string reason) => new(why, reason, stage, null);

        if (stage.Status != ReleaseStatus.AwaitingApproval || stage.Decision is not null)
        {
            return Refuse(VoteRefusal.NotAwaitingApproval, $"{stage.Environment} is not waiting for approval.");
        }
        var (refusal, reason) = ApprovalRules.Admit(stage.Environment, policy, voter, groups, RequesterReason(release, voter), stage.Approvals);
        if (refusal != VoteRefusal.None)
        {
            return Refuse(refusal, reason);
        }
        var bundleDigest = release.Bundle?.Digest ?? "";
        var evaluationDigest = EvaluationDigest(stage.Evaluation);
        if (evidence?.BundleDigest is { } seenBundle && seenBundle != bundleDigest)
        {
            return Refuse(VoteRefusal.StaleEvidence, $"The vote names bundle {seenBundle}, but the release ships {bundleDigest}.");
        }
        if (evidence?.EvaluationDigest is { } seenEvaluation && seenEvaluation != evaluationDigest)
        {
            return Refuse(VoteRefusal.StaleEvidence, $"The vote names evaluation {seenEvaluation}, but the current report is {evaluationDigest}.");
        }

        var approvals = stage.Approvals.Append(new ApprovalRecord(voter, decision, comment, now, bundleDigest) { EvaluationDigest = evaluationDigest }).ToArray();
        var decided = ApprovalRules.Decide(approvals, decision, policy.OnRejection == ApprovalPolicy.RejectStage, policy.Required);
        return new VoteOutcome(VoteRefusal.None, "", stage with { Approvals = approvals, Decision = decided }, decided);
    }

    /// <summary>
    /// Every reason <paramref name="voter"/> may not vote on the stage now, not only the first one a vote would be
    /// refused for: not waiting, not an approver, the requester, already voted. Empty when they may vote.
    /// </summary>
    public static IReadOnlyList<(VoteRefusal Refusal, string Reason)> Eligibility(Release release, ReleaseStage? stage, ApprovalPolicy? policy,
        string voter, IReadOnlySet<string> groups)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (stage is null || policy is null || stage.Status != ReleaseStatus.AwaitingApproval || stage.Decision is not null)
        {
            return [(VoteRefusal.NotAwaitingApproval, stage is null
                ? "No stage of this release is waiting for approval."
                : $"{stage.Environment} is not waiting for approval.")];
        }
        return ApprovalRules.Refusals(stage.Environment, policy, voter, groups, RequesterReason(release, voter), stage.Approvals).ToArray();
    }

    private static string? RequesterReason(Release release, string voter) =>
        !release.IsRequestedBy(voter) ? null
        : string.Equals(voter, release.RequestedBy, StringComparison.Ordinal) ? "The requester of a release cannot approve or reject it."
        : $"{voter} set this release in motion (retraining they triggered or configured), so counts as its requester and cannot approve or reject it.";

    public static int Remaining(ReleaseStage stage, ApprovalPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(policy);
        return ApprovalRules.Remaining(stage.Approvals, policy.Required);
    }

    /// <summary>A digest of the evaluation report a reviewer is shown (metric, value, threshold, live value, verdict).</summary>
    public static string EvaluationDigest(EvaluationReport? report)
    {
        if (report is null)
        {
            return "";
        }
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"passed={report.Passed};live={report.LiveVersion}\n");
        foreach (var m in report.Metrics.OrderBy(m => m.Metric, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"{m.Metric}|{m.Direction}|{m.Value:R}|{m.Threshold:R}|{m.LiveValue:R}|{m.MaxRegression:R}|{m.Verdict}\n");
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
