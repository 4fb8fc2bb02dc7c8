using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Tests;

public sealed class ReleaseTransitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static Release NewRelease() => Release.Create("rel-1", "fraud", 1, null, null, "alice", Now);

    [Fact]
    public void Create_DefaultsToDevStagingProd_AllPending()
    {
        var release = NewRelease();
        Assert.Equal(["dev", "staging", "prod"], release.Environments);
        Assert.All(release.Stages, s => Assert.Equal(ReleaseStatus.Pending, s.Status));
        Assert.Equal(ReleaseStatus.Pending, release.Status);
    }

    [Fact]
    public void Create_RejectsRepeatedAndEmptyEnvironments()
    {
        Assert.Contains("environments", Assert.Throws<DomainValidationException>(
            () => Release.Create("r", "fraud", 1, ["dev", "dev"], null, "a", Now)).Errors.ToDictionary().Keys);
        Assert.Contains("environments", Assert.Throws<DomainValidationException>(
            () => Release.Create("r", "fraud", 1, [], null, "a", Now)).Errors.ToDictionary().Keys);
    }

    [Fact]
    public void HappyPath_ThroughOneEnvironment_IsAllowed()
    {
        var later = Now.AddMinutes(5);
        var release = NewRelease()
            .MoveTo(ReleaseStatus.Evaluating, Now)
            .MoveTo(ReleaseStatus.AwaitingApproval, Now)
            .MoveTo(ReleaseStatus.Deploying, Now)
            .MoveTo(ReleaseStatus.Verifying, Now)
            .MoveTo(ReleaseStatus.Released, later);
        Assert.Equal(ReleaseStatus.Released, release.Status);
        Assert.Equal(later, release.UpdatedAt);
    }

    [Theory]
    [InlineData(ReleaseStatus.Pending, ReleaseStatus.Released)]
    [InlineData(ReleaseStatus.Pending, ReleaseStatus.Deploying)]
    [InlineData(ReleaseStatus.Evaluating, ReleaseStatus.Verifying)]
    [InlineData(ReleaseStatus.AwaitingApproval, ReleaseStatus.Released)]
    [InlineData(ReleaseStatus.Released, ReleaseStatus.RolledBack)]
    [InlineData(ReleaseStatus.Cancelled, ReleaseStatus.Evaluating)]
    [InlineData(ReleaseStatus.Rejected, ReleaseStatus.AwaitingApproval)]
    public void IllegalTransition_Throws(ReleaseStatus from, ReleaseStatus to)
    {
        var release = NewRelease() with { Status = from };
        var ex = Assert.Throws<InvalidTransitionException>(() => release.MoveTo(to, Now));
        Assert.Equal(from, ex.From);
        Assert.Equal(to, ex.To);
    }

    [Fact]
    public void EveryTerminalStatus_HasNoWayOut()
    {
        var terminal = Enum.GetValues<ReleaseStatus>().Where(s => s.IsTerminal()).Order().ToArray();
        Assert.Equal(
            [ReleaseStatus.Released, ReleaseStatus.Rejected, ReleaseStatus.Expired, ReleaseStatus.Failed, ReleaseStatus.RolledBack, ReleaseStatus.Cancelled],
            terminal);
    }

    [Fact]
    public void EveryNonTerminalStatus_CanBeCancelledOrFail()
    {
        foreach (var status in Enum.GetValues<ReleaseStatus>().Where(s => !s.IsTerminal()))
        {
            Assert.True(ReleaseTransitions.CanMove(status, ReleaseStatus.Cancelled), $"{status} -> Cancelled");
            Assert.True(ReleaseTransitions.CanMove(status, ReleaseStatus.Failed), $"{status} -> Failed");
        }
    }

    [Fact]
    public void MoveStage_ChangesOnlyThatStage_AndEnforcesTheTable()
    {
        var release = NewRelease().MoveStage("staging", ReleaseStatus.Evaluating, Now);
        Assert.Equal([ReleaseStatus.Pending, ReleaseStatus.Evaluating, ReleaseStatus.Pending], release.Stages.Select(s => s.Status));
        Assert.Throws<InvalidTransitionException>(() => release.MoveStage("dev", ReleaseStatus.Released, Now));
        Assert.Throws<ArgumentException>(() => release.MoveStage("qa", ReleaseStatus.Evaluating, Now));
    }
}
