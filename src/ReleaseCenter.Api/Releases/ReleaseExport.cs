using System.Globalization;
using System.Text;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Api.Releases;

/// <summary>
/// The release catalog as CSV or JSON Lines, one index page at a time: each page is encoded, written and flushed
/// before the next is read, so memory stays flat however many releases match. Writes the body of a direct answer
/// (GET /v1/releases/export) and the S3 upload of an export job alike.
/// </summary>
internal static class ReleaseExport
{
    public const string CsvContentType = "text/csv; charset=utf-8";
    public const string JsonlContentType = "application/x-ndjson; charset=utf-8";

    public static string ContentType(string format) => format == "csv" ? CsvContentType : JsonlContentType;

    /// <returns>How many releases were written.</returns>
    public static async Task<long> WriteAsync(Stream body, string format, IRegistryStore store, string? model, ReleaseFilter filter, CancellationToken ct)
    {
        var text = new StringBuilder();
        if (format == "csv")
        {
            text.Append(Csv.ByteOrderMark)
                .Append(Csv.Row("id", "model", "version", "status", "stages", "requestedBy", "createdAt", "updatedAt", "bundleDigest", "notes")).Append(Csv.LineEnd);
        }
        var rows = 0L;
        string? cursor = null;
        do
        {
            var page = await store.ListReleasesAsync(model, 100, cursor, ct, filter).ConfigureAwait(false);
            foreach (var r in page.Items)
            {
                if (format == "csv")
                {
                    text.Append(Csv.Row(r.Id, r.Model, r.Version.ToString(CultureInfo.InvariantCulture), r.Status.ToString(),
                        string.Join(";", r.Stages.Select(s => $"{s.Environment}:{s.Status}")), r.RequestedBy,
                        Csv.Time(r.CreatedAt), Csv.Time(r.UpdatedAt), r.Bundle?.Digest ?? "", r.Notes ?? "")).Append(Csv.LineEnd);
                }
                else
                {
                    text.Append(System.Text.Json.JsonSerializer.Serialize(ReleaseDto.From(r), ApiJsonContext.Default.ReleaseDto)).Append('\n');
                }
            }
            rows += page.Items.Count;
            await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct).ConfigureAwait(false);
            await body.FlushAsync(ct).ConfigureAwait(false);
            text.Clear();
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return rows;
    }
}
