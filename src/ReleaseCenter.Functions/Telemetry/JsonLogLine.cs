using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace ReleaseCenter.Functions.Telemetry;

/// <summary>
/// One log record as one flat JSON object: time, level, category, message, then every field of the
/// active scopes (release id, execution, model, environment, request id: see <see cref="LogScopes"/>)
/// and of the message's template, then the exception with its stack trace. Flat, so CloudWatch Logs
/// Insights filters on <c>releaseId</c> directly and a local <c>grep '"releaseId":"rel-…"'</c> finds a
/// release's lines.
/// </summary>
public static class JsonLogLine
{
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, DateTimeOffset at)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null)
        {
            return "";
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", entry.LogLevel.ToString());
            json.WriteString("category", entry.Category);
            json.WriteString("message", message ?? "");
            var written = new HashSet<string>(StringComparer.Ordinal) { "timestamp", "level", "category", "message", "exception" };
            scopes?.ForEachScope((scope, w) => WriteFields(w, scope, written), json);
            WriteFields(json, entry.State, written);
            if (entry.Exception is { } ex)
            {
                json.WriteString("exception", ex.ToString());
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteFields(Utf8JsonWriter json, object? fields, HashSet<string> written)
    {
        if (fields is not IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            return;
        }
        foreach (var (key, value) in pairs)
        {
            if (key.Length == 0 || key[0] == '{' || value is null)
            {
                continue; // {OriginalFormat}: the message already says it
            }
            var name = char.ToLowerInvariant(key[0]) + key[1..];
            if (!written.Add(name))
            {
                continue; // the innermost scope's value stands
            }
            switch (value)
            {
                case bool b: json.WriteBoolean(name, b); break;
                case int i: json.WriteNumber(name, i); break;
                case long l: json.WriteNumber(name, l); break;
                case double d when double.IsFinite(d): json.WriteNumber(name, Math.Round(d, 3)); break;
                default: json.WriteString(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
            }
        }
    }
}

/// <summary>The console formatter Lambda's functions log with: <see cref="JsonLogLine"/> per line.</summary>
public sealed class JsonLineConsoleFormatter(TimeProvider clock) : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "release-center-json";

    public JsonLineConsoleFormatter() : this(TimeProvider.System)
    {
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var line = JsonLogLine.Format(logEntry, scopeProvider, clock.GetUtcNow());
        if (line.Length > 0)
        {
            textWriter.Write(line);
            textWriter.Write('\n');
        }
    }
}
