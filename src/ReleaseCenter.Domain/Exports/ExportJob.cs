namespace ReleaseCenter.Domain.Exports;

/// <summary>What an export job produces: a release catalog or audit file, or the report of a chain verification.</summary>
public static class ExportKinds
{
    public const string Releases = "releases";
    public const string Audit = "audit";
    public const string AuditVerify = "audit-verify";

    public static IReadOnlyList<string> All { get; } = [Releases, Audit, AuditVerify];
}

public enum ExportStatus
{
    /// <summary>Recorded; the export function has not picked it up yet.</summary>
    Queued,

    /// <summary>Being written to the export bucket.</summary>
    Running,

    /// <summary>The file is in the bucket; the status route hands out a short-lived download link.</summary>
    Succeeded,

    /// <summary>Stopped with a reason; nothing is downloadable.</summary>
    Failed,
}

/// <summary>
/// An asynchronous export (architecture.md, "Exports"): what was asked (kind, format, the same filters as the
/// streamed route), by whom, and how it went. Filters are kept as the query parameters they came as, and are
/// validated again by the runner with the same rules as the request.
/// </summary>
public sealed record ExportJob(
    string Id,
    string Kind,
    string? Format,
    IReadOnlyDictionary<string, string> Filters,
    string RequestedBy,
    DateTimeOffset CreatedAt)
{
    public ExportStatus Status { get; init; } = ExportStatus.Queued;

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How many times the runner started it (a crashed run is started again by the stream's retry).</summary>
    public int Attempts { get; init; }

    /// <summary>Rows written (entries checked, for a verification).</summary>
    public long Rows { get; init; }

    public long Bytes { get; init; }

    /// <summary>The object in the export bucket, once it succeeded.</summary>
    public string? ObjectKey { get; init; }

    /// <summary>The name the download is saved under.</summary>
    public string? FileName { get; init; }

    /// <summary>Why it failed.</summary>
    public string? Error { get; init; }

    /// <summary>A verification's report as JSON (also the object's content).</summary>
    public string? Result { get; init; }
}
