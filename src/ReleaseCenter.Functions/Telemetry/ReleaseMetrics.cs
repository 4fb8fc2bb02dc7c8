using System.Text.Json;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Functions.Telemetry;

/// <summary>Where metric lines go: stdout in Lambda (CloudWatch reads embedded metric format from the log), a file locally.</summary>
public interface IMetricSink
{
    void Write(string line);
}

/// <summary>Lambda's sink: one line on stdout, which the function's log stream receives as one log event.</summary>
public sealed class StdoutMetricSink : IMetricSink
{
    private static readonly Lock Gate = new();

    public void Write(string line)
    {
        lock (Gate)
        {
            Console.Out.Write(line + "\n");
            Console.Out.Flush();
        }
    }
}

/// <summary>
/// The product's CloudWatch metrics, written in embedded metric format (EMF): one JSON log line per data point, which
/// CloudWatch turns into a metric in the <see cref="ProductMetrics.Namespace"/> namespace with the line's dimensions,
/// and keeps as a log line with its other fields (release id, model) for Logs Insights. Each metric has one dimension
/// set, always led by <c>Stage</c> (<see cref="ProductMetrics"/>). Callers record a point only when their change was
/// written the first time, so a retried step counts once.
/// </summary>
public sealed class ReleaseMetrics(IMetricSink sink, ReleaseCenterSettings settings, TimeProvider clock)
{
    public void ReleaseStarted(string releaseId, string model) =>
        Emit(ProductMetrics.ReleasesStarted, 1, [], Fields(releaseId, model));

    public void ReleaseEnded(string releaseId, string model, string outcome) =>
        Emit(ProductMetrics.ReleasesEnded, 1, [("Outcome", outcome)], Fields(releaseId, model));

    /// <param name="gate">"evaluation" or "approval".</param>
    public void GateRejected(string releaseId, string model, string environment, string gate) =>
        Emit(ProductMetrics.GateRejections, 1, [("Environment", environment), ("Gate", gate)], Fields(releaseId, model));

    public void ApprovalDecided(string releaseId, string model, string environment, string decision, TimeSpan waited) =>
        Emit(ProductMetrics.ApprovalWaitSeconds, Seconds(waited), [("Environment", environment), ("Decision", decision)], Fields(releaseId, model));

    public void Deployed(string releaseId, string model, string environment, TimeSpan took) =>
        Emit(ProductMetrics.DeployDurationSeconds, Seconds(took), [("Environment", environment)], Fields(releaseId, model));

    /// <param name="kind">"automatic" (a failed verification put the endpoint back) or "requested" (a promoted rollback completed).</param>
    public void RolledBack(string subject, string model, string environment, string kind) =>
        Emit(ProductMetrics.Rollbacks, 1, [("Environment", environment), ("Kind", kind)],
            [(subject.StartsWith("rb-", StringComparison.Ordinal) ? "rollbackId" : "releaseId", subject), ("model", model)]);

    /// <summary>One relay pass: how many events the bus accepted, and how long the oldest of them waited in the outbox.</summary>
    public void Relayed(int count, TimeSpan oldestLag)
    {
        if (count == 0)
        {
            return;
        }
        Emit(ProductMetrics.EventsRelayed, count, [], []);
        Emit(ProductMetrics.EventRelayLagSeconds, Seconds(oldestLag), [], []);
    }

    public void RelayFailed(int count)
    {
        if (count > 0)
        {
            Emit(ProductMetrics.EventsRelayFailed, count, [], []);
        }
    }

    private static (string, string)[] Fields(string releaseId, string model) => [("releaseId", releaseId), ("model", model)];

    private static double Seconds(TimeSpan span) => Math.Round(Math.Max(0, span.TotalSeconds), 3);

    private void Emit(string metric, double value, (string Name, string Value)[] dimensions, (string Name, string Value)[] fields)
    {
        var unit = ProductMetrics.Catalog.First(m => m.Name == metric).Unit;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", clock.GetUtcNow().ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", ProductMetrics.Namespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(ProductMetrics.StageDimension);
            foreach (var (name, _) in dimensions)
            {
                json.WriteStringValue(name);
            }
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            json.WriteStartObject();
            json.WriteString("Name", metric);
            json.WriteString("Unit", unit);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteString(ProductMetrics.StageDimension, settings.Stage);
            foreach (var (name, text) in dimensions)
            {
                json.WriteString(name, text);
            }
            json.WriteNumber(metric, value);
            foreach (var (name, text) in fields)
            {
                json.WriteString(name, text);
            }
            json.WriteEndObject();
        }
        sink.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
