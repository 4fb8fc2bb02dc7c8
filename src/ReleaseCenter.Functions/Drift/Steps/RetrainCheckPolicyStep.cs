using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// May this drift report retrain? The model's policy (on, cooldown, daily cap) decides once per report.
/// </summary>
public sealed class RetrainCheckPolicyStep(
    IDriftStore drift,
    IRetrainStore retrain,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-check-policy";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.DriftReportId(payload), Payload.Text(payload, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.RetrainDecision);

    public async Task<RetrainDecision> RunAsync(string driftReportId, string model, CancellationToken ct)
    {
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        var run = await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false);
        if (run is null)
        {
            var report = await drift.GetReportAsync(model, driftReportId, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Model {model} has no drift report {driftReportId}.");
            var now = clock.GetUtcNow();
            var claim = !report.Drifted ? new RetrainClaim(false, "The report found no drift.")
                : !policy.Enabled ? new RetrainClaim(false, $"Retraining is off for {model}.")
                : await retrain.TryClaimRetrainAsync(model, driftReportId, now, policy.CooldownSeconds, policy.MaxPerDay, ct).ConfigureAwait(false);
            run = await retrain.CreateRunAsync(new RetrainRun(driftReportId, model, claim.Granted ? RetrainStatus.Training : RetrainStatus.Skipped, claim.Granted,
                claim.Reason, now) { PipelineName = policy.PipelineName, UpdatedAt = now }, ct).ConfigureAwait(false);
        }
        var details = new Dictionary<string, string>
        {
            ["driftReportId"] = driftReportId,
            ["model"] = model,
            ["decision"] = run.Proceed ? "retrain" : "skip",
            ["reason"] = run.Reason,
        };
        await journal.RecordModelStepAsync(model, RetrainRuns.Actor, run.Proceed ? "retrain.approved" : "retrain.skipped", $"drift-report/{driftReportId}", details,
            $"retrain/{driftReportId}/decision", ct, run.Proceed ? null : new RetrainSkipped(driftReportId, model, "skip", run.Reason)).ConfigureAwait(false);
        return new RetrainDecision(run.Proceed, policy.OpenRelease, run.Reason);
    }
}
