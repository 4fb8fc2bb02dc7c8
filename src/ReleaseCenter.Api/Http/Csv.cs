using System.Globalization;

namespace ReleaseCenter.Api.Http;

/// <summary>CSV for spreadsheets: RFC 4180 rows, CRLF line ends, and a UTF-8 byte order mark before the header.</summary>
public static class Csv
{
    /// <summary>Makes spreadsheet programs read the file as UTF-8 instead of a legacy code page.</summary>
    public const string ByteOrderMark = "\uFEFF";

    public const string LineEnd = "\r\n";

    public static string Row(params string[] fields) => string.Join(",", fields.Select(Field));

    /// <summary>
    /// RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. A text field
    /// that a spreadsheet would run as a formula (leading = + - @ tab CR) gets a leading apostrophe
    /// (OWASP "CSV injection"); JSONL exports carry the exact values.
    /// </summary>
    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
