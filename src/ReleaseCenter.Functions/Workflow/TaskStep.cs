using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// One task a workflow (or an EventBridge rule, or a schedule) invokes: the handler name the state
/// machine, the CDK app and the Lambda bootstrap know it by, and how it answers a payload. One class
/// per step; <see cref="TaskHandlers"/> dispatches to them by name.
/// </summary>
public interface ITaskStep
{
    string Handler { get; }

    /// <summary>Parses the payload, runs the step and serializes its result (JSON).</summary>
    Task<string> InvokeAsync(JsonElement payload, CancellationToken ct);
}

/// <summary>Reading a task's payload and writing its answer.</summary>
public static class Payload
{
    /// <summary>The answer of a step that returns nothing.</summary>
    public const string Empty = "{}";

    public static string ReleaseId(JsonElement p) => Text(p, "releaseId");

    public static string Environment(JsonElement p) => Text(p, "environment");

    public static string RollbackId(JsonElement p) => Text(p, "rollbackId");

    public static string DriftReportId(JsonElement p) => Text(p, "driftReportId");

    public static string Text(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ArgumentException($"The payload lacks '{name}'.");

    public static string? OptionalText(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A Catch's ResultPath object: {"Error": "...", "Cause": "..."}.</summary>
    public static (string? Error, string? Cause) Failure(JsonElement p) =>
        p.TryGetProperty("failure", out var f) && f.ValueKind == JsonValueKind.Object
            ? (f.TryGetProperty("Error", out var e) ? e.GetString() : null, f.TryGetProperty("Cause", out var c) ? c.GetString() : null)
            : (null, null);

    public static string Json<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
