using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Exports;

namespace ReleaseCenter.Api.Exports;

/// <summary>
/// POST /v1/exports. <c>filters</c> are the query parameters of the matching streamed route (GET /v1/releases/export,
/// GET /v1/audit/export, GET /v1/audit/verify), with the same names and rules; a 413 from one of those routes carries
/// this body ready to send.
/// </summary>
public sealed record CreateExportRequest(string? Kind, string? Format, IReadOnlyDictionary<string, string>? Filters);

/// <summary>An export job as its requester sees it; <c>downloadUrl</c> is a presigned link, valid until <c>downloadExpiresAt</c>.</summary>
public sealed record ExportJobDto(
    string Id,
    string Kind,
    string? Format,
    IReadOnlyDictionary<string, string> Filters,
    string Status,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long Rows,
    long Bytes,
    string? FileName,
    string? DownloadUrl,
    DateTimeOffset? DownloadExpiresAt,
    string? Error,
    AuditVerificationDto? Verification)
{
    public static ExportJobDto From(ExportJob job, ExportStatus status, string? error, string? url, DateTimeOffset? urlExpires, AuditVerificationDto? verification) =>
        new(job.Id, job.Kind, job.Format, job.Filters, status.ToString(), job.RequestedBy, job.CreatedAt, job.StartedAt, job.FinishedAt, job.Rows, job.Bytes,
            job.FileName, url, urlExpires, error, verification);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(CreateExportRequest))]
[JsonSerializable(typeof(ExportJobDto))]
public sealed partial class ExportJsonContext : JsonSerializerContext;

/// <summary>
/// When an export or a verification is answered directly and when it must be a job. Behind API Gateway a Lambda
/// response carries at most 6 MB and an HTTP API integration waits at most 30 s.
/// </summary>
public sealed record ExportLimits
{
    /// <summary>
    /// The largest file answered directly. Lambda returns a text body inside a JSON envelope, where a quote or line
    /// break takes two bytes; 2.5 MiB stays under 6 MB even if every byte were one.
    /// </summary>
    public long InlineBytes { get; init; } = 5 * 512 * 1024;

    /// <summary>The longest chain (entries of the projects asked for) verified inside a request; DynamoDB reads far more than this in 30 s.</summary>
    public long InlineVerifyEntries { get; init; } = 20_000;

    /// <summary>How long a download link works once the status route hands it out.</summary>
    public TimeSpan LinkLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The export function's timeout: a job running longer than this was stopped and will not finish.</summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromMinutes(15);
}
