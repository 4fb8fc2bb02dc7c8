using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// The DynamoDB adapter of <see cref="IJournal"/>: timeline entries and outbox events go into the audit
/// append's transaction (<see cref="DynamoAuditLog.AppendWithAsync"/>), so they are written together or
/// not at all. The stores use <see cref="WriteAsync"/> to put their own change into the same transaction.
/// </summary>
public sealed class DynamoJournal(DynamoAuditLog audit, DynamoOutbox outbox) : IJournal
{
    public async Task<bool> RecordAsync(ChangeRecord change, IReadOnlyList<TimelineEntry> timeline, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(timeline);
        // A timeline entry or event that exists means this step was recorded before.
        var writes = timeline.Select(t => new TransactWriteItem { Put = DynamoWorkflowStore.TimelinePut(audit.TableName, t) }).ToArray();
        return await WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>((writes, change)), _ => ChangeConflict.AlreadyMade, ct)
            .ConfigureAwait(false);
    }

    public Task PublishAsync(IReadOnlyList<ReleaseCenterEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        return outbox.PutAsync(events.Select(EventJsonContext.ToOutbox).ToArray(), ct);
    }

    /// <summary>
    /// Writes a store's change, its audit entry and its events in one transaction. <paramref name="build"/> runs before every
    /// attempt (it may re-read what the change depends on). A failed condition on one of the change's writes is passed to
    /// <paramref name="onConflict"/> by index (it may throw the store's refusal); an outbox event that exists counts as made.
    /// </summary>
    /// <returns>False when nothing was written because the change was made before.</returns>
    public async Task<bool> WriteAsync(Func<CancellationToken, Task<(IReadOnlyList<TransactWriteItem> Change, ChangeRecord Record)>> build,
        Func<int, ChangeConflict> onConflict, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(onConflict);
        var changeCount = 0;
        var hadEvents = false;
        var entry = await audit.AppendWithAsync(async token =>
        {
            var (change, record) = await build(token).ConfigureAwait(false);
            changeCount = change.Count;
            hadEvents = record.Events.Count > 0;
            IReadOnlyList<TransactWriteItem> writes =
                [.. change, .. record.Events.Select(e => new TransactWriteItem { Put = outbox.PutFor(EventJsonContext.ToOutbox(e)) })];
            return (writes, record.Audit);
        }, index => index < changeCount ? onConflict(index) : ChangeConflict.AlreadyMade, ct).ConfigureAwait(false);
        if (entry is not null && hadEvents)
        {
            outbox.Signal.Notify();
        }
        return entry is not null;
    }
}
