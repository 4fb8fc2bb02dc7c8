using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Drift;
using ReleaseCenter.Functions.Environments;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Tests.Fakes;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>Defects 3, 4, 5, 6, 8, 9 and 10 of issue 10, as use cases over the fakes.</summary>
public sealed class GovernanceTests : IDisposable
{
    private static readonly HashSet<string> Staging = ["approvers-staging"];
    private readonly Harness _h = new();

    public void Dispose() => _h.Dispose();

    private ReleaseService Releases => _h.Get<ReleaseService>();

    [Fact]
    public async Task Defect3_ACancelWhoseStopExecutionFails_ChangesNothing()
    {
        var model = await _h.RegisterAsync("cancelled", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "dev");
        _h.StepFunctions.Fail("StopExecution", AwsErrors.Of("ServiceUnavailable", "down", System.Net.HttpStatusCode.ServiceUnavailable));

        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() => Releases.CancelAsync(release.Id, "alice", "wrong version", CancellationToken.None));

        Assert.Equal(RefusalKind.Unavailable, refused.Kind);
        Assert.Equal(ReleaseStatus.Pending, (await _h.GetReleaseAsync(release.Id)).Status);
        Assert.Equal(ExecutionStatus.Running, _h.StepFunctions.Executions[release.ExecutionArn!].Status);
    }

    [Fact]
    public async Task Defect3_AfterACancel_TheLockAndDeployStepsTouchNothing()
    {
        var model = await _h.RegisterAsync("late", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "dev");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);

        await Releases.CancelAsync(release.Id, "alice", "wrong version", CancellationToken.None);
        var lockError = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Step<AcquireLockStep>().RunAsync(release.Id, "dev", CancellationToken.None));
        var deployError = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Step<DeployStep>().RunAsync(release.Id, "dev", CancellationToken.None));

        Assert.Equal(ExecutionStatus.Aborted, _h.StepFunctions.Executions[release.ExecutionArn!].Status);
        Assert.Equal(WorkflowErrors.Cancelled, lockError.ErrorType);
        Assert.Equal(WorkflowErrors.Cancelled, deployError.ErrorType);
        Assert.Null((await _h.Workflow.GetLockAsync("dev", CancellationToken.None)).LockedBy);
        Assert.DoesNotContain(_h.SageMaker.Calls, c => c.StartsWith("Create", StringComparison.Ordinal) || c == "UpdateEndpoint");
    }

    [Fact]
    public async Task Defect4_ADecidingVoteWhoseDeliveryFailed_IsDeliveredLater_Once()
    {
        var model = await _h.RegisterAsync("voted", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "staging");
        var token = await _h.WaitForApprovalAsync(release.Id, "staging");
        _h.StepFunctions.Fail("SendTaskSuccess", AwsErrors.Of("ServiceUnavailable", "down", System.Net.HttpStatusCode.ServiceUnavailable));

        var state = await Releases.DecideAsync(release.Id, "sam", Staging, "approve", null, null, CancellationToken.None);
        var early = await Releases.DeliverDecisionsAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromMinutes(2));
        var delivered = await Releases.DeliverDecisionsAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        var again = await Releases.DeliverDecisionsAsync(TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal("approved", state.Decision);
        Assert.Equal(0, early); // the normal way gets its minute first
        Assert.Equal(1, delivered);
        Assert.Equal(0, again);
        Assert.Equal([token], _h.StepFunctions.Succeeded.Select(s => s.Token));
        Assert.Single(_h.Audit.Entries, e => e.Action == "release.approved");
    }

    [Fact]
    public async Task Defect5_ALockWhoseExecutionEnded_IsFreedAndAudited_ARunningOneIsKept()
    {
        var model = await _h.RegisterAsync("locked", (0.93, 80));
        var ended = await _h.ReleaseAsync(model, 1, "dev");
        await _h.Step<EvaluateStep>().RunAsync(ended.Id, CancellationToken.None);
        await _h.Step<AcquireLockStep>().RunAsync(ended.Id, "dev", CancellationToken.None, ended.ExecutionArn);
        var running = await _h.ReleaseAsync(model, 1, "staging");
        await _h.Step<EvaluateStep>().RunAsync(running.Id, CancellationToken.None);
        await _h.Step<AcquireLockStep>().RunAsync(running.Id, "staging", CancellationToken.None, running.ExecutionArn);
        _h.StepFunctions.End(ended.ExecutionArn!, ExecutionStatus.Failed);
        var locks = _h.Get<EnvironmentLocks>();

        var tooSoon = await locks.FreeAbandonedAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromSeconds(31));
        var freed = await locks.FreeAbandonedAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() => locks.UnlockAsync("staging", "lena", "stuck?", force: false, CancellationToken.None));

        Assert.Equal(0, tooSoon);
        Assert.Equal(1, freed);
        Assert.Null((await _h.Workflow.GetLockAsync("dev", CancellationToken.None)).LockedBy);
        Assert.Equal(running.Id, (await _h.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
        Assert.Contains(_h.Audit.Entries, e => e.Action == "environment.unlocked" && e.Actor == "lock-sweeper");
        Assert.Equal(RefusalKind.Conflict, refused.Kind);
    }

    [Fact]
    public async Task Defect6_TheHumansInARetrainedCandidatesLineage_CannotApproveIt()
    {
        var model = await _h.RegisterAsync("retrained", (0.93, 80));
        var release = await Releases.CreateAsync(model, 1, ["staging"], null, RetrainRuns.Actor, CancellationToken.None, alsoRequestedBy: ["sam"]);
        await _h.WaitForApprovalAsync(release.Id, "staging");

        var refused = await Assert.ThrowsAsync<RequestRefusedException>(() => Releases.DecideAsync(release.Id, "sam", Staging, "approve", null, null, CancellationToken.None));

        Assert.Equal(RefusalKind.Forbidden, refused.Kind);
        Assert.Empty((await _h.GetReleaseAsync(release.Id)).Stage("staging").Approvals);
    }

    [Fact]
    public async Task Defect8_ACreateThatCrashedBeforeStartingItsExecution_IsStartedByTheRetry()
    {
        var model = await _h.RegisterAsync("crashed", (0.93, 80));
        _h.StepFunctions.Fail("StartExecution", new InvalidOperationException("the process died"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Releases.CreateAsync(model, 1, ["dev"], null, "alice", CancellationToken.None, releaseId: "rel-retry-1"));
        var stuck = await _h.GetReleaseAsync("rel-retry-1");
        var retried = await Releases.CreateAsync(model, 1, ["dev"], null, "alice", CancellationToken.None, releaseId: "rel-retry-1");
        var again = await Releases.CreateAsync(model, 1, ["dev"], null, "alice", CancellationToken.None, releaseId: "rel-retry-1");

        Assert.Null(stuck.ExecutionArn);
        Assert.NotNull(retried.ExecutionArn);
        Assert.Equal(retried.ExecutionArn, again.ExecutionArn);
        Assert.Single(_h.StepFunctions.Executions);
    }

    [Fact]
    public async Task Defect9_APipelinePastThePolicysBound_IsStopped_WithinItTheWaitGrows()
    {
        var model = await _h.RegisterAsync("drifting", (0.93, 80));
        var started = _h.Clock.GetUtcNow();
        await _h.Drift.PutRetrainingPolicyAsync(new RetrainingPolicy(model, true, "release-center-train", 0, 5, 7200, false, null, "lena", started), CancellationToken.None);
        var arn = (await _h.SageMaker.StartPipelineExecutionAsync(new StartPipelineExecutionRequest("release-center-train", "drift-1"))).PipelineExecutionArn;
        await _h.Drift.CreateRunAsync(new RetrainRun("drift-1", model, RetrainStatus.Training, true, "drifted", started)
        {
            PipelineExecutionArn = arn,
            PipelineStartedAt = started,
        }, CancellationToken.None);
        var check = _h.Step<RetrainCheckPipelineStep>();

        _h.Clock.Advance(TimeSpan.FromSeconds(600));
        var within = await check.RunAsync("drift-1", model, CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromSeconds(7200));
        var past = await Assert.ThrowsAsync<WorkflowErrorException>(() => check.RunAsync("drift-1", model, CancellationToken.None));

        Assert.False(within.Finished);
        Assert.Equal(60, within.WaitSeconds); // a tenth of the time it has run
        Assert.Equal(RetrainRuns.PipelineTimedOut, past.ErrorType);
        Assert.Contains("StopPipelineExecution", _h.SageMaker.Calls);
        Assert.Equal(PipelineExecutionStatus.Stopping, (await _h.SageMaker.DescribePipelineExecutionAsync(arn)).PipelineExecutionStatus);
    }

    [Fact]
    public async Task PendingApprovals_SayWhoMayVote_SinceWhen_AndUntilWhen()
    {
        var model = await _h.RegisterAsync("inbox", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "staging");
        var asked = _h.Clock.GetUtcNow();
        await _h.WaitForApprovalAsync(release.Id, "staging");

        var forSam = await Releases.PendingForAsync("sam", Staging, CancellationToken.None);
        var forAlice = await Releases.PendingForAsync("alice", Staging, CancellationToken.None); // the requester
        var forPat = await Releases.PendingForAsync("pat", new HashSet<string> { "approvers-prod" }, CancellationToken.None);

        var item = Assert.Single(forSam);
        Assert.Equal(["approvers-staging"], item.ApproverGroups);
        Assert.Equal(asked, item.ApprovalRequestedAt);
        Assert.Equal(asked.AddSeconds(_h.Get<EnvironmentPolicies>().Get("staging").Approval.TimeoutSeconds), item.ExpiresAt);
        Assert.Empty(forAlice);
        Assert.Empty(forPat);
    }

    [Fact]
    public void Defect10_ProdShipsWithOneRollbackApproverFromApproversProd()
    {
        var prod = _h.Get<EnvironmentPolicies>().Get("prod");

        Assert.Equal(1, prod.RollbackApproval.Required);
        Assert.Equal(["approvers-prod"], prod.RollbackApproval.Groups);
    }
}
