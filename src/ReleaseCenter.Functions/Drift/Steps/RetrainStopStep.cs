using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Record why the retrain failed and announce retrain.failed.v1, once.
/// </summary>
public sealed class RetrainStopStep(
    IRetrainStore retrain,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-stop";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (error, cause) = Payload.Failure(payload);
        return Payload.Json(await RunAsync(Payload.DriftReportId(payload), Payload.Text(payload, "model"), error ?? "Retrain.Unknown", cause, ct).ConfigureAwait(false),
            WorkflowJsonContext.Default.StopResult);
    }

    public async Task<StopResult> RunAsync(string driftReportId, string model, string error, string? cause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false) is not null) // none when it failed before the decision was stored
        {
            await retrain.UpdateRunAsync(driftReportId, r => r.Status != RetrainStatus.Failed ? r with { Status = RetrainStatus.Failed, Failure = $"{error}: {cause}", UpdatedAt = now } : null,
                ct).ConfigureAwait(false);
        }
        // On every attempt: the journal writes once, and a retry after a crash writes what the crash left out.
        var details = new Dictionary<string, string> { ["driftReportId"] = driftReportId, ["model"] = model, ["error"] = error, ["cause"] = cause ?? "" };
        await journal.RecordModelStepAsync(model, RetrainRuns.Actor, "retrain.failed", $"drift-report/{driftReportId}", details, $"retrain/{driftReportId}/failed", ct,
            new RetrainFailed(driftReportId, model, error, cause ?? "")).ConfigureAwait(false);
        return new StopResult(error, cause ?? error);
    }
}
