using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Api.Audit;

/// <summary>
/// Writes an export to the response body page by page. Memory stays flat however long the log:
/// <see cref="IAuditLog.ExportAsync"/> reads the index one bounded page at a time
/// (DynamoAuditLog.ExportPageSize entries), each page is encoded into one reused buffer, written
/// and flushed before the next page is read, and nothing keeps a page once it is written.
/// (Behind API Gateway the Lambda adapter buffers whole responses; that host has its own size cap.)
/// </summary>
internal static class AuditExport
{
    public const string CsvContentType = "text/csv; charset=utf-8; header=present";
    public const string JsonlContentType = "application/x-ndjson; charset=utf-8";

    private static readonly string[] CsvColumns = ["project", "seq", "at", "actor", "action", "subject", "details", "previousHash", "hash"];

    /// <summary>Spreadsheets and people read non-ASCII text as it is; JSON stays valid either way.</summary>
    private static readonly JsonWriterOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteCsvAsync(Stream body, IAsyncEnumerable<IReadOnlyList<AuditEntry>> pages, CancellationToken ct)
    {
        var text = new StringBuilder();
        // The byte order mark makes spreadsheet programs read the file as UTF-8 instead of a legacy code page.
        text.Append('\uFEFF').AppendJoin(',', CsvColumns).Append("\r\n");
        await WriteAsync(body, text, ct).ConfigureAwait(false);
        var details = new ArrayBufferWriter<byte>();
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
                text.Append(Cell(e.Project)).Append(',')
                    .Append(e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(',')
                    .Append(AuditChain.FormatTime(e.At)).Append(',')
                    .Append(Cell(e.Actor)).Append(',')
                    .Append(Cell(e.Action)).Append(',')
                    .Append(Cell(e.Subject)).Append(',')
                    .Append(Cell(Encoding.UTF8.GetString(details.WrittenSpan))).Append(',')
                    .Append(e.PreviousHash).Append(',')
                    .Append(e.Hash).Append("\r\n");
            }
            await WriteAsync(body, text, ct).ConfigureAwait(false);
        }
    }

    public static async Task WriteJsonlAsync(Stream body, IAsyncEnumerable<IReadOnlyList<AuditEntry>> pages, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>();
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
            await body.WriteAsync(buffer.WrittenMemory, ct).ConfigureAwait(false);
            await body.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. A text field
    /// that a spreadsheet would run as a formula (leading = + - @ tab CR) gets a leading apostrophe
    /// (OWASP "CSV injection"); the JSONL export carries the exact values for re-hashing.
    /// </summary>
    internal static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static async Task WriteAsync(Stream body, StringBuilder text, CancellationToken ct)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), ct).ConfigureAwait(false);
        await body.FlushAsync(ct).ConfigureAwait(false);
        text.Clear();
    }
}
