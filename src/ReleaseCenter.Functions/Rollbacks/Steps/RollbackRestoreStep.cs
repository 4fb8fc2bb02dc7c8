using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Point the endpoint at the target: the target release's endpoint config, which must still exist.
/// </summary>
public sealed class RollbackRestoreStep(
    RollbackRecord record,
    ISageMaker sageMaker,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-restore";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.RollbackId(payload), ct).ConfigureAwait(false);
        return Payload.Empty;
    }

    /// <summary>Points the endpoint at the target's endpoint config; a config that is gone fails the rollback with Rollback.TargetGone (redeploy that release instead).</summary>
    public async Task RunAsync(string rollbackId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var (rollback, _) = await record.MoveAsync(rollbackId, r => r.Status is RollbackStatus.Requested or RollbackStatus.AwaitingApproval
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
        // On every attempt, not only the one that moved it: a crash before the journal must not lose it (the journal writes once).
        await journal.RecordRollbackAsync(rollback, "started", "rollback.started",
            $"Pointing {rollback.EndpointName} back at {rollback.To.EndpointConfigName} (v{rollback.To.Version}, release {rollback.To.Release}), replacing {rollback.From.EndpointConfigName}.",
            RollbackRecord.WorkflowActor, now, ct, announce: RollbackRecord.Progressed("started", rollback)).ConfigureAwait(false);
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
}
