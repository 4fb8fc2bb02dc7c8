using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Domain.Audit;

/// <summary>
/// The append-only, tamper-evident audit log (architecture.md, "Storage"): one hash chain per
/// project. One adapter (DynamoDB).
/// </summary>
public interface IAuditLog
{
    /// <summary>
    /// Appends <paramref name="record"/> as the next link of its project's chain and returns the
    /// stored entry. Concurrent appends to one project get distinct, gapless seqs. When the
    /// record's idempotency key was appended before, returns that entry and writes nothing.
    /// </summary>
    /// <exception cref="Validation.DomainValidationException">the record breaks a rule of <see cref="AuditChain.Validate"/>.</exception>
    /// <exception cref="ConflictException">the idempotency key was used for a different project, action or subject.</exception>
    /// <exception cref="ConcurrencyConflictException">contention did not let the append through within its bounded attempts.</exception>
    Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct);

    /// <summary>Entries of every project, newest first.</summary>
    /// <exception cref="InvalidCursorException">the cursor was not issued by this listing.</exception>
    Task<Page<AuditEntry>> ListAsync(AuditFilter filter, int limit, string? cursor, CancellationToken ct);

    /// <summary>
    /// Entries of every project, oldest first, one bounded page at a time: the caller holds at
    /// most one page, however long the log.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<AuditEntry>> ExportAsync(AuditFilter filter, CancellationToken ct);

    /// <summary>One entry of a project's chain (consistent read); null when there is none at that seq.</summary>
    Task<AuditEntry?> GetEntryAsync(string project, long seq, CancellationToken ct);

    /// <summary>Every project's chain head.</summary>
    Task<IReadOnlyList<(string Project, AuditHead Head)>> ListHeadsAsync(CancellationToken ct);

    /// <summary>Walks one project's chain, or every project's (stopping at the first invalid one) when <paramref name="project"/> is null.</summary>
    Task<AuditVerification> VerifyAsync(string? project, CancellationToken ct);
}
