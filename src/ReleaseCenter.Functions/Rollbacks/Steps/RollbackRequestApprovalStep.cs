using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Wait for rollback approval: stores the newest task token and asks the rollback's approvers (once).
/// </summary>
public sealed class RollbackRequestApprovalStep(
    RollbackRecord record,
    IRollbackStore rollbacks,
    Policies.PolicyService policyService,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-request-approval";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.RollbackId(payload), Payload.Text(payload, "taskToken"), ct).ConfigureAwait(false);
        return Payload.Empty;
    }

    public async Task RunAsync(string rollbackId, string taskToken, CancellationToken ct)
    {
        // Always store the newest token: a retried wait task gets a new one, and only that one can complete it.
        await rollbacks.PutTaskTokenAsync(rollbackId, taskToken, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var (rollback, moved) = await record.MoveAsync(rollbackId, r => r.Status == RollbackStatus.Requested
            ? r.MoveTo(RollbackStatus.AwaitingApproval, now) with { ApprovalRequestedAt = now }
            : null, ct).ConfigureAwait(false);
        if (!moved && rollback.Status != RollbackStatus.AwaitingApproval)
        {
            return; // decided already; what the move recorded was recorded with it
        }
        var policy = (await policyService.CurrentAsync(rollback.Model, rollback.Environment, ct).ConfigureAwait(false)).Policy.RollbackApproval;
        await journal.RecordRollbackAsync(rollback, "approval-requested", "rollback.approval-requested",
            $"Waiting for {policy.Required} approval(s) of the rollback from {string.Join(" or ", policy.Groups)}.", RollbackRecord.WorkflowActor, now, ct,
            announce: new RollbackApprovalRequested(rollback.Id, rollback.Environment, rollback.Model, rollback.From.Release, rollback.To.Release,
                policy.Required.ToString(CultureInfo.InvariantCulture), string.Join(",", policy.Groups), $"/v1/rollbacks/{rollback.Id}/approvals"))
            .ConfigureAwait(false);
    }
}
