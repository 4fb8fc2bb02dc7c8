using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
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
    ReleaseJournal journal,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-start-pipeline";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.DriftReportId(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.PipelineStarted);

    public async Task<PipelineStarted> RunAsync(string driftReportId, CancellationToken ct)
    {
        var run = await RetrainRuns.LoadAsync(retrain, driftReportId, ct).ConfigureAwait(false);
        var pipeline = run.PipelineName ?? throw new InvalidOperationException($"The retrain of {driftReportId} has no pipeline.");
        if (run.PipelineExecutionArn is null)
        {
            var arn = (await sageMaker.StartPipelineExecutionAsync(new StartPipelineExecutionRequest(pipeline, driftReportId)
            {
                PipelineParameters = [new PipelineParameter("DriftReportId", driftReportId)],
                PipelineExecutionDisplayName = driftReportId,
            }, ct).ConfigureAwait(false)).PipelineExecutionArn;
            var now = clock.GetUtcNow();
            run = await retrain.UpdateRunAsync(driftReportId, r => r.PipelineExecutionArn is null ? r with { PipelineExecutionArn = arn, PipelineStartedAt = now, UpdatedAt = now } : null,
                ct).ConfigureAwait(false);
        }
        // On every attempt: the journal writes once, and a retry after a crash writes what the crash left out.
        var started = run.PipelineExecutionArn!;
        var details = new Dictionary<string, string> { ["driftReportId"] = driftReportId, ["model"] = run.Model, ["pipelineName"] = pipeline, ["pipelineExecutionArn"] = started };
        await journal.RecordModelStepAsync(run.Model, RetrainRuns.Actor, "retrain.started", $"drift-report/{driftReportId}", details, $"retrain/{driftReportId}/started", ct,
            new RetrainStarted(driftReportId, run.Model, pipeline, started)).ConfigureAwait(false);
        return new PipelineStarted(started);
    }
}
