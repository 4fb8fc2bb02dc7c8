using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Start the training pipeline, once per report (the report id is the ClientRequestToken).
/// </summary>
public sealed class RetrainStartPipelineStep(
    IRetrainStore retrain,
    ISageMaker sageMaker,
    Announcer announcer,
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-start-pipeline";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.DriftReportId(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.PipelineStarted);

    public async Task<PipelineStarted> RunAsync(string driftReportId, CancellationToken ct)
    {
        var run = await RetrainRuns.LoadAsync(retrain, driftReportId, ct).ConfigureAwait(false);
        if (run.PipelineExecutionArn is { } started)
        {
            return new PipelineStarted(started);
        }
        var pipeline = run.PipelineName ?? throw new InvalidOperationException($"The retrain of {driftReportId} has no pipeline.");
        var arn = (await sageMaker.StartPipelineExecutionAsync(new StartPipelineExecutionRequest(pipeline, driftReportId)
        {
            PipelineParameters = [new PipelineParameter("DriftReportId", driftReportId)],
            PipelineExecutionDisplayName = driftReportId,
        }, ct).ConfigureAwait(false)).PipelineExecutionArn;
        var now = clock.GetUtcNow();
        var moved = false;
        run = await retrain.UpdateRunAsync(driftReportId, r =>
        {
            moved = r.PipelineExecutionArn is null;
            return moved ? r with { PipelineExecutionArn = arn, PipelineStartedAt = now, UpdatedAt = now } : null;
        }, ct).ConfigureAwait(false);
        if (moved)
        {
            var details = new Dictionary<string, string> { ["driftReportId"] = driftReportId, ["model"] = run.Model, ["pipelineName"] = pipeline, ["pipelineExecutionArn"] = arn };
            await journal.RecordModelStepAsync(run.Model, RetrainRuns.Actor, "retrain.started", $"drift-report/{driftReportId}", details, $"retrain/{driftReportId}/started", ct)
                .ConfigureAwait(false);
            await announcer.AnnounceAsync("retrain.started.v1", details, ct).ConfigureAwait(false);
        }
        return new PipelineStarted(run.PipelineExecutionArn!);
    }
}
