using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Evaluate the candidate: each environment's gate against the version's metrics and what is live there.
/// A release that failed a gate has its stages rejected; the plan tells the state machine what each stage needs.
/// </summary>
public sealed class EvaluateStep(
    ReleaseRecord record,
    IRegistryStore registry,
    IWorkflowStore workflow,
    Policies.PolicyService policyService,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "evaluate";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EvaluateResult);

    public async Task<EvaluateResult> RunAsync(string releaseId, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var policies = new Dictionary<string, EnvironmentPolicy>(StringComparer.Ordinal);
        foreach (var environment in release.Environments)
        {
            policies[environment] = (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy;
        }
        if (release.Status == ReleaseStatus.Pending)
        {
            var version = await registry.GetVersionAsync(release.Model, release.Version, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Release {releaseId} names {release.Model} v{release.Version}, which does not exist.");
            var reports = new Dictionary<string, EvaluationReport>(StringComparer.Ordinal);
            foreach (var environment in release.Environments)
            {
                var live = await workflow.GetLiveAsync(environment, release.Model, ct).ConfigureAwait(false);
                var liveMetrics = live is null ? null
                    : (await registry.GetVersionAsync(release.Model, live.Version, ct).ConfigureAwait(false))?.Metrics;
                reports[environment] = policies[environment].Gate.Evaluate(version.Metrics, liveMetrics, live?.Version);
            }
            var now = clock.GetUtcNow();
            release = await record.SaveAsync(releaseId, r =>
            {
                if (r.Status != ReleaseStatus.Pending)
                {
                    return null;
                }
                var next = r.MoveTo(ReleaseStatus.Evaluating, now);
                foreach (var environment in r.Environments)
                {
                    var policy = policies[environment];
                    next = next.MoveStage(environment, ReleaseStatus.Evaluating, now).WithStage(environment, s => s with
                    {
                        Evaluation = reports[environment],
                        RequiresApproval = policy.RequiresApproval && !policy.AutoPromote,
                        RequiredApprovals = policy.AutoPromote ? 0 : policy.Approval.Required,
                        AutoPromoted = policy.AutoPromote,
                        ApproverGroups = policy.AutoPromote ? [] : policy.Approval.Groups,
                        ApprovalTimeoutSeconds = policy.AutoPromote || !policy.RequiresApproval ? null : policy.Approval.TimeoutSeconds,
                        Strategy = StrategySummary.From(policy.Deployment),
                    }, now);
                    if (!reports[environment].Passed)
                    {
                        next = next.MoveStage(environment, ReleaseStatus.Rejected, now);
                    }
                }
                return next;
            }, ct).ConfigureAwait(false);
        }

        // Outside the block above: an attempt that died after saving the evaluation left this entry to its retry.
        var failed = release.Stages.Where(s => s.Evaluation is { Passed: false }).ToArray();
        await record.TimelineAsync(release, null, "evaluated", failed.Length == 0
            ? $"Passed the evaluation gate of {string.Join(", ", release.Environments)} under {(release.Policy ?? PolicyPin.None).Describe()}."
                + (release.Stages.Where(s => s.AutoPromoted).Select(s => s.Environment).ToArray() is { Length: > 0 } auto
                    ? $" {string.Join(", ", auto)} promote{(auto.Length == 1 ? "s" : "")} automatically: no approval is asked there."
                    : "")
            : $"Failed the evaluation gate under {(release.Policy ?? PolicyPin.None).Describe()}: " + string.Join("; ", failed.Select(f =>
                $"{f.Environment}: {string.Join(", ", f.Evaluation!.Metrics.Where(m => m.Verdict == Verdict.Fail).SelectMany(m => m.Reasons))}")), ct).ConfigureAwait(false);
        var passed = release.Stages.All(s => s.Evaluation?.Passed == true);
        return new EvaluateResult(passed, release.Stages.Select(s =>
        {
            var policy = policies[s.Environment];
            return new StagePlan(s.Environment, policy.RequiresApproval && !policy.AutoPromote, Math.Max(1, policy.Approval.TimeoutSeconds), policy.BakeSeconds);
        }).ToArray());
    }
}
