using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Functions.Releases;

/// <summary>
/// Where every step is written down: the release's timeline (its story, shown by /history), the
/// tamper-evident audit chain of its model's project, and the events that announce it, all in one
/// transaction (<see cref="IJournal"/>). Each record is once-only, keyed by release, environment and
/// step (or the caller's key), so a Step Functions retry or a repeated request records nothing
/// twice, and a retry after a crash writes everything the crash left unwritten. Every event's id
/// derives from the same key, so consumers can deduplicate what the relay delivers twice.
/// </summary>
public sealed class ReleaseJournal(IJournal journal, ModelProjects projects, Telemetry.ReleaseMetrics metrics)
{
    /// <returns>Whether this call recorded the step (false: it was recorded before).</returns>
    public async Task<bool> RecordAsync(Release release, string? environment, string step, string action, string message, string actor,
        DateTimeOffset at, CancellationToken ct, IReadOnlyDictionary<string, string>? details = null, ReleaseCenterEvent? announce = null)
    {
        ArgumentNullException.ThrowIfNull(release);
        var auditDetails = new Dictionary<string, string>(details ?? new Dictionary<string, string>(), StringComparer.Ordinal)
        {
            ["model"] = release.Model,
            ["version"] = release.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = message,
        };
        if (environment is not null)
        {
            auditDetails["environment"] = environment;
        }
        var key = $"release/{release.Id}/{environment ?? "-"}/{step}";
        var project = await projects.GetAsync(release.Model, ct).ConfigureAwait(false);
        var recorded = await journal.RecordAsync(
            ChangeRecord.Of(new AuditRecord(project, actor, action, $"release/{release.Id}", auditDetails, key), key, Events(announce)),
            [new TimelineEntry(release.Id, environment, step, message, actor, at)], ct).ConfigureAwait(false);
        if (recorded)
        {
            Measure(release, environment, step, auditDetails, at);
        }
        return recorded;
    }

    /// <summary>The metric points a release step makes, counted once: only by the call that recorded the step.</summary>
    private void Measure(Release release, string? environment, string step, Dictionary<string, string> details, DateTimeOffset at)
    {
        var stage = environment is null ? null : release.Stages.FirstOrDefault(s => s.Environment == environment);
        switch (step)
        {
            case "requested":
                metrics.ReleaseStarted(release.Id, release.Model);
                break;
            case "finished":
                metrics.ReleaseEnded(release.Id, release.Model, release.Status.ToString());
                break;
            case "evaluated":
                foreach (var rejected in release.Stages.Where(s => s.Evaluation is { Passed: false }))
                {
                    metrics.GateRejected(release.Id, release.Model, rejected.Environment, "evaluation");
                }
                break;
            case "deployed" when stage?.Deployment is { } deployment:
                metrics.Deployed(release.Id, release.Model, stage.Environment, (deployment.CompletedAt ?? at) - deployment.StartedAt);
                break;
            case "rolled-back" when stage is not null:
                metrics.RolledBack(release.Id, release.Model, stage.Environment, "automatic");
                break;
            default:
                // A vote that decided the approval gate: how long the stage waited, and a rejection.
                if (stage is not null && details.TryGetValue("decided", out var decided) && decided.Length > 0)
                {
                    if (stage.ApprovalRequestedAt is { } asked)
                    {
                        metrics.ApprovalDecided(release.Id, release.Model, stage.Environment, decided, at - asked);
                    }
                    if (decided == ApprovalRules.Rejected)
                    {
                        metrics.GateRejected(release.Id, release.Model, stage.Environment, "approval");
                    }
                }
                break;
        }
    }

    /// <summary>
    /// A step of a rollback, audited once (keyed by rollback and step) in the model's project, and
    /// written on the timelines of the two releases it concerns so that each release's story says
    /// when it was rolled back or restored.
    /// </summary>
    public async Task RecordRollbackAsync(Rollback rollback, string step, string action, string message, string actor, DateTimeOffset at, CancellationToken ct,
        bool onReleaseTimelines = false, ReleaseCenterEvent? announce = null)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        var timeline = onReleaseTimelines
            ? new[] { rollback.From.Release, rollback.To.Release }.Distinct(StringComparer.Ordinal)
                .Select(release => new TimelineEntry(release, rollback.Environment, $"{step}-{rollback.Id}", message, actor, at)).ToArray()
            : [];
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["environment"] = rollback.Environment,
            ["model"] = rollback.Model,
            ["fromRelease"] = rollback.From.Release,
            ["toRelease"] = rollback.To.Release,
            ["message"] = message,
        };
        var key = $"rollback/{rollback.Id}/{step}";
        var project = await projects.GetAsync(rollback.Model, ct).ConfigureAwait(false);
        var recorded = await journal.RecordAsync(
            ChangeRecord.Of(new AuditRecord(project, actor, action, $"rollback/{rollback.Id}", details, key), key, Events(announce)), timeline, ct)
            .ConfigureAwait(false);
        if (recorded && step == "completed")
        {
            metrics.RolledBack(rollback.Id, rollback.Model, rollback.Environment, "requested");
        }
    }

    /// <summary>A workflow step about a model (retraining, a freed lock), audited once per <paramref name="idempotencyKey"/> in the model's project.</summary>
    public async Task RecordModelStepAsync(string model, string actor, string action, string subject, IReadOnlyDictionary<string, string> details,
        string idempotencyKey, CancellationToken ct, ReleaseCenterEvent? announce = null)
    {
        var project = await projects.GetAsync(model, ct).ConfigureAwait(false);
        await journal.RecordAsync(
            ChangeRecord.Of(new AuditRecord(project, actor, action, subject, details, idempotencyKey), idempotencyKey, Events(announce)), [], ct)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// A change made by a request (a drift report, a policy), audited in the model's project with the events it announces.
    /// <paramref name="changeKey"/> names the change (the ids of its events derive from it); when <paramref name="once"/>,
    /// it is also the audit's idempotency key.
    /// </summary>
    public Task RecordRegistryAsync(string project, string actor, string action, string subject, IReadOnlyDictionary<string, string> details, CancellationToken ct,
        string? changeKey = null, bool once = false, ReleaseCenterEvent? announce = null) =>
        journal.RecordAsync(
            ChangeRecord.Of(new AuditRecord(project, actor, action, subject, details, once ? changeKey : null), changeKey ?? $"{action}/{subject}/{Guid.NewGuid():N}",
                Events(announce)), [], ct);

    /// <summary>
    /// What a registry change (a model, a version, a consumer, a policy) records, for the store to write in the change's own
    /// transaction: the audit entry in <paramref name="project"/>'s chain, and the events it announces.
    /// </summary>
    public static ChangeRecord Registry(string project, string actor, string action, string subject, IReadOnlyDictionary<string, string> details,
        params ReleaseCenterEvent[] announce) =>
        ChangeRecord.Of(new AuditRecord(project, actor, action, subject, details), $"{action}/{subject}/{Guid.NewGuid():N}", announce);

    /// <summary>An event no audit entry goes with, into the outbox once per <paramref name="changeKey"/>.</summary>
    public Task PublishAsync(ReleaseCenterEvent announce, string changeKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(announce);
        return journal.PublishAsync([announce.Keyed(changeKey, null)], ct);
    }

    private static ReleaseCenterEvent[] Events(ReleaseCenterEvent? announce) => announce is null ? [] : [announce];
}
