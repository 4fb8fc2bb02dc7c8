using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Events;

/// <summary>
/// Publishes outbox events to the bus and marks them sent (architecture.md, "Events"). An event is
/// marked only after EventBridge accepted it, so a failed or partial PutEvents leaves it pending for
/// the next pass: delivery is at least once, and consumers deduplicate on the detail's <c>id</c>.
/// </summary>
public sealed partial class OutboxRelay(DynamoOutbox outbox, IEventBridge events, ReleaseCenterSettings settings, TimeProvider clock,
    Telemetry.ReleaseMetrics metrics, ILogger<OutboxRelay> log)
{
    public const int BatchSize = ReleaseWorkflow.PutEventsBatchSize;

    /// <returns>The ids EventBridge did not accept (they stay pending).</returns>
    public async Task<IReadOnlyList<string>> RelayAsync(IReadOnlyList<PendingEvent> pending, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var failed = new List<string>();
        var sent = 0;
        var oldest = TimeSpan.Zero;
        foreach (var batch in pending.Chunk(BatchSize))
        {
            var entries = batch.Select(p => new PutEventsEntry(ResourceNames.EventSource, p.Event.DetailType, p.Event.Detail) { EventBusName = settings.EventBusName })
                .ToArray();
            var rejected = new HashSet<int>();
            try
            {
                await events.PutEventsAsync(entries, ct).ConfigureAwait(false);
            }
            catch (EventBridgeEntriesFailedException ex)
            {
                rejected.UnionWith(ex.Failures.Select(f => f.Index));
                LogEntriesFailed(log, ex.FailedEntryCount, batch.Length, ex.Message);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && TransientErrors.IsTransient(ex) || ex is Amazon.Runtime.AmazonServiceException)
            {
                rejected.UnionWith(Enumerable.Range(0, batch.Length));
                LogPutFailed(log, batch.Length, ex.Message);
            }
            for (var i = 0; i < batch.Length; i++)
            {
                if (rejected.Contains(i))
                {
                    failed.Add(batch[i].Event.Id);
                    continue;
                }
                await outbox.MarkSentAsync(batch[i].Event.Id, ct).ConfigureAwait(false);
                var lag = clock.GetUtcNow() - batch[i].CreatedAt;
                sent++;
                oldest = lag > oldest ? lag : oldest;
                LogRelayed(log, batch[i].Event.DetailType, batch[i].Event.Id, (long)Math.Max(0, lag.TotalMilliseconds));
            }
        }
        metrics.Relayed(sent, oldest);
        metrics.RelayFailed(failed.Count);
        return failed;
    }

    /// <summary>Relays what is pending and was written before <paramref name="olderThan"/> ago, a page at a time; returns how many were sent.</summary>
    public async Task<int> SweepAsync(TimeSpan olderThan, CancellationToken ct, int maxPages = 20)
    {
        var sent = 0;
        for (var page = 0; page < maxPages; page++)
        {
            var pending = await outbox.ListPendingAsync(clock.GetUtcNow() - olderThan, 100, ct).ConfigureAwait(false);
            if (pending.Count == 0)
            {
                break;
            }
            var failed = await RelayAsync(pending, ct).ConfigureAwait(false);
            sent += pending.Count - failed.Count;
            if (failed.Count > 0)
            {
                break; // the bus refuses: try again at the next pass rather than spin
            }
        }
        return sent;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relayed {DetailType} {EventId} to the bus {LagMs} ms after it was recorded")]
    private static partial void LogRelayed(ILogger logger, string detailType, string eventId, long lagMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PutEvents refused {Failed} of {Count} outbox events; they stay pending: {Reason}")]
    private static partial void LogEntriesFailed(ILogger logger, int failed, int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PutEvents failed for {Count} outbox events; they stay pending: {Reason}")]
    private static partial void LogPutFailed(ILogger logger, int count, string reason);
}

/// <summary>
/// The relay in AWS: a function on the table's DynamoDB stream (INSERTs of outbox events, by the
/// event source mapping's filter). Answers the records it could not publish as batchItemFailures, so
/// Lambda retries from the first of them and, when retries run out, sends them to the relay's DLQ.
/// </summary>
public sealed class RelayOutboxStep(OutboxRelay relay) : ITaskStep
{
    public const string Name = ReleaseWorkflow.RelayOutboxHandler;

    public string Handler => Name;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var records = new List<(string Sequence, PendingEvent Event)>();
        if (payload.TryGetProperty("Records", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var record in list.EnumerateArray())
            {
                if (StreamImage.Read(record) is { } read)
                {
                    records.Add(read);
                }
            }
        }
        var failed = (await relay.RelayAsync(records.Select(r => r.Event).ToArray(), ct).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var failures = records.Where(r => failed.Contains(r.Event.Event.Id)).Select(r => new BatchItemFailure(r.Sequence)).ToArray();
        return Payload.Json(new StreamBatchResponse(failures), WorkflowJsonContext.Default.StreamBatchResponse);
    }
}

/// <summary>
/// The relay's safety net, on a schedule: publishes outbox events still pending a while after they
/// were written (the stream's retries ran out, or a record reached the DLQ). Locally, the host's
/// relay loop calls <see cref="OutboxRelay.SweepAsync"/> directly.
/// </summary>
public sealed class SweepOutboxStep(OutboxRelay relay) : ITaskStep
{
    public const string Name = ReleaseWorkflow.SweepOutboxHandler;

    /// <summary>Younger events are the stream's to relay.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    public string Handler => Name;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var sent = await relay.SweepAsync(Grace, ct).ConfigureAwait(false);
        return $$"""{"sent":{{sent}}}""";
    }
}

public sealed record BatchItemFailure(string ItemIdentifier);

public sealed record StreamBatchResponse(IReadOnlyList<BatchItemFailure> BatchItemFailures);

/// <summary>Reads an outbox event from a DynamoDB stream record as Lambda delivers it (attribute values in DynamoDB JSON).</summary>
public static class StreamImage
{
    public static (string Sequence, PendingEvent Event)? Read(JsonElement record)
    {
        if (!record.TryGetProperty("dynamodb", out var body) || !body.TryGetProperty("NewImage", out _))
        {
            return null;
        }
        string? S(string name) => String(record, name);
        if (S(Aws.Resources.TableSchema.ItemType) != DynamoOutbox.ItemTypeName || S("sentAt") is not null
            || S("id") is not { } id || S("detailType") is not { } type || S("detail") is not { } detail)
        {
            return null;
        }
        var sequence = body.TryGetProperty("SequenceNumber", out var seq) ? seq.GetString() ?? id : id;
        var created = DateTimeOffset.TryParse(S("createdAt"), System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.UnixEpoch;
        return (sequence, new PendingEvent(new Domain.Events.OutboxEvent(id, type, detail), created));
    }

    /// <summary>A string attribute of a stream record's new image (DynamoDB JSON: {"name": {"S": "…"}}); null when absent.</summary>
    public static string? String(JsonElement record, string name) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty("dynamodb", out var body) && body.TryGetProperty("NewImage", out var image)
        && image.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object && value.TryGetProperty("S", out var s)
            ? s.GetString()
            : null;
}
