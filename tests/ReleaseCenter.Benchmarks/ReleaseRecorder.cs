using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Functions.Telemetry;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Benchmarks;

/// <summary>Who made a DynamoDB call: a task handler (by name), the API, or the outbox relay.</summary>
public sealed record DynamoCall(string Source, string Operation, string Kind, double ReportedUnits, double EstimatedUnits);

/// <summary>Everything one release cost, as observed on the local stack.</summary>
public sealed record ObservedRelease(
    string Id,
    string Status,
    IReadOnlyList<HistoryEvent> History,
    IReadOnlyList<AwsCall> Calls,
    IReadOnlyList<DynamoCall> Dynamo,
    IReadOnlyList<double> ApiRequestMs);

/// <summary>
/// Runs releases on a <see cref="LocalStack"/> as people would (request, then approve each stage as its approvers)
/// and records what each cost: every AWS call our endpoint served (Lambda invocations with their durations,
/// SageMaker, EventBridge), every DynamoDB call of the product with the capacity DynamoDB reported and an estimate
/// from item sizes, and the execution history. The driver itself watches through its own clients straight to the
/// emulator, so its polling is not counted.
/// </summary>
public sealed class ReleaseRecorder : IDisposable
{
    private const string Model = "fraud-detector";
    private readonly LocalStack _stack;
    private readonly ConcurrentQueue<AwsCall> _calls = new();
    private readonly ConcurrentQueue<DynamoCall> _dynamo = new();
    private readonly ConcurrentQueue<double> _apiMs = new();
    private readonly ConcurrentDictionary<string, Dictionary<string, AttributeValue>> _updatedKeys = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly StepFunctionsClient _watch;
    private readonly AmazonDynamoDBClient _plain;
    private readonly AsyncLocal<double> _reported = new();
    private volatile bool _recording;

