using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Not a state machine task: the reminder sweep, on a schedule (an EventBridge rule in AWS, a background loop locally).
/// </summary>
public sealed class SendRemindersStep(
    ReleaseRecord record,
    IRegistryStore registry,
    Policies.PolicyService policyService,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "send-reminders";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        $$"""{"sent":{{await RunAsync(ct).ConfigureAwait(false)}}}""";

    /// <summary>
    /// The reminder sweep (a scheduled function in AWS, a background loop locally): every stage that
    /// has waited for approval longer than its policy's reminder delay gets one reminder event. The
    /// timeline entry is the once-only guard, written with the event, so overlapping sweeps announce nothing twice.
    /// </summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sent = 0;
        string? cursor = null;
        do
        {
            var page = await registry.ListReleasesAsync(null, 100, cursor, ct, new ReleaseFilter(ReleaseStatus.AwaitingApproval)).ConfigureAwait(false);
            foreach (var release in page.Items)
            {
                foreach (var stage in release.Stages.Where(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is null && s.ApprovalRequestedAt is not null))
                {
                    var policy = (await policyService.ForReleaseAsync(release, stage.Environment, ct).ConfigureAwait(false)).Policy.Approval;
                    if (policy.ReminderSeconds is not { } delay || stage.ApprovalRequestedAt!.Value.AddSeconds(delay) > now)
                    {
                        continue;
                    }
                    var remaining = ApprovalGate.Remaining(stage, policy);
                    if (await record.TimelineAsync(release, stage.Environment, "approval-reminder",
                        $"Reminder: {stage.Environment} still needs {remaining} approval(s) from {string.Join(" or ", policy.Groups)}.", ct,
                        new ReleaseApprovalReminder(release.Id, release.Model, release.Version.ToString(CultureInfo.InvariantCulture), stage.Environment,
                            remaining.ToString(CultureInfo.InvariantCulture), string.Join(",", policy.Groups),
                            stage.ApprovalRequestedAt.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), $"/v1/releases/{release.Id}/approvals"))
                        .ConfigureAwait(false))
                    {
                        sent++;
                    }
                }
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return sent;
    }
}
