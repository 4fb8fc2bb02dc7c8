using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Record why the rollback stopped (rejected, expired or failed), put the endpoint back if the rollback had moved it, free the lock, name the outcome.
/// </summary>
public sealed class RollbackStopStep(
    RollbackRecord record,
    IWorkflowStore workflow,
    ISageMaker sageMaker,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-stop";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (error, cause) = Payload.Failure(payload);
        return Payload.Json(await RunAsync(Payload.RollbackId(payload), error ?? "Rollback.Unknown", cause, ct).ConfigureAwait(false),
            WorkflowJsonContext.Default.RollbackStopResult);
    }

    /// <summary>
    /// Records why a rollback stopped (rejected, expired or failed), frees its lock, puts the endpoint
    /// back on what was live if the rollback had already moved it, and names the outcome.
    /// </summary>
    public async Task<RollbackStopResult> RunAsync(string rollbackId, string error, string? cause, CancellationToken ct)
    {
        var status = error switch
        {
            WorkflowErrors.Rejected => RollbackStatus.Rejected,
            "States.Timeout" => RollbackStatus.Expired,
            _ => RollbackStatus.Failed,
        };
        var now = clock.GetUtcNow();
        var (rollback, moved) = await record.MoveAsync(rollbackId, r => r.IsFinal ? null : r.MoveTo(status, now) with { Failure = new FailureRecord(error, cause) }, ct)
            .ConfigureAwait(false);
        var restored = "";
        if (rollback.StartedAt is not null && rollback.Status == RollbackStatus.Failed && error != RollbackRecord.LiveChanged)
        {
            restored = await PutBackAsync(rollback, ct).ConfigureAwait(false);
        }
        await workflow.ReleaseLockAsync(rollback.Environment, rollbackId, ct).ConfigureAwait(false);
        var outcome = rollback.Status.ToString();
        if (moved || rollback.Status is RollbackStatus.Rejected or RollbackStatus.Expired or RollbackStatus.Failed) // a retry completes what a crash left
        {
            error = rollback.Failure?.Error ?? error;
            cause = rollback.Failure is { } f ? f.Cause : cause;
            var message = rollback.Status switch
            {
                RollbackStatus.Rejected => $"The rollback was rejected: {cause}",
                RollbackStatus.Expired => "Nobody decided on the rollback in time; nothing changed.",
                _ => $"The rollback failed: {error}" + (cause is null ? "" : $" ({cause})") + restored,
            };
            await journal.RecordRollbackAsync(rollback, "stopped", $"rollback.{outcome.ToLowerInvariant()}", message, RollbackRecord.WorkflowActor, now, ct,
                announce: RollbackRecord.Ended(rollback, error)).ConfigureAwait(false);
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
}
