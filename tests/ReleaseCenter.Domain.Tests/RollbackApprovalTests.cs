using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Domain.Tests;

/// <summary>A rollback's gate applies the same rules as a release stage's (ApprovalRules), plus its own: a rejection always decides.</summary>
public sealed class RollbackApprovalTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private static readonly ApprovalPolicy TwoFromProd = new(2, ["approvers-prod"], 3600) { OnRejection = "record" };

    private static Rollback Waiting(params (string By, string Decision)[] votes) =>
        new Rollback("rb-1", "prod", "fraud", "fraud-prod", new RollbackSide("rel-2", 2, "cfg-2", "sha256:b2"),
            new RollbackSide("rel-1", 1, "cfg-1", "sha256:b1"), "latency regression", "alice", T0, RollbackStatus.AwaitingApproval, T0)
        {
            RequiredApprovals = 2,
            Approvals = votes.Select(v => new ApprovalRecord(v.By, v.Decision, null, T0, "sha256:b1")).ToArray(),
        };

    // case, votes so far, voter, voter's group, decision, refusal, decision afterwards, approvals still needed
    public static TheoryData<string, (string, string)[], string, string, string, VoteRefusal, string?, int> Cases => new()
    {
        { "first approval of two", [], "pat", "approvers-prod", "approve", VoteRefusal.None, null, 1 },
        { "second distinct approval decides", [("pat", "approve")], "quinn", "approvers-prod", "approve", VoteRefusal.None, "approved", 0 },
        { "same person twice counts once", [("pat", "approve")], "pat", "approvers-prod", "approve", VoteRefusal.AlreadyVoted, null, 1 },
        { "requester cannot approve", [], "alice", "approvers-prod", "approve", VoteRefusal.SelfApproval, null, 2 },
        { "staging approver cannot approve prod", [], "sam", "approvers-staging", "approve", VoteRefusal.NotAnApprover, null, 2 },
        // The policy says record-only rejections, which governs release stages; a rollback has no such mode.
        { "one rejection rejects a rollback", [("pat", "approve")], "quinn", "approvers-prod", "reject", VoteRefusal.None, "rejected", 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PolicyCases(string name, (string, string)[] votes, string voter, string group, string decision, VoteRefusal refusal, string? decided, int remaining)
    {
        var before = Waiting(votes);

        var outcome = RollbackApproval.Vote(before, TwoFromProd, voter, new HashSet<string> { group }, decision, null, T0.AddMinutes(1));

        Assert.True(refusal == outcome.Refusal, $"{name}: expected {refusal}, got {outcome.Refusal} ({outcome.Reason})");
        Assert.Equal(decided, outcome.Decided);
        Assert.Equal(refusal == VoteRefusal.None ? votes.Length + 1 : votes.Length, outcome.Rollback.Approvals.Count);
        Assert.Equal(remaining, RollbackApproval.Remaining(outcome.Rollback));
    }

    [Fact]
    public void ReleaseAndRollbackGatesGiveTheSameReasonForARepeatedVote()
    {
        var cast = new[] { new ApprovalRecord("pat", "approve", null, T0, "sha256:b1") };

        var (refusal, reason) = ApprovalRules.Admit("prod", TwoFromProd, "pat", new HashSet<string> { "approvers-prod" }, null, cast);

        Assert.Equal(VoteRefusal.AlreadyVoted, refusal);
        Assert.Equal("pat has already voted on prod; a person counts once.", reason);
    }
}
