using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Tests;

public sealed class ApprovalGateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly ApprovalPolicy TwoFromProd = new(2, ["approvers-prod"], 3600);
    private static readonly EvaluationReport Report = new(true,
        [new MetricEvaluation("auc", MetricDirection.HigherIsBetter, 0.93, 0.88, 0.91, 0.02, 0.01, Verdict.Pass, [])], 1);

    private static Release Waiting(params (string By, string Decision)[] votes)
    {
        var release = Release.Create("rel-1", "fraud", 2, ["prod"], null, "alice", T0) with
        {
            Bundle = new Bundle("fraud", 2, "s3://m", "sha256:a", "img", [], new Dictionary<string, System.Text.Json.JsonElement>(),
                new Registry.InferenceConfig("ml.m5.large", 1), "sha256:bundle"),
        };
        release = release.MoveStage("prod", ReleaseStatus.Evaluating, T0).MoveStage("prod", ReleaseStatus.AwaitingApproval, T0)
            .WithStage("prod", s => s with { Evaluation = Report, Approvals = votes.Select(v => new ApprovalRecord(v.By, v.Decision, null, T0, "sha256:bundle")).ToArray() }, T0);
        return release;
    }

    private static VoteOutcome Vote(Release release, string voter, string group, string decision = ApprovalGate.Approve, Evidence? evidence = null) =>
        ApprovalGate.Vote(release, release.Stage("prod"), TwoFromProd, voter, new HashSet<string> { group }, decision, null, evidence, T0);

    public static TheoryData<string, (string, string)[], string, string, string, VoteRefusal, string?> Cases => new()
    {
        // case, votes so far, voter, voter's group, decision, refusal, decision of the stage afterwards
        { "first approval of two", [], "pat", "approvers-prod", "approve", VoteRefusal.None, null },
        { "second distinct approval decides", [("pat", "approve")], "quinn", "approvers-prod", "approve", VoteRefusal.None, "approved" },
        { "same person twice counts once", [("pat", "approve")], "pat", "approvers-prod", "approve", VoteRefusal.AlreadyVoted, null },
        { "requester cannot approve", [], "alice", "approvers-prod", "approve", VoteRefusal.SelfApproval, null },
        { "requester cannot reject either", [], "alice", "approvers-prod", "reject", VoteRefusal.SelfApproval, null },
        { "staging approver cannot approve prod", [], "sam", "approvers-staging", "approve", VoteRefusal.NotAnApprover, null },
        { "an engineer is not an approver", [], "eve", "ml-engineers", "approve", VoteRefusal.NotAnApprover, null },
        { "one rejection rejects", [], "pat", "approvers-prod", "reject", VoteRefusal.None, "rejected" },
        { "a rejection after an approval rejects", [("pat", "approve")], "quinn", "approvers-prod", "reject", VoteRefusal.None, "rejected" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PolicyCases(string name, (string, string)[] votes, string voter, string group, string decision, VoteRefusal refusal, string? decided)
    {
        var outcome = Vote(Waiting(votes), voter, group, decision);

        Assert.True(refusal == outcome.Refusal, $"{name}: expected {refusal}, got {outcome.Refusal} ({outcome.Reason})");
        Assert.Equal(decided, outcome.Stage.Decision);
        Assert.Equal(decided, outcome.Decided);
        if (refusal != VoteRefusal.None)
        {
            Assert.Equal(votes.Length, outcome.Stage.Approvals.Count);
        }
    }

    [Fact]
    public void UnderARecordOnlyPolicy_ARejectionIsRecorded_ButTheStageStillNeedsItsApprovals()
    {
        var recordOnly = TwoFromProd with { OnRejection = ApprovalPolicy.RecordOnly };
        var release = Waiting(("pat", "reject"));
        var first = ApprovalGate.Vote(release, release.Stage("prod"), recordOnly, "quinn", new HashSet<string> { "approvers-prod" }, ApprovalGate.Approve, null, null, T0);
        Assert.Null(first.Decided);
        var afterFirst = release.WithStage("prod", _ => first.Stage, T0);
        var second = ApprovalGate.Vote(afterFirst, afterFirst.Stage("prod"), recordOnly, "rob", new HashSet<string> { "approvers-prod" }, ApprovalGate.Approve, null, null, T0);
        Assert.Equal("approved", second.Decided);
        Assert.Equal(3, second.Stage.Approvals.Count);
    }

    [Fact]
    public void ADecidedStage_TakesNoMoreVotes()
    {
        var decided = Waiting(("pat", "approve"), ("quinn", "approve"));
        decided = decided.WithStage("prod", s => s with { Decision = "approved" }, T0);
        Assert.Equal(VoteRefusal.NotAwaitingApproval, Vote(decided, "rob", "approvers-prod").Refusal);
    }

    [Fact]
    public void AVote_RecordsTheEvidenceItWasGiven()
    {
        var release = Waiting();
        var vote = Vote(release, "pat", "approvers-prod");
        var record = Assert.Single(vote.Stage.Approvals);
        Assert.Equal(("sha256:bundle", release.Stage("prod").EvaluationDigest), (record.BundleDigest, record.EvaluationDigest));
        Assert.StartsWith("sha256:", record.EvaluationDigest, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sha256:old-bundle", null)]
    [InlineData(null, "sha256:old-evaluation")]
    public void AVoteOnStaleEvidence_IsRefused(string? bundle, string? evaluation)
    {
        var outcome = Vote(Waiting(), "pat", "approvers-prod", evidence: new Evidence(bundle, evaluation));
        Assert.Equal(VoteRefusal.StaleEvidence, outcome.Refusal);
        Assert.Empty(outcome.Stage.Approvals);
    }

    [Fact]
    public void AVoteOnCurrentEvidence_IsCounted()
    {
        var release = Waiting();
        var outcome = Vote(release, "pat", "approvers-prod", evidence: new Evidence("sha256:bundle", release.Stage("prod").EvaluationDigest));
        Assert.Equal(VoteRefusal.None, outcome.Refusal);
    }

    [Fact]
    public void EvaluationDigest_ChangesWhenTheReportChanges()
    {
        var other = Report with { Metrics = [Report.Metrics[0] with { LiveValue = 0.95, Verdict = Verdict.Fail }] };
        Assert.NotEqual(ApprovalGate.EvaluationDigest(Report), ApprovalGate.EvaluationDigest(other));
        Assert.Equal(ApprovalGate.EvaluationDigest(Report), ApprovalGate.EvaluationDigest(Report with { }));
    }
}
