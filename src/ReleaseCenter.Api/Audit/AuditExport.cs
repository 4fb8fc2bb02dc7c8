using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReleaseCenter.Domain.Audit;

using ReleaseCenter.Api.Http;

namespace ReleaseCenter.Api.Audit;

/// <summary>
/// Writes an export to the response body page by page. Memory stays flat however long the log:
/// <see cref="IAuditLog.ExportAsync"/> reads the index one bounded page at a time
/// (DynamoAuditLog.ExportPageSize entries), each page is encoded into one reused buffer, written
/// and flushed before the next page is read, and nothing keeps a page once it is written.
/// The same writers fill the body of a direct answer (GET /v1/audit/export, up to ExportLimits.InlineBytes) and the
/// S3 upload of an export job.
/// </summary>
internal static class AuditExport
{
    public const string CsvContentType = "text/csv; charset=utf-8; header=present";
    public const string JsonlContentType = "application/x-ndjson; charset=utf-8";

    private static readonly string[] CsvColumns = ["project", "seq", "at", "actor", "action", "subject", "details", "previousHash", "hash"];

    /// <summary>Spreadsheets and people read non-ASCII text as it is; JSON stays valid either way.</summary>
    private static readonly JsonWriterOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<long> WriteCsvAsync(Stream body, IAsyncEnumerable<IReadOnlyList<AuditEntry>> pages, CancellationToken ct)
    {
        var text = new StringBuilder();
        // The byte order mark makes spreadsheet programs read the file as UTF-8 instead of a legacy code page.
        text.Append(Csv.ByteOrderMark).AppendJoin(',', CsvColumns).Append(Csv.LineEnd);
        await WriteAsync(body, text, ct).ConfigureAwait(false);
        var details = new ArrayBufferWriter<byte>();
        var rows = 0L;
        await foreach (var page in pages.ConfigureAwait(false))
        {
            foreach (var e in page)
            {
                details.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(details, RelaxedJson))
                {
                    writer.WriteStartObject();
                    foreach (var (key, value) in e.Details)
                    {
                        writer.WriteString(key, value);
                    }
                    writer.WriteEndObject();
                }
                text.Append(Csv.Field(e.Project)).Append(',')
                    .Append(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                    .Append(AuditChain.FormatTime(e.At)).Append(',')
                    .Append(Csv.Field(e.Actor)).Append(',')
                    .Append(Csv.Field(e.Action)).Append(',')
                    .Append(Csv.Field(e.Subject)).Append(',')
                    .Append(Csv.Field(Encoding.UTF8.GetString(details.WrittenSpan))).Append(',')
                    .Append(e.PreviousHash).Append(',')
                    .Append(e.Hash).Append(Csv.LineEnd);
            }
            rows += page.Count;
            await WriteAsync(body, text, ct).ConfigureAwait(false);
        }
        return rows;
    }

    public static async Task<long> WriteJsonlAsync(Stream body, IAsyncEnumerable<IReadOnlyList<AuditEntry>> pages, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var rows = 0L;
        await foreach (var page in pages.ConfigureAwait(false))
        {
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, RelaxedJson))
            {
                foreach (var e in page)
                {
                    JsonSerializer.Serialize(writer, AuditEntryDto.From(e), AuditJsonContext.Default.AuditEntryDto);
                    writer.Flush();
                    writer.Reset();
                    buffer.Write("\n"u8);
                }
            }
            rows += page.Count;
            await body.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
            await body.FlushAsync(ct).ConfigureAwait(false);
        }
        return rows;
    }

    private static async Task WriteAsync(Stream body, StringBuilder text, CancellationToken ct)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
        text.Clear();
    }
}
