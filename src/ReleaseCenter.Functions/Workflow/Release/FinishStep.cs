using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Record the release's outcome (with its release.{outcome}.v1 event), free its locks, and tell the state machine how it ended.
/// </summary>
public sealed class FinishStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "finish";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (error, cause) = Payload.Failure(payload);
        return Payload.Json(await RunAsync(Payload.ReleaseId(payload), Enum.Parse<ReleaseStatus>(Payload.Text(payload, "outcome")), error, cause, ct).ConfigureAwait(false),
            WorkflowJsonContext.Default.FinishResult);
    }

    public async Task<FinishResult> RunAsync(string releaseId, ReleaseStatus outcome, string? error, string? cause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var release = await record.SaveAsync(releaseId, r =>
        {
            if (r.Status.IsTerminal())
            {
                return null;
            }
            var next = r;
            if (outcome != ReleaseStatus.Released)
            {
                foreach (var stage in r.Stages.Where(s => !s.Status.IsTerminal()))
                {
                    next = next.MoveStage(stage.Environment, ReleaseStatus.Cancelled, now);
                }
            }
            return next.MoveTo(outcome, now);
        }, ct).ConfigureAwait(false);
        foreach (var environment in release.Environments)
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        var final = release.Status;
        await record.TimelineAsync(release, null, "finished", final == ReleaseStatus.Released
            ? $"Released {release.Model} v{release.Version} to {string.Join(", ", release.Environments)}."
            : $"Ended {final}" + (error is null ? "." : $": {error}" + (cause is null ? "." : $" ({cause})")), ct,
            new ReleaseEnded(release.Id, release.Model, release.Version.ToString(CultureInfo.InvariantCulture), final.ToString(), release.Bundle?.Digest ?? ""))
            .ConfigureAwait(false);
        return new FinishResult(final.ToString());
    }
}
