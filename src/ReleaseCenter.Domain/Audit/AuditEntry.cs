namespace ReleaseCenter.Domain.Audit;

/// <summary>
/// One link of a project's audit chain. <see cref="Hash"/> covers every other member and the
/// previous entry's hash (<see cref="AuditChain"/>), so changing, removing, inserting or
/// reordering entries breaks the chain at a seq the verifier can name.
/// </summary>
/// <param name="Seq">1, 2, 3… per project, without gaps.</param>
/// <param name="At">UTC, whole milliseconds (the precision of the canonical form and of the API).</param>
/// <param name="Action">What happened, e.g. "release.approved".</param>
/// <param name="Subject">What it happened to, e.g. "release/rel-01" or "model/fraud".</param>
public sealed record AuditEntry(
    string Project,
    long Seq,
    DateTimeOffset At,
    string Actor,
    string Action,
    string Subject,
    IReadOnlyDictionary<string, string> Details,
    string PreviousHash,
    string Hash);

/// <summary>
/// What a caller asks to record; the log numbers, timestamps and chains it.
/// </summary>
/// <param name="IdempotencyKey">Appending the same key again returns the entry it created and writes nothing
/// (a retried Step Functions task must not record the same event twice). Null: every append is new.</param>
public sealed record AuditRecord(
    string Project,
    string Actor,
    string Action,
    string Subject,
    IReadOnlyDictionary<string, string>? Details = null,
    string? IdempotencyKey = null);

/// <summary>The newest link of a project's chain: its seq (0 before the first entry) and hash (the genesis hash before the first entry).</summary>
public sealed record AuditHead(long Seq, string Hash)
{
    public static AuditHead Empty { get; } = new(0, AuditChain.GenesisHash);
}

/// <summary>Listing and export filters; each is optional. Time bounds are inclusive.</summary>
public sealed record AuditFilter(
    DateTimeOffset? Since = null,
    DateTimeOffset? Until = null,
    string? Actor = null,
    string? Action = null,
    string? Subject = null,
    string? Project = null);

/// <summary>
/// The outcome of walking one chain (or every chain). <see cref="EntriesChecked"/> counts the
/// entries that verified before the walk stopped: all of them when <see cref="Valid"/>.
/// </summary>
public sealed record AuditVerification(bool Valid, long EntriesChecked, long? FirstInvalidSeq = null, string? Project = null, string? Reason = null)
{
    /// <summary>How many anchors were checked against the chain (after the chain itself verified).</summary>
    public long AnchorsChecked { get; init; }

    /// <summary>The anchor the chain contradicts (its name), when that is why it is invalid.</summary>
    public string? Anchor { get; init; }
}
