using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Wait for approval: stores the newest task token and asks the environment's approvers (once).
/// </summary>
public sealed class RequestApprovalStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    Policies.PolicyService policyService,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "request-approval";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), Payload.Text(payload, "taskToken"), ct).ConfigureAwait(false);
        return Payload.Empty;
    }

    public async Task RunAsync(string releaseId, string environment, string taskToken, CancellationToken ct)
    {
        // Always store the newest token: a retried wait task gets a new one, and only that one can complete it.
        await workflow.PutTaskTokenAsync(releaseId, environment, taskToken, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var release = await record.SaveAsync(releaseId, r =>
        {
            var stage = r.Stage(environment);
            if (stage.Status != ReleaseStatus.Evaluating)
            {
                return null;
            }
            var next = r.MoveStage(environment, ReleaseStatus.AwaitingApproval, now).WithStage(environment, s => s with { ApprovalRequestedAt = now }, now);
            return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.AwaitingApproval) ? next.MoveTo(ReleaseStatus.AwaitingApproval, now) : next;
        }, ct).ConfigureAwait(false);
        var policy = (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy;
        var message = $"Waiting for {policy.Approval.Required} approval(s) in {environment} from {string.Join(" or ", policy.Approval.Groups)}.";
        await record.TimelineAsync(release, environment, "approval-requested", message, ct,
            new ReleaseApprovalRequested(release.Id, release.Model, release.Version.ToString(CultureInfo.InvariantCulture), environment,
                policy.Approval.Required.ToString(CultureInfo.InvariantCulture), string.Join(",", policy.Approval.Groups), $"/v1/releases/{release.Id}/approvals",
                release.RequestedBy, release.Bundle?.Digest ?? "", release.Stage(environment).EvaluationDigest ?? "", MetricsLine(release.Stage(environment)),
                (release.Stage(environment).ApprovalRequestedAt ?? now).AddSeconds(Math.Max(1, policy.Approval.TimeoutSeconds)).UtcDateTime
                    .ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)))
            .ConfigureAwait(false);
    }

    /// <summary>
    /// The evaluation in one line for a message. Only metric names (letters, digits, '_', '.', '-'), numbers and verdicts
    /// go in: it is put inside a JSON string by EventBridge's transformer, which escapes nothing.
    /// </summary>
    internal static string MetricsLine(ReleaseStage stage)
    {
        static string Number(double? value) => value is { } v ? Math.Round(v, 4).ToString("0.####", CultureInfo.InvariantCulture) : "-";
        static string Safe(string name) => new(name.Where(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-').ToArray());
        return stage.Evaluation is not { } evaluation || evaluation.Metrics.Count == 0
            ? "no metrics evaluated"
            : string.Join("; ", evaluation.Metrics.Select(m =>
                $"{Safe(m.Metric)} {Number(m.Value)} ({(m.Delta is { } d ? $"better than live by {(d > 0 ? "+" : "")}{Number(d)}, " : "")}{m.Verdict})"));
    }
}
