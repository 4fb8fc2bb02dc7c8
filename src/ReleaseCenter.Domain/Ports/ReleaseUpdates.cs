using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Domain.Ports;

public static class ReleaseUpdates
{
    /// <summary>
    /// Read, change, conditional write; when another writer got there first, read again and
    /// re-apply. <paramref name="change"/> returns null when nothing is left to do, which makes
    /// every caller idempotent. Returns the release as stored afterwards.
    /// </summary>
    /// <exception cref="NotFoundException">the release does not exist.</exception>
    public static Task<Release> UpdateReleaseAsync(this IRegistryStore store, string releaseId, Func<Release, Release?> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Revisions.UpdateAsync(() => store.GetReleaseAsync(releaseId, ct), r => r.Revision, (r, revision) => store.UpdateReleaseAsync(r, revision, ct),
            change, $"Release '{releaseId}' does not exist.", ct);
    }

    /// <summary>The same read, change, conditional write loop for a rollback.</summary>
    /// <exception cref="NotFoundException">the rollback does not exist.</exception>
    public static Task<Rollback> UpdateAsync(this IRollbackStore store, string id, Func<Rollback, Rollback?> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Revisions.UpdateAsync(() => store.GetAsync(id, ct), r => r.Revision, (r, revision) => store.UpdateAsync(r, revision, ct),
            change, $"Rollback '{id}' does not exist.", ct);
    }
}

public static class RetrainUpdates
{
    /// <summary>The same read, change, conditional write loop for a retrain run.</summary>
    /// <exception cref="NotFoundException">the run does not exist.</exception>
    public static Task<Drift.RetrainRun> UpdateRunAsync(this IRetrainStore store, string driftReportId, Func<Drift.RetrainRun, Drift.RetrainRun?> change,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Revisions.UpdateAsync(() => store.GetRunAsync(driftReportId, ct), r => r.Revision, (r, revision) => store.UpdateRunAsync(r, revision, ct),
            change, $"No retrain run for drift report '{driftReportId}'.", ct);
    }
}

/// <summary>Optimistic concurrency for items stored under a revision number.</summary>
internal static class Revisions
{
    public static async Task<T> UpdateAsync<T>(Func<Task<T?>> read, Func<T, long> revisionOf, Func<T, long, Task<T>> write, Func<T, T?> change,
        string notFound, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var current = await read().ConfigureAwait(false) ?? throw new NotFoundException(notFound);
            var next = change(current);
            if (next is null)
            {
                return current;
            }
            try
            {
                return await write(next, revisionOf(current)).ConfigureAwait(false);
            }
            catch (ConcurrencyConflictException) when (attempt < 20)
            {
                await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 5)), ct).ConfigureAwait(false);
            }
        }
    }
}
