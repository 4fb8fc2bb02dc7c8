using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Open a normal release of the retrained version (gates and approvals apply); the humans in its lineage count as requesters.
/// </summary>
public sealed class RetrainOpenReleaseStep(
    IDriftStore drift,
    IRetrainStore retrain,
    ReleaseService releases,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-open-release";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.DriftReportId(payload), Payload.Text(payload, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.ReleaseOpened);

    public async Task<ReleaseOpened> RunAsync(string driftReportId, string model, CancellationToken ct)
    {
        var run = await RetrainRuns.LoadAsync(retrain, driftReportId, ct).ConfigureAwait(false);
        var version = run.Version ?? throw new InvalidOperationException($"The retrain of {driftReportId} has registered no version.");
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        // The humans in the candidate's lineage count as its requesters, so none of them can approve it alone:
        // whoever submitted the drift report and whoever last set the retraining policy.
        var report = await drift.GetReportAsync(model, driftReportId, ct).ConfigureAwait(false);
        string[] lineage = [.. new[] { report?.SubmittedBy, policy.UpdatedBy }.OfType<string>()];
        // The release id derives from the report (drift-X -> rel-X), so a retry finds the release instead of opening another.
        Domain.Releases.Release release;
        try
        {
            release = await releases.CreateAsync(model, version, policy.ReleaseEnvironments, $"Retrained after drift report {driftReportId}.", RetrainRuns.Actor, ct,
                releaseId: "rel-" + driftReportId["drift-".Length..], alsoRequestedBy: lineage).ConfigureAwait(false);
        }
        catch (VersionVetoedException ex)
        {
            // Retraining never releases a vetoed version: the run fails, saying who vetoed it and why (retrain-stop records it).
            throw new WorkflowErrorException(RetrainRuns.VersionVetoed, ex.Message);
        }
        var now = clock.GetUtcNow();
        await retrain.UpdateRunAsync(driftReportId, r => r.ReleaseId is null ? r with { ReleaseId = release.Id, Status = RetrainStatus.ReleaseOpened, UpdatedAt = now } : null,
            ct).ConfigureAwait(false);
        // On every attempt: the journal writes once, and a retry after a crash writes what the crash left out.
        var details = new Dictionary<string, string>
        {
            ["driftReportId"] = driftReportId,
            ["model"] = model,
            ["version"] = version.ToString(CultureInfo.InvariantCulture),
            ["releaseId"] = release.Id,
        };
        await journal.RecordModelStepAsync(model, RetrainRuns.Actor, "retrain.release-opened", $"release/{release.Id}", details, $"retrain/{driftReportId}/release", ct,
            new RetrainReleaseOpened(driftReportId, model, version.ToString(CultureInfo.InvariantCulture), release.Id)).ConfigureAwait(false);
        return new ReleaseOpened(release.Id);
    }
}
