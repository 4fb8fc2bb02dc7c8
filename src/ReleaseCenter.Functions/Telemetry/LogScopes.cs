using System.Collections;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace ReleaseCenter.Functions.Telemetry;

/// <summary>
/// The fields every log line of a task invocation or an API request carries (docs/operations.md,
/// "Logs"): <c>handler</c>, <c>releaseId</c>, <c>environment</c>, <c>model</c>, <c>executionArn</c>,
/// <c>rollbackId</c>, <c>driftReportId</c>, plus the request id the host adds. The scope is one
/// mutable set per invocation, read when a line is written, so a step that learns the model after
/// loading the release (<see cref="Add"/>) tags the lines that follow. Task tokens are never taken in.
/// </summary>
public sealed class LogScopes : IEnumerable<KeyValuePair<string, object?>>
{
    private static readonly AsyncLocal<LogScopes?> CurrentScope = new();

    /// <summary>The payload fields a scope copies; nothing else in a payload reaches a log line.</summary>
    public static IReadOnlyList<string> PayloadFields { get; } = ["releaseId", "environment", "model", "executionArn", "rollbackId", "driftReportId"];

    private readonly Dictionary<string, object?> _fields = new(StringComparer.Ordinal);

    /// <summary>Begins the scope of one task invocation, with what its payload names.</summary>
    public static IDisposable? BeginTask(ILogger logger, string handler, JsonElement payload)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var scope = new LogScopes();
        scope._fields["handler"] = handler;
        if (payload.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in PayloadFields)
            {
                if (payload.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                {
                    scope._fields[field] = value.GetString();
                }
            }
        }
        return Begin(logger, scope);
    }

    /// <summary>Begins a scope with the given fields (an API request's route values, say).</summary>
    public static IDisposable? Begin(ILogger logger, IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(fields);
        var scope = new LogScopes();
        foreach (var (key, value) in fields)
        {
            scope._fields[key] = value;
        }
        return Begin(logger, scope);
    }

    /// <summary>Adds a field to the current invocation's scope (no-op outside one), e.g. the model once the release is loaded.</summary>
    public static void Add(string key, string? value)
    {
        if (CurrentScope.Value is { } scope && value is not null)
        {
            lock (scope._fields)
            {
                scope._fields.TryAdd(key, value);
            }
        }
    }

    /// <summary>A field of the current invocation's scope (the running task's <c>handler</c>, say); null outside one.</summary>
    public static string? Current(string key)
    {
        if (CurrentScope.Value is not { } scope)
        {
            return null;
        }
        lock (scope._fields)
        {
            return scope._fields.TryGetValue(key, out var value) ? value as string : null;
        }
    }

    private static IDisposable? Begin(ILogger logger, LogScopes scope)
    {
        var outer = CurrentScope.Value;
        CurrentScope.Value = scope;
        var inner = logger.BeginScope(scope);
        return new Restore(inner, outer);
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        lock (_fields)
        {
            return _fields.ToList().GetEnumerator();
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString()
    {
        lock (_fields)
        {
            return string.Join(", ", _fields.Select(f => $"{f.Key}={f.Value}"));
        }
    }

    private sealed class Restore(IDisposable? inner, LogScopes? outer) : IDisposable
    {
        public void Dispose()
        {
            inner?.Dispose();
            CurrentScope.Value = outer;
        }
    }
}
