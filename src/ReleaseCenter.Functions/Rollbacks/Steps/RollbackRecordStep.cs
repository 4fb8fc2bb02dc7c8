using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Record the rollback: the target is live again (only if what is live is what it replaced), the lock is freed, rollback.completed.v1 announced.
/// </summary>
public sealed class RollbackRecordStep(
    RollbackRecord record,
    IWorkflowStore workflow,
    ReleaseJournal journal,
    IFreezeStore freezes,
    Policies.PolicyService policies,
    ModelProjects projects,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-record";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.RollbackId(payload), ct).ConfigureAwait(false);
        return Payload.Empty;
    }

    /// <summary>Makes the target live again (only if what is live is still what the rollback replaced), frees the lock, audits and announces.</summary>
    public async Task RunAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await record.LoadAsync(rollbackId, ct).ConfigureAwait(false);
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
            throw new WorkflowErrorException(RollbackRecord.LiveChanged, ex.Message);
        }
        var (saved, moved) = await record.MoveAsync(rollbackId, r => r.Status == RollbackStatus.RollingBack
            ? r.MoveTo(RollbackStatus.Completed, now) with { CompletedAt = now }
            : null, ct).ConfigureAwait(false);
        if (saved.Status == RollbackStatus.Completed)
        {
            // Where releases of the model are promoted automatically, the next one would quietly undo this rollback: hold them until someone lifts the hold.
            if ((await policies.CurrentAsync(saved.Model, saved.Environment, ct).ConfigureAwait(false)).Policy.AutoPromote)
            {
                var hold = new AutoPromotionHold(saved.Environment, saved.Model, saved.Id, saved.RequestedBy, saved.CompletedAt ?? now, saved.Reason);
                var project = await projects.GetAsync(saved.Model, ct).ConfigureAwait(false);
                await freezes.PlaceHoldAsync(hold, ChangeRecord.Of(
                    new AuditRecord(project, RollbackRecord.WorkflowActor, "environment.auto-promotion-held", $"environment/{saved.Environment}/model/{saved.Model}",
                        new Dictionary<string, string> { ["rollbackId"] = saved.Id, ["rolledBackBy"] = saved.RequestedBy, ["reason"] = saved.Reason }),
                    $"hold:{saved.Id}", new AutoPromotionHeld(saved.Environment, saved.Model, saved.Id, saved.RequestedBy, saved.Reason)), ct).ConfigureAwait(false);
            }
        }
        // Freed only now: a release that would auto-promote finds the hold at the door, not a free lock.
        await workflow.ReleaseLockAsync(saved.Environment, rollbackId, ct).ConfigureAwait(false);
        if (moved || saved.Status == RollbackStatus.Completed) // every attempt after the move: a crash before the journal must not lose it
        {
            await journal.RecordRollbackAsync(saved, "completed", "rollback.completed",
                $"Rolled {saved.Model} back in {saved.Environment}: v{saved.To.Version} (release {saved.To.Release}) is live again, replacing v{saved.From.Version} (release {saved.From.Release}). Reason: {saved.Reason}",
                RollbackRecord.WorkflowActor, now, ct, onReleaseTimelines: true, RollbackRecord.Progressed("completed", saved)).ConfigureAwait(false);
        }
    }
}
