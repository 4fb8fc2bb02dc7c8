namespace ReleaseCenter.Domain.Audit;

/// <summary>
/// A project's chain head (seq, hash) as it was at <see cref="At"/>, written outside the table where
/// nobody can change or delete it (S3 Object Lock, compliance mode). A rewrite of the chain in the
/// table, head included, cannot change what an anchor says, so verification names the anchor it
/// contradicts.
/// </summary>
/// <param name="Name">Where the anchor is kept (its S3 key), so a report can point at it.</param>
public sealed record AuditAnchor(string Project, long Seq, string Hash, DateTimeOffset At, string Name);

/// <summary>The write-once store of chain anchors (architecture.md, "Audit log").</summary>
public interface IAuditAnchors
{
    /// <summary>A project's anchors (every project's when null), oldest first within a project.</summary>
    Task<IReadOnlyList<AuditAnchor>> ListAsync(string? project, CancellationToken ct);

    /// <summary>Writes <paramref name="head"/> of <paramref name="project"/> as an anchor that cannot be changed or deleted.</summary>
    Task<AuditAnchor> WriteAsync(string project, AuditHead head, DateTimeOffset at, CancellationToken ct);
}

/// <summary>When a project's head is anchored: after this many new entries, or this long after the last anchor, whichever comes first.</summary>
public sealed record AnchorPolicy(int EveryEntries, TimeSpan EveryInterval)
{
    public static AnchorPolicy Default { get; } = new(100, TimeSpan.FromHours(1));

    /// <summary>Whether <paramref name="head"/> should be anchored now, given the newest anchor (null: none yet).</summary>
    public bool IsDue(AuditHead head, AuditAnchor? last, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(head);
        if (head.Seq == 0 || (last is not null && last.Seq >= head.Seq))
        {
            return false; // nothing new since the last anchor
        }
        return last is null || head.Seq - last.Seq >= EveryEntries || now - last.At >= EveryInterval;
    }

    /// <summary>
    /// Checks anchors against the chain: each anchored seq must still hold the anchored hash. Returns the first contradiction
    /// (the anchor and why), or null when every anchor agrees. <paramref name="entryAt"/> reads one entry (null: missing).
    /// </summary>
    public static async Task<(AuditAnchor Anchor, string Reason)?> FirstContradictionAsync(IEnumerable<AuditAnchor> anchors,
        Func<string, long, Task<AuditEntry?>> entryAt)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(entryAt);
        foreach (var anchor in anchors)
        {
            var entry = await entryAt(anchor.Project, anchor.Seq).ConfigureAwait(false);
            if (entry is null)
            {
                return (anchor, $"entry {anchor.Seq} is missing, but anchor {anchor.Name} (written {AuditChain.FormatTime(anchor.At)}) records that the chain reached it");
            }
            if (!string.Equals(entry.Hash, anchor.Hash, StringComparison.Ordinal))
            {
                return (anchor, $"entry {anchor.Seq} has hash {entry.Hash}, but anchor {anchor.Name} (written {AuditChain.FormatTime(anchor.At)}) recorded {anchor.Hash}: "
                    + "the chain was rewritten after it was anchored");
            }
        }
        return null;
    }
}