    public ReleaseRecorder(LocalStack stack)
    {
        ArgumentNullException.ThrowIfNull(stack);
        _stack = stack;
        var moto = stack.Aws.MotoUrl.ToString().TrimEnd('/');
        _watch = new StepFunctionsClient(LocalAws.ClientOptions(moto));
        _plain = LocalAws.CreateDynamoDbClient(moto);
        stack.Aws.Endpoint.Observer = call =>
        {
            if (_recording)
            {
                _calls.Enqueue(call);
            }
        };
        // What DynamoDB reported (ReturnConsumedCapacity, asked by the store on every call): the counter fires inside
        // the SDK's response event, just before the estimate below runs for the same call.
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == DynamoCapacity.MeterName && instrument.Name == DynamoCapacity.UnitsInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _reported.Value += value);
        _listener.Start();
        var client = (AmazonDynamoDBClient)stack.App.Services.GetRequiredService<IAmazonDynamoDB>();
        client.AfterResponseEvent += (_, args) =>
        {
            var reported = _reported.Value;
            _reported.Value = 0;
            if (_recording && args is WebServiceResponseEventArgs { Request: { } request, Response: { } response })
            {
                Observe(request, response, reported);
            }
        };
    }

    /// <summary>Creates the model and registers versions 1…<paramref name="versions"/> (not recorded).</summary>
    public async Task SeedAsync(int versions, CancellationToken ct)
    {
        using var alice = await _stack.AsAsync("alice", "ml-engineers", ct).ConfigureAwait(false);
        await LocalStack.EnsureAsync(await alice.PostAsync("/v1/models", LocalStack.Json($$"""{"name":"{{Model}}","project":"payments"}"""), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        for (var n = 1; n <= versions; n++)
        {
            var auc = (0.93 + (n / 1000.0)).ToString(CultureInfo.InvariantCulture);
            await LocalStack.EnsureAsync(await alice.PostAsync($"/v1/models/{Model}/versions", LocalStack.Json($$$"""
                {"artifactUri":"s3://release-center-models-local/{{{Model}}}/v{{{n}}}/model.tar.gz","artifactDigest":"sha256:{{{new string((char)('a' + n), 64)}}}",
                 "framework":"xgboost","image":"683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1","trainingRun":"sagemaker-training-job/fraud-{{{n}}}",
                 "datasets":[{"name":"train","uri":"s3://data/fraud/train.parquet","digest":"sha256:{{{new string('d', 64)}}}"}],
                 "hyperparameters":{"max_depth":{{{5 + n}}},"eta":0.1},
                 "metrics":{"auc":{{{auc}}},"latency_p95_ms":80},
                 "inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":1}}
                """), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Releases <paramref name="version"/> to dev, staging and prod, approving as each stage's approvers; returns what it cost.</summary>
    public async Task<ObservedRelease> ReleaseAsync(int version, CancellationToken ct)
    {
        _calls.Clear();
        _dynamo.Clear();
        _apiMs.Clear();
        _updatedKeys.Clear();
        _recording = true;
        using var alice = await _stack.AsAsync("alice", "ml-engineers", ct).ConfigureAwait(false);
        var created = await TimedAsync(() => alice.PostAsync("/v1/releases", LocalStack.Json($$"""{"model":"{{Model}}","version":{{version}}}"""), ct), ct).ConfigureAwait(false);
        var id = created.GetProperty("id").GetString()!;
        var executionArn = created.GetProperty("executionArn").GetString()!;
        var approvers = new[] { new[] { ("sam", "approvers-staging") }, [("pat", "approvers-prod"), ("quinn", "approvers-prod")] };
        var approved = 0;
        var deadline = Stopwatch.StartNew();
        string status;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"Release {id} did not end within 5 minutes.");
            }
            var execution = await _watch.DescribeExecutionAsync(executionArn, ct).ConfigureAwait(false);
            if (execution.Status != "RUNNING")
            {
                status = execution.Status;
                break;
            }
            // A stage waits for approval once its request-approval task has run (it stores the token and the stage's status).
            var asked = await CountEnteredAsync(executionArn, "Wait for approval", ct).ConfigureAwait(false);
            if (asked > approved && RequestApprovalRuns() >= asked)
            {
                foreach (var (user, group) in approvers[approved])
                {
                    using var reviewer = await _stack.AsAsync(user, group, ct).ConfigureAwait(false);
                    await TimedAsync(() => reviewer.PostAsync($"/v1/releases/{id}/approvals", LocalStack.Json("""{"decision":"approve","comment":"reviewed"}"""), ct), ct)
                        .ConfigureAwait(false);
                }
                approved++;
                continue;
            }
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
        // The relay publishes the release's last events just after the execution ends: wait for the outbox to empty.
        var outbox = _stack.App.Services.GetRequiredService<DynamoOutbox>();
        var drained = Stopwatch.StartNew();
        while ((await outbox.ListPendingAsync(DateTimeOffset.UtcNow.AddMinutes(1), 1, ct).ConfigureAwait(false)).Count > 0 && drained.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }
        _recording = false;
        var history = await HistoryAsync(executionArn, ct).ConfigureAwait(false);
        var dynamo = await WithUpdateSizesAsync(ct).ConfigureAwait(false);
        return new ObservedRelease(id, status, history, [.. _calls], dynamo, [.. _apiMs]);
    }

    private int RequestApprovalRuns() => _calls.Count(c => c.Service == "lambda" && HandlerOf(c.Operation) == "request-approval");

    /// <summary>The handler a local function runs: its name is release-center-{handler}-{stage}.</summary>
    public string HandlerOf(string functionName)
    {
        ArgumentNullException.ThrowIfNull(functionName);
        var prefix = _stack.Names.FunctionName("");
        var head = prefix[..prefix.IndexOf("--", StringComparison.Ordinal)] + "-";
        var tail = "-" + _stack.Names.Stage;
        return functionName.StartsWith(head, StringComparison.Ordinal) && functionName.EndsWith(tail, StringComparison.Ordinal)
            ? functionName[head.Length..^tail.Length]
            : functionName;
    }

    private async Task<JsonElement> TimedAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await send().ConfigureAwait(false);
        clock.Stop();
        _apiMs.Enqueue(clock.Elapsed.TotalMilliseconds);
        return await LocalStack.EnsureAsync(response, ct).ConfigureAwait(false);
    }

    private async Task<int> CountEnteredAsync(string executionArn, string state, CancellationToken ct) =>
        (await HistoryAsync(executionArn, ct).ConfigureAwait(false)).Count(e => e.StateEnteredEventDetails?.Name == state);

    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string executionArn, CancellationToken ct)
    {
        var events = new List<HistoryEvent>();
        string? next = null;
        do
        {
            var page = await _watch.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(executionArn) { NextToken = next, MaxResults = 1000 }, ct).ConfigureAwait(false);
            events.AddRange(page.Events ?? []);
            next = page.NextToken;
        }
        while (next is not null);
        return events;
    }

    /// <summary>Who is calling: the task handler's scope, the API's request scope, or the outbox relay (a handler scope too).</summary>
    private static string Source() => LogScopes.Current("handler") ?? (LogScopes.Current("requestId") is not null ? "api" : "other");

    private void Observe(AmazonWebServiceRequest request, AmazonWebServiceResponse response, double reported)
    {
        var source = Source();
        switch (request)
        {
            case GetItemRequest r:
                _dynamo.Enqueue(new DynamoCall(source, "GetItem", "read", reported, ReadUnits(Size((response as GetItemResponse)?.Item), r.ConsistentRead == true)));
                break;
            case QueryRequest r:
                _dynamo.Enqueue(new DynamoCall(source, "Query", "read", reported,
                    ReadUnits(((response as QueryResponse)?.Items ?? []).Sum(Size), r.ConsistentRead == true)));
                break;
            case ScanRequest:
                _dynamo.Enqueue(new DynamoCall(source, "Scan", "read", reported, ReadUnits(((response as ScanResponse)?.Items ?? []).Sum(Size), false)));
                break;
            case PutItemRequest r:
                _dynamo.Enqueue(new DynamoCall(source, "PutItem", "write", reported, WriteUnits(Size(r.Item))));
                break;
            case UpdateItemRequest r:
                // The stored item's size is not in the request: measured after the run (its size then, an upper bound).
                var key = $"{r.TableName}|{KeyText(r.Key)}";
                _updatedKeys.TryAdd(key, r.Key);
                _dynamo.Enqueue(new DynamoCall(source, "UpdateItem", "write", reported, -KeyOrdinal(key)));
                break;
            case DeleteItemRequest:
                _dynamo.Enqueue(new DynamoCall(source, "DeleteItem", "write", reported, 1));
                break;
            case BatchWriteItemRequest r:
                _dynamo.Enqueue(new DynamoCall(source, "BatchWriteItem", "write", reported,
                    r.RequestItems.Values.SelectMany(v => v).Sum(w => w.PutRequest is { } put ? WriteUnits(Size(put.Item)) : 1)));
                break;
            case TransactWriteItemsRequest r:
                // Transactional writes cost twice: 2 units per KB of each item (a condition check or delete: 2).
                var units = 0.0;
                foreach (var item in r.TransactItems)
                {
                    units += item.Put is { } put ? 2 * WriteUnits(Size(put.Item)) : item.Update is { } update ? 2 * UpdatedSizeUnits(update) : 2;
                }
                _dynamo.Enqueue(new DynamoCall(source, "TransactWriteItems", "write", reported, units));
                break;
            default:
                _dynamo.Enqueue(new DynamoCall(source, request.GetType().Name.Replace("Request", "", StringComparison.Ordinal), "other", reported, 0));
                break;
        }
    }

    private readonly ConcurrentDictionary<string, int> _ordinals = new(StringComparer.Ordinal);

    private int KeyOrdinal(string key) => _ordinals.GetOrAdd(key, _ => _ordinals.Count + 1);

    private double UpdatedSizeUnits(Update update)
    {
        // Within a transaction, an update's item is small bookkeeping (heads, counters): its request is a fair size.
        return WriteUnits(Size(update.Key) + update.ExpressionAttributeValues.Sum(v => SizeOf(v.Value)));
    }

    private async Task<List<DynamoCall>> WithUpdateSizesAsync(CancellationToken ct)
    {
        var sizes = new Dictionary<int, double>();
        foreach (var (key, attributes) in _updatedKeys)
        {
            var table = key[..key.IndexOf('|', StringComparison.Ordinal)];
            var item = await _plain.GetItemAsync(new GetItemRequest(table, attributes) { ConsistentRead = true }, ct).ConfigureAwait(false);
            sizes[KeyOrdinal(key)] = WriteUnits(Size(item.Item));
        }
        return _dynamo.Select(c => c.EstimatedUnits < 0 ? c with { EstimatedUnits = sizes.GetValueOrDefault((int)-c.EstimatedUnits, 1) } : c).ToList();
    }

    private static string KeyText(Dictionary<string, AttributeValue> key) => string.Join(",", key.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value.S ?? k.Value.N}"));

    /// <summary>On-demand read request units: 4 KB per unit (rounded up), half for an eventually consistent read; at least one request's worth.</summary>
    private static double ReadUnits(long bytes, bool consistent) => Math.Max(1, Math.Ceiling(bytes / 4096.0)) * (consistent ? 1 : 0.5);

    /// <summary>On-demand write request units: 1 KB per unit, rounded up.</summary>
    private static double WriteUnits(long bytes) => Math.Max(1, Math.Ceiling(bytes / 1024.0));

    private static long Size(Dictionary<string, AttributeValue>? item) => item is null ? 0 : item.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Key) + SizeOf(a.Value));

    /// <summary>DynamoDB's item size rules, closely enough for pricing: names and values in UTF-8, numbers by digits.</summary>
    private static long SizeOf(AttributeValue v) => v switch
    {
        { S: { } s } => System.Text.Encoding.UTF8.GetByteCount(s),
        { N: { } n } => 1 + ((n.Length + 1) / 2),
        { B: { } b } => b.Length,
        { BOOL: not null } or { NULL: not null } => 1,
        { M: { Count: > 0 } m } => 3 + m.Sum(a => System.Text.Encoding.UTF8.GetByteCount(a.Key) + SizeOf(a.Value) + 1),
        { L: { Count: > 0 } l } => 3 + l.Sum(x => SizeOf(x) + 1),
        { SS: { Count: > 0 } ss } => ss.Sum(s => System.Text.Encoding.UTF8.GetByteCount(s)),
        { NS: { Count: > 0 } ns } => ns.Sum(n => 1 + ((n.Length + 1) / 2)),
        _ => 3,
    };

    public void Dispose()
    {
        _stack.Aws.Endpoint.Observer = null;
        _listener.Dispose();
        _watch.Dispose();
        _plain.Dispose();
    }
}
