using System.Globalization;

namespace ReleaseCenter.Api.Http;

/// <summary>RFC 4180 rows: fields with a comma, quote or line break are quoted, quotes doubled.</summary>
public static class Csv
{
    public static string Row(params string[] fields) => string.Join(",", fields.Select(Field));

    public static string Field(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
