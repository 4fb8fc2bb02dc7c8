using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Take the environment lock for a rollback; busy: Release.EnvironmentLocked (the state machine retries, then gives up).
/// </summary>
public sealed class RollbackAcquireLockStep(
    RollbackRecord record,
    IWorkflowStore workflow,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-acquire-lock";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.RollbackId(payload), ct, Payload.OptionalText(payload, "executionArn")).ConfigureAwait(false);
        return Payload.Empty;
    }

    public async Task RunAsync(string rollbackId, CancellationToken ct, string? executionArn = null)
    {
        var rollback = await record.LoadAsync(rollbackId, ct).ConfigureAwait(false);
        if (!await workflow.TryAcquireLockAsync(rollback.Environment, rollbackId, clock.GetUtcNow(), ct, executionArn ?? rollback.ExecutionArn).ConfigureAwait(false))
        {
            var holder = await workflow.GetLockAsync(rollback.Environment, ct).ConfigureAwait(false);
            throw new WorkflowErrorException(WorkflowErrors.EnvironmentLocked, $"{rollback.Environment} is being deployed by {holder.LockedBy}.");
        }
    }
}
