using System.Text.Json;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Not a state machine task: the target of the rule on AWS's own drift signals (CloudWatch alarms, Model
/// Monitor violations) on the default bus. A signal about a registered model becomes a drift report.
/// </summary>
public sealed class NormalizeDriftSignalStep(DriftService drift, EnvironmentPolicies policies, ReleaseCenterSettings settings) : ITaskStep
{
    public string Handler => RetrainWorkflow.SignalFunction.Handler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var signal = AwsDriftSignals.Normalize(payload, policies.All.Select(e => e.Name).ToArray(), out var why, settings.SageMakerNamePrefix);
        var report = signal is null ? null : await drift.SubmitSignalAsync(signal, ct).ConfigureAwait(false);
        return Payload.Json(new Dictionary<string, string>
        {
            ["driftReportId"] = report?.Id ?? "",
            ["ignored"] = report is not null ? "" : signal is null ? why : $"Model {signal.Model} is not registered here.",
        }, WorkflowJsonContext.Default.DictionaryStringString);
    }
}
