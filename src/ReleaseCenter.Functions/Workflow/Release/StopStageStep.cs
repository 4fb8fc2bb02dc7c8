using System.Text.Json;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Stop this environment: records why, undoes a deployment that began, frees the lock, and names the release-level error.
/// </summary>
public sealed class StopStageStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    DeploymentCompensation compensation,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "stop-stage";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (error, cause) = Payload.Failure(payload);
        return Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), error ?? "Release.Unknown", cause, ct).ConfigureAwait(false),
            WorkflowJsonContext.Default.StopResult);
    }

    /// <summary>Records why a stage stopped, frees its lock, and returns the release-level error the state machine raises next (a Fail state with ErrorPath).</summary>
    public async Task<StopResult> RunAsync(string releaseId, string environment, string error, string? cause, CancellationToken ct)
    {
        var (status, raise) = error switch
        {
            WorkflowErrors.Rejected => (ReleaseStatus.Rejected, WorkflowErrors.Rejected),
            "States.Timeout" => (ReleaseStatus.Expired, WorkflowErrors.Expired),
            WorkflowErrors.RolledBack or WorkflowErrors.AutoRolledBack => (ReleaseStatus.RolledBack, WorkflowErrors.RolledBack),
            _ => (ReleaseStatus.Failed, WorkflowErrors.StageFailed),
        };
        var now = clock.GetUtcNow();
        var release = await record.SaveAsync(releaseId, r =>
        {
            var stage = r.Stage(environment);
            if (stage.Failure is not null || !ReleaseTransitions.CanMove(stage.Status, status))
            {
                return null;
            }
            return r.WithStage(environment, s => s with { Failure = new FailureRecord(error, cause) }, now).MoveStage(environment, status, now);
        }, ct).ConfigureAwait(false);
        // A deployment that began is undone before the lock goes, so that what serves is what the record says.
        var undone = await compensation.RevertAsync(releaseId, environment, ct).ConfigureAwait(false);
        if (undone.Done)
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        await record.TimelineAsync(release, environment, "stopped", $"{environment} stopped: {error}" + (cause is null ? "" : $" ({cause})")
            + (undone.Message.Length == 0 ? "" : $" {undone.Message}") + (undone.Done ? "" : $" {environment} stays locked until then."), ct).ConfigureAwait(false);
        return new StopResult(raise, cause ?? error);
    }
}
