using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Has the pipeline finished? Says when to ask again; past the policy's bound the pipeline is stopped and the retrain fails.
/// </summary>
public sealed class RetrainCheckPipelineStep(
    IRetrainStore retrain,
    ISageMaker sageMaker,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "retrain-check-pipeline";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.DriftReportId(payload), Payload.Text(payload, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.PipelineCheck);

    /// <summary>
    /// How the pipeline execution is doing. While it runs, says when to ask again (a tenth of the
    /// time it has run so far, from 1 s to 5 minutes), so a short pipeline is seen soon and a
    /// long one costs few transitions. Past the policy's pipelineTimeoutSeconds the execution is
    /// stopped (it would go on training, and registering, otherwise) and the retrain fails.
    /// </summary>
    public async Task<PipelineCheck> RunAsync(string driftReportId, string model, CancellationToken ct)
    {
        var run = await RetrainRuns.LoadAsync(retrain, driftReportId, ct).ConfigureAwait(false);
        var arn = run.PipelineExecutionArn ?? throw new InvalidOperationException($"The retrain of {driftReportId} has not started its pipeline.");
        var execution = await sageMaker.DescribePipelineExecutionAsync(arn, ct).ConfigureAwait(false);
        switch (execution.PipelineExecutionStatus)
        {
            case PipelineExecutionStatus.Succeeded:
                return new PipelineCheck(execution.PipelineExecutionStatus, true, 0);
            case PipelineExecutionStatus.Failed or PipelineExecutionStatus.Stopped:
                throw new WorkflowErrorException(RetrainRuns.PipelineFailed, $"{arn} ended {execution.PipelineExecutionStatus}: {execution.FailureReason}");
        }
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        var elapsed = clock.GetUtcNow() - (run.PipelineStartedAt ?? run.DecidedAt);
        if (elapsed.TotalSeconds > policy.PipelineTimeoutSeconds)
        {
            if (execution.PipelineExecutionStatus != PipelineExecutionStatus.Stopping)
            {
                await sageMaker.StopPipelineExecutionAsync(arn, $"stop-{driftReportId}", ct).ConfigureAwait(false);
            }
            throw new WorkflowErrorException(RetrainRuns.PipelineTimedOut,
                $"{arn} has run {elapsed.TotalSeconds:0} s, over the policy's {policy.PipelineTimeoutSeconds} s; it was told to stop.");
        }
        return new PipelineCheck(execution.PipelineExecutionStatus, false, (int)Math.Clamp(elapsed.TotalSeconds / 10, 1, 300));
    }
}
