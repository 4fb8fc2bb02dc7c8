using System.Globalization;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// The steps of statemachines/rollback.asl.json, one method per Task state. Each is idempotent: a
/// status move is a conditional write, and only the writer that made it audits and announces,
/// so a Step Functions retry changes, records and announces nothing twice.
/// </summary>
public sealed class RollbackSteps(
    IRegistryStore registry,
    IWorkflowStore workflow,
    IRollbackStore rollbacks,
    EnvironmentPolicies policies,
    SageMakerClient sageMaker,
    IEndpointVerifier verifier,
    Announcer announcer,
    ReleaseJournal journal,
    ReleaseCenterSettings settings,
    TimeProvider clock)
{
    public const string WorkflowActor = "rollback-workflow";
    public const string VerificationFailed = "Rollback.VerificationFailed";
    public const string LiveChanged = "Rollback.LiveChanged";

    public async Task RequestApprovalAsync(string rollbackId, string taskToken, CancellationToken ct)
    {
        // Always store the newest token: a retried wait task gets a new one, and only that one can complete it.
        await rollbacks.PutTaskTokenAsync(rollbackId, taskToken, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var (rollback, moved) = await MoveAsync(rollbackId, r => r.Status == RollbackStatus.Requested
            ? r.MoveTo(RollbackStatus.AwaitingApproval, now) with { ApprovalRequestedAt = now }
            : null, ct).ConfigureAwait(false);
        if (!moved)
        {
            return;
        }
        var policy = policies.Get(rollback.Environment).RollbackApproval;
        await journal.RecordRollbackAsync(rollback, "approval-requested", "rollback.approval-requested",
            $"Waiting for {policy.Required} approval(s) of the rollback from {string.Join(" or ", policy.Groups)}.", WorkflowActor, now, ct).ConfigureAwait(false);
        await announcer.AnnounceAsync("rollback.approval-requested.v1", new()
        {
            ["rollbackId"] = rollback.Id,
            ["environment"] = rollback.Environment,
            ["model"] = rollback.Model,
            ["fromRelease"] = rollback.From.Release,
            ["toRelease"] = rollback.To.Release,
            ["requiredApprovals"] = policy.Required.ToString(CultureInfo.InvariantCulture),
            ["approverGroups"] = string.Join(",", policy.Groups),
            ["approveAt"] = $"/v1/rollbacks/{rollback.Id}/approvals",
        }, ct).ConfigureAwait(false);
    }

    public async Task AcquireLockAsync(string rollbackId, CancellationToken ct, string? executionArn = null)
    {
        var rollback = await LoadAsync(rollbackId, ct).ConfigureAwait(false);
        if (!await workflow.TryAcquireLockAsync(rollback.Environment, rollbackId, clock.GetUtcNow(), ct, executionArn ?? rollback.ExecutionArn).ConfigureAwait(false))
        {
            var holder = await workflow.GetLockAsync(rollback.Environment, ct).ConfigureAwait(false);
            throw new WorkflowErrorException(WorkflowErrors.EnvironmentLocked, $"{rollback.Environment} is being deployed by {holder.LockedBy}.");
        }
    }

    /// <summary>Points the endpoint at the target's endpoint config; a config that is gone fails the rollback with Rollback.TargetGone (redeploy that release instead).</summary>
    public async Task RestoreAsync(string rollbackId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (rollback, moved) = await MoveAsync(rollbackId, r => r.Status is RollbackStatus.Requested or RollbackStatus.AwaitingApproval
            ? r.MoveTo(RollbackStatus.RollingBack, now) with { StartedAt = now }
            : null, ct).ConfigureAwait(false);
        if (rollback.Status != RollbackStatus.RollingBack)
        {
            throw new InvalidOperationException($"Rollback {rollbackId} is {rollback.Status}; it cannot restore the endpoint.");
        }
        await EnsureTargetConfigAsync(rollback, ct).ConfigureAwait(false);
        var endpoint = await sageMaker.DescribeEndpointAsync(rollback.EndpointName, ct).ConfigureAwait(false);
        if (endpoint.EndpointConfigName != rollback.To.EndpointConfigName)
        {
            await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(rollback.EndpointName, rollback.To.EndpointConfigName), ct).ConfigureAwait(false);
        }
        if (moved)
        {
            await journal.RecordRollbackAsync(rollback, "started", "rollback.started",
                $"Pointing {rollback.EndpointName} back at {rollback.To.EndpointConfigName} (v{rollback.To.Version}, release {rollback.To.Release}), replacing {rollback.From.EndpointConfigName}.",
                WorkflowActor, now, ct).ConfigureAwait(false);
            await announcer.AnnounceAsync("rollback.started.v1", Detail(rollback), ct).ConfigureAwait(false);
        }
    }

    public async Task<EndpointResult> CheckEndpointAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await LoadAsync(rollbackId, ct).ConfigureAwait(false);
        var endpoint = await sageMaker.DescribeEndpointAsync(rollback.EndpointName, ct).ConfigureAwait(false);
        var waited = clock.GetUtcNow() - (rollback.StartedAt ?? rollback.RequestedAt);
        switch (endpoint.EndpointStatus)
        {
            case EndpointStatus.InService when endpoint.EndpointConfigName == rollback.To.EndpointConfigName:
                return new EndpointResult(endpoint.EndpointStatus, true, 0, rollback.EndpointName);
            case EndpointStatus.InService or EndpointStatus.Creating or EndpointStatus.Updating or EndpointStatus.SystemUpdating
                when waited.TotalSeconds > DeploymentStrategy.ProvisioningSeconds:
                throw new WorkflowErrorException(WorkflowErrors.DeploymentTimedOut,
                    $"{rollback.EndpointName} is still {endpoint.EndpointStatus} on {endpoint.EndpointConfigName}, past the {DeploymentStrategy.ProvisioningSeconds / 60} minutes a rollback may take.");
            case EndpointStatus.InService or EndpointStatus.Creating or EndpointStatus.Updating or EndpointStatus.SystemUpdating:
                return new EndpointResult(endpoint.EndpointStatus, false,
                    EndpointWaits.ParkSeconds(settings.EndpointFallbackCheckSeconds, DeploymentStrategy.ProvisioningSeconds - waited.TotalSeconds), rollback.EndpointName);
            default:
                throw new WorkflowErrorException("Release.DeploymentFailed", $"{rollback.EndpointName} is {endpoint.EndpointStatus}: {endpoint.FailureReason}");
        }
    }

    public async Task<VerifyResult> VerifyAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await LoadAsync(rollbackId, ct).ConfigureAwait(false);
        var verification = rollback.Verification;
        if (verification is null)
        {
            var target = await registry.GetReleaseAsync(rollback.To.Release, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Release {rollback.To.Release} does not exist.");
            var (healthy, reason) = await verifier.VerifyAsync(target, rollback.Environment, rollback.EndpointName, rollback.To.EndpointConfigName, ct)
                .ConfigureAwait(false);
            var now = clock.GetUtcNow();
            rollback = await rollbacks.UpdateAsync(rollbackId, r => r.Verification is null ? r with { Verification = new VerificationRecord(healthy, reason, now), UpdatedAt = now } : null, ct)
                .ConfigureAwait(false);
            verification = rollback.Verification!;
        }
        return verification.Healthy
            ? new VerifyResult(true, verification.Reason)
            : throw new WorkflowErrorException(VerificationFailed, verification.Reason);
    }

    /// <summary>Makes the target live again (only if what is live is still what the rollback replaced), frees the lock, audits and announces.</summary>
    public async Task RecordAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await LoadAsync(rollbackId, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        try
        {
            await workflow.RecordDeploymentAsync(new LiveDeployment(rollback.Environment, rollback.Model, rollback.To.Release, rollback.To.Version,
                rollback.EndpointName, rollback.To.EndpointConfigName, now)
            {
                Kind = DeploymentKinds.Rollback,
                RollbackId = rollback.Id,
                ReplacedRelease = rollback.From.Release,
            }, ct, expectedLiveRelease: rollback.From.Release).ConfigureAwait(false);
        }
        catch (LiveChangedException ex)
        {
            throw new WorkflowErrorException(LiveChanged, ex.Message);
        }
        var (saved, moved) = await MoveAsync(rollbackId, r => r.Status == RollbackStatus.RollingBack
            ? r.MoveTo(RollbackStatus.Completed, now) with { CompletedAt = now }
            : null, ct).ConfigureAwait(false);
        await workflow.ReleaseLockAsync(saved.Environment, rollbackId, ct).ConfigureAwait(false);
        if (moved)
        {
            await journal.RecordRollbackAsync(saved, "completed", "rollback.completed",
                $"Rolled {saved.Model} back in {saved.Environment}: v{saved.To.Version} (release {saved.To.Release}) is live again, replacing v{saved.From.Version} (release {saved.From.Release}). Reason: {saved.Reason}",
                WorkflowActor, now, ct, onReleaseTimelines: true).ConfigureAwait(false);
            await announcer.AnnounceAsync("rollback.completed.v1", Detail(saved), ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records why a rollback stopped (rejected, expired or failed), frees its lock, puts the endpoint
    /// back on what was live if the rollback had already moved it, and names the outcome.
    /// </summary>
    public async Task<RollbackStopResult> StopAsync(string rollbackId, string error, string? cause, CancellationToken ct)
    {
        var status = error switch
        {
            WorkflowErrors.Rejected => RollbackStatus.Rejected,
            "States.Timeout" => RollbackStatus.Expired,
            _ => RollbackStatus.Failed,
        };
        var now = clock.GetUtcNow();
        var (rollback, moved) = await MoveAsync(rollbackId, r => r.IsFinal ? null : r.MoveTo(status, now) with { Failure = new FailureRecord(error, cause) }, ct)
            .ConfigureAwait(false);
        var restored = "";
        if (rollback.StartedAt is not null && rollback.Status == RollbackStatus.Failed && error != LiveChanged)
        {
            restored = await PutBackAsync(rollback, ct).ConfigureAwait(false);
        }
        await workflow.ReleaseLockAsync(rollback.Environment, rollbackId, ct).ConfigureAwait(false);
        var outcome = rollback.Status.ToString();
        if (moved)
        {
            var message = rollback.Status switch
            {
                RollbackStatus.Rejected => $"The rollback was rejected: {cause}",
                RollbackStatus.Expired => "Nobody decided on the rollback in time; nothing changed.",
                _ => $"The rollback failed: {error}" + (cause is null ? "" : $" ({cause})") + restored,
            };
            await journal.RecordRollbackAsync(rollback, "stopped", $"rollback.{outcome.ToLowerInvariant()}", message, WorkflowActor, now, ct).ConfigureAwait(false);
            var detail = Detail(rollback);
            detail["error"] = error;
            await announcer.AnnounceAsync($"rollback.{outcome.ToLowerInvariant()}.v1", detail, ct).ConfigureAwait(false);
        }
        return new RollbackStopResult(outcome, $"Rollback.{outcome}", cause ?? error);
    }

    private async Task<string> PutBackAsync(Rollback rollback, CancellationToken ct)
    {
        try
        {
            var endpoint = await sageMaker.DescribeEndpointAsync(rollback.EndpointName, ct).ConfigureAwait(false);
            if (endpoint.EndpointConfigName == rollback.From.EndpointConfigName)
            {
                return "";
            }
            await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(rollback.EndpointName, rollback.From.EndpointConfigName), ct).ConfigureAwait(false);
            return $"; {rollback.EndpointName} was put back on {rollback.From.EndpointConfigName} (release {rollback.From.Release}).";
        }
        catch (AmazonServiceException ex)
        {
            return $"; putting {rollback.EndpointName} back on {rollback.From.EndpointConfigName} failed too ({ex.ErrorCode}): check the endpoint.";
        }
    }

    private async Task EnsureTargetConfigAsync(Rollback rollback, CancellationToken ct)
    {
        try
        {
            await sageMaker.DescribeEndpointConfigAsync(rollback.To.EndpointConfigName, ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            throw new WorkflowErrorException("Rollback.TargetGone",
                $"The endpoint config {rollback.To.EndpointConfigName} of release {rollback.To.Release} no longer exists; redeploy that release instead.");
        }
    }

    private static Dictionary<string, string> Detail(Rollback r) => new()
    {
        ["rollbackId"] = r.Id,
        ["environment"] = r.Environment,
        ["model"] = r.Model,
        ["endpointName"] = r.EndpointName,
        ["fromRelease"] = r.From.Release,
        ["fromVersion"] = r.From.Version.ToString(CultureInfo.InvariantCulture),
        ["toRelease"] = r.To.Release,
        ["toVersion"] = r.To.Version.ToString(CultureInfo.InvariantCulture),
        ["requestedBy"] = r.RequestedBy,
    };

    private async Task<Rollback> LoadAsync(string id, CancellationToken ct) =>
        await rollbacks.GetAsync(id, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"Rollback {id} does not exist.");

    /// <summary>Applies <paramref name="change"/> under the revision check; Moved says whether this call made the change (and so must tell of it).</summary>
    private async Task<(Rollback Rollback, bool Moved)> MoveAsync(string id, Func<Rollback, Rollback?> change, CancellationToken ct)
    {
        var moved = false;
        var saved = await rollbacks.UpdateAsync(id, r =>
        {
            var next = change(r);
            moved = next is not null;
            return next;
        }, ct).ConfigureAwait(false);
        return (saved, moved);
    }
}

/// <summary>The rollback-stop handler's answer: the outcome the state machine branches on, and the error a Fail state raises.</summary>
public sealed record RollbackStopResult(string Outcome, string Error, string Cause);
