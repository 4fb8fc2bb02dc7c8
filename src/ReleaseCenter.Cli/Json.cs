using System.Globalization;
using System.Text.Json;

namespace ReleaseCenter.Cli;

/// <summary>Reading the API's JSON without a model per route: a member by path, as text for a table.</summary>
internal static class J
{
    public static JsonElement? At(this JsonElement e, params string[] path)
    {
        var current = e;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out var next) || next.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    public static string? Str(this JsonElement e, params string[] path) => e.At(path) is { } v
        ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => Number(v.GetDouble()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => v.GetRawText(),
        }
        : null;

    public static int Int(this JsonElement e, params string[] path) => e.At(path) is { ValueKind: JsonValueKind.Number } v ? v.GetInt32() : 0;

    public static IEnumerable<JsonElement> Items(this JsonElement e, params string[] path) =>
        e.At(path) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    /// <summary>Numbers for people: no float noise (0.038999999999999924 is 0.039), at most four decimals.</summary>
    public static string Number(double value)
    {
        var clean = double.Parse(value.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        return Math.Round(clean, 4).ToString("0.####", CultureInfo.InvariantCulture);
    }

    /// <summary>An API timestamp as local-free UTC text: "2026-12-01 09:14 UTC".</summary>
    public static string Time(string? iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
            : iso ?? "-";

    public static string Pretty(JsonElement e) => JsonSerializer.Serialize(e, Indented);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
