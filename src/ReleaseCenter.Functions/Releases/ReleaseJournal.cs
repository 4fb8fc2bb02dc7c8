using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Functions.Releases;

/// <summary>
/// Where every step of a release is written down, twice over: the release's timeline (its
/// story, shown by /history) and the tamper-evident audit chain of its model's project. Both
/// writes are once-only, keyed by release, environment and step, so a Step Functions retry or
/// a repeated request records nothing twice; a retry after a partial failure completes what is missing.
/// </summary>
public sealed class ReleaseJournal(IWorkflowStore workflow, IAuditLog audit, ModelProjects projects)
{
    /// <returns>Whether the timeline entry is new (the first time this step is recorded).</returns>
    public async Task<bool> RecordAsync(Release release, string? environment, string step, string action, string message, string actor,
        DateTimeOffset at, CancellationToken ct, IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(release);
        var isNew = await workflow.AppendTimelineAsync(new TimelineEntry(release.Id, environment, step, message, actor, at), ct).ConfigureAwait(false);
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
        await audit.AppendAsync(new AuditRecord(await projects.GetAsync(release.Model, ct).ConfigureAwait(false), actor, action, $"release/{release.Id}",
            auditDetails, IdempotencyKey: $"release/{release.Id}/{environment ?? "-"}/{step}"), ct).ConfigureAwait(false);
        return isNew;
    }

    /// <summary>
    /// A step of a rollback, audited once (keyed by rollback and step) in the model's project, and
    /// written on the timelines of the two releases it concerns so that each release's story says
    /// when it was rolled back or restored.
    /// </summary>
    public async Task RecordRollbackAsync(Rollback rollback, string step, string action, string message, string actor, DateTimeOffset at, CancellationToken ct,
        bool onReleaseTimelines = false)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        if (onReleaseTimelines)
        {
            foreach (var release in new[] { rollback.From.Release, rollback.To.Release })
            {
                await workflow.AppendTimelineAsync(new TimelineEntry(release, rollback.Environment, $"{step}-{rollback.Id}", message, actor, at), ct)
                    .ConfigureAwait(false);
            }
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["environment"] = rollback.Environment,
            ["model"] = rollback.Model,
            ["fromRelease"] = rollback.From.Release,
            ["toRelease"] = rollback.To.Release,
            ["message"] = message,
        };
        await audit.AppendAsync(new AuditRecord(await projects.GetAsync(rollback.Model, ct).ConfigureAwait(false), actor, action, $"rollback/{rollback.Id}",
            details, IdempotencyKey: $"rollback/{rollback.Id}/{step}"), ct).ConfigureAwait(false);
    }

    /// <summary>A workflow step about a model (retraining), audited once per <paramref name="idempotencyKey"/> in the model's project.</summary>
    public async Task RecordModelStepAsync(string model, string actor, string action, string subject, IReadOnlyDictionary<string, string> details,
        string idempotencyKey, CancellationToken ct) =>
        await audit.AppendAsync(new AuditRecord(await projects.GetAsync(model, ct).ConfigureAwait(false), actor, action, subject, details,
            IdempotencyKey: idempotencyKey), ct).ConfigureAwait(false);

    /// <summary>A registry change (model or version registered), audited in the model's project.</summary>
    public Task RecordRegistryAsync(string project, string actor, string action, string subject, IReadOnlyDictionary<string, string> details, CancellationToken ct) =>
        audit.AppendAsync(new AuditRecord(project, actor, action, subject, details), ct);
}
