using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

/// <summary>
/// What a change records beside itself: its audit entry and the events it announces, written in the
/// same transaction as the change, so a crash leaves all of them or none.
/// </summary>
public sealed record ChangeRecord(AuditRecord Audit, IReadOnlyList<ReleaseCenterEvent> Events)
{
    /// <summary>
    /// The audit record and the events of one change, each event keyed by <paramref name="changeKey"/> (its stable id) and
    /// stamped with the audit's project. Use the key that makes the change once-only, so a retried change has the same ids.
    /// </summary>
    public static ChangeRecord Of(AuditRecord audit, string changeKey, params ReleaseCenterEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(events);
        return new ChangeRecord(audit, events.Select(e => e.Keyed(changeKey, e.Project ?? (audit.Project.Length > 0 ? audit.Project : null))).ToArray());
    }
}

/// <summary>
/// The release's story and the audit chain, written together with the events they announce
/// (architecture.md, "Events"): the audit entry, the timeline entries and the events go into
/// the outbox in one transaction, once per the audit record's idempotency key. The relay then
/// publishes the outbox to the bus, at least once.
/// </summary>
public interface IJournal
{
    /// <returns>False when this change was recorded before (a timeline entry or the idempotency key exists): nothing was written.</returns>
    Task<bool> RecordAsync(ChangeRecord change, IReadOnlyList<TimelineEntry> timeline, CancellationToken ct);

    /// <summary>
    /// Events that no audit entry goes with (a reminder): each into the outbox once per id, so calling again after a crash
    /// writes what is missing and repeats nothing.
    /// </summary>
    Task PublishAsync(IReadOnlyList<ReleaseCenterEvent> events, CancellationToken ct);
}
