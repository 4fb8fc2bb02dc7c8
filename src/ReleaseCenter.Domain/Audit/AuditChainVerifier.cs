namespace ReleaseCenter.Domain.Audit;

/// <summary>
/// Walks one project's entries in seq order and stops at the first that breaks the chain. Fed one
/// entry at a time, so a caller can stream a chain of any length through it in constant memory.
/// What each check catches:
/// <list type="bullet">
/// <item>seq is not the next number: a deleted entry (a gap), a duplicate seq (an insertion) or a reordering;</item>
/// <item>previousHash is not the hash of the entry before: an insertion, a reordering or swapped content;</item>
/// <item>the recomputed hash differs from the stored one: a modified entry;</item>
/// <item>the last entry disagrees with the chain head (seq or hash): entries deleted or appended at the tail.</item>
/// </list>
/// Someone able to rewrite the head and every entry after the one they change can recompute a
/// consistent chain; catching that needs the head hash kept somewhere they cannot write.
/// </summary>
public sealed class AuditChainVerifier(string? project = null)
{
    private long _expectedSeq = 1;
    private string _previousHash = AuditChain.GenesisHash;
    private long _checked;
    private AuditVerification? _failure;

    /// <summary>The seq of the last entry that verified (0 before any).</summary>
    public long LastSeq => _expectedSeq - 1;

    /// <summary>Whether a check has failed already.</summary>
    public bool Failed => _failure is not null;

    /// <summary>Records an entry the caller could not even read (a forged or damaged item) as the chain's break.</summary>
    public void Reject(long seq, string reason)
    {
        _failure ??= new AuditVerification(false, _checked, Math.Min(seq, _expectedSeq), project, reason);
    }

    /// <summary>Checks the next entry; false once the chain is broken (later entries are then ignored).</summary>
    public bool Accept(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_failure is not null)
        {
            return false;
        }
        string? reason = null;
        var invalidSeq = entry.Seq;
        if (entry.Seq > _expectedSeq)
        {
            invalidSeq = _expectedSeq;
            reason = $"Entry {_expectedSeq} is missing: entry {entry.Seq} follows entry {_expectedSeq - 1}.";
        }
        else if (entry.Seq < _expectedSeq)
        {
            reason = $"Entry {entry.Seq} appears again (or out of order) after entry {_expectedSeq - 1}.";
        }
        else if (project is not null && !string.Equals(entry.Project, project, StringComparison.Ordinal))
        {
            reason = $"Entry {entry.Seq} names project '{entry.Project}', not '{project}'.";
        }
        else if (!string.Equals(entry.PreviousHash, _previousHash, StringComparison.Ordinal))
        {
            reason = _expectedSeq == 1
                ? "Entry 1 does not start from the genesis hash."
                : $"Entry {entry.Seq} does not link to entry {entry.Seq - 1}: its previousHash is not that entry's hash.";
        }
        else if (!string.Equals(AuditChain.ComputeHash(entry), entry.Hash, StringComparison.Ordinal))
        {
            reason = $"Entry {entry.Seq} was modified: its content does not match its hash.";
        }
        if (reason is not null)
        {
            _failure = new AuditVerification(false, _checked, invalidSeq, project ?? entry.Project, reason);
            return false;
        }
        _checked++;
        _expectedSeq++;
        _previousHash = entry.Hash;
        return true;
    }

    /// <summary>The verdict once every entry was fed.</summary>
    /// <param name="head">The chain head as stored: catches entries removed or added at the end. Null: check the links only.</param>
    public AuditVerification Complete(AuditHead? head)
    {
        if (_failure is not null)
        {
            return _failure;
        }
        var last = _expectedSeq - 1;
        if (head is not null)
        {
            if (last < head.Seq)
            {
                return new AuditVerification(false, _checked, last + 1, project,
                    $"Entry {last + 1} is missing: the chain head is at entry {head.Seq} but the chain ends at entry {last}.");
            }
            if (last > head.Seq)
            {
                return new AuditVerification(false, head.Seq, head.Seq + 1, project,
                    $"Entry {head.Seq + 1} is not part of the chain: the chain head is at entry {head.Seq}.");
            }
            if (!string.Equals(head.Hash, _previousHash, StringComparison.Ordinal))
            {
                return new AuditVerification(false, Math.Max(0, last - 1), Math.Max(1, last), project,
                    $"Entry {last} does not match the chain head's hash.");
            }
        }
        return new AuditVerification(true, _checked, null, project);
    }

    /// <summary>Walks <paramref name="entries"/> (in the order given, which should be seq order) and compares the end with <paramref name="head"/>.</summary>
    public static AuditVerification Verify(IEnumerable<AuditEntry> entries, AuditHead? head = null, string? project = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var verifier = new AuditChainVerifier(project);
        foreach (var entry in entries)
        {
            if (!verifier.Accept(entry))
            {
                break;
            }
        }
        return verifier.Complete(head);
    }
}
