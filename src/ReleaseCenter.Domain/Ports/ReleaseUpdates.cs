using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

public static class ReleaseUpdates
{
    /// <summary>
    /// Read, change, conditional write; when another writer got there first, read again and
    /// re-apply. <paramref name="change"/> returns null when nothing is left to do, which makes
    /// every caller idempotent. Returns the release as stored afterwards.
    /// </summary>
    /// <exception cref="NotFoundException">the release does not exist.</exception>
    public static async Task<Release> UpdateReleaseAsync(this IRegistryStore store, string releaseId, Func<Release, Release?> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"Release '{releaseId}' does not exist.");
            var next = change(current);
            if (next is null)
            {
                return current;
            }
            try
            {
                return await store.UpdateReleaseAsync(next, current.Revision, ct).ConfigureAwait(false);
            }
            catch (ConcurrencyConflictException) when (attempt < 20)
            {
                await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 5)), ct).ConfigureAwait(false);
            }
        }
    }
}
