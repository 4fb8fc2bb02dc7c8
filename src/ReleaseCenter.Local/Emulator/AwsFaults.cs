using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Local.Emulator;

/// <summary>
/// The local AWS endpoint's fault switch, for tests and for the local stack (/v1/local/faults):
/// requests to emulated services can be throttled with the error that service really returns,
/// answered with a 500, delayed, or cut off; Lambda invocations of our handlers can crash right
/// after their first write (the caller sees a failure, that write stays) or run twice.
/// A rule applies to a service and optionally one operation, optionally only to requests whose
/// body contains <see cref="FaultRule.Match"/>, at most <see cref="FaultRule.Count"/> times,
/// each time with <see cref="FaultRule.Probability"/> drawn from one seeded generator, so a run
/// can be replayed.
/// </summary>
public sealed class AwsFaults
{
    private readonly List<ArmedRule> _rules = [];
    private readonly ConcurrentDictionary<string, int> _injected = new(StringComparer.Ordinal);
    private Random _random = new(0);

    /// <summary>Restarts the generator that decides probabilistic rules.</summary>
    public void Seed(int seed)
    {
        lock (_rules)
        {
            _random = new Random(seed);
        }
    }

    public void Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.Validate() is { } problem)
        {
            throw new ArgumentException($"{problem.Field} {problem.Reason}", nameof(rule));
        }
        lock (_rules)
        {
            _rules.Add(new ArmedRule(rule));
        }
    }

    public void Clear()
    {
        lock (_rules)
        {
            _rules.Clear();
        }
        _injected.Clear();
    }

    /// <summary>The rules still armed, with how often each has fired.</summary>
    public IReadOnlyList<FaultRuleState> Rules
    {
        get
        {
            lock (_rules)
            {
                return _rules.Select(r => new FaultRuleState(r.Rule, r.Fired)).ToArray();
            }
        }
    }

    /// <summary>How many faults of each kind were injected since the last <see cref="Clear"/>.</summary>
    public IReadOnlyDictionary<string, int> Injected => new SortedDictionary<string, int>(_injected, StringComparer.Ordinal);

    /// <summary>The fault to inject for this request now, if any (and counts it).</summary>
    public FaultRule? Next(string service, string operation, string body)
    {
        lock (_rules)
        {
            foreach (var armed in _rules)
            {
                var rule = armed.Rule;
                if (armed.Fired >= rule.MaxFires
                    || !string.Equals(rule.Service, service, StringComparison.OrdinalIgnoreCase)
                    || (rule.Operation is not null && !OperationMatches(rule.Operation, operation))
                    || (rule.Match is not null && !body.Contains(rule.Match, StringComparison.Ordinal))
                    || (rule.Chance < 1 && _random.NextDouble() >= rule.Chance))
                {
                    continue;
                }
                armed.Fired++;
                _injected.AddOrUpdate(rule.Kind, 1, (_, n) => n + 1);
                return rule;
            }
        }
        return null;
    }

    /// <summary>An operation by name; for lambda, a handler name matches its function ({service}-{handler}-{stage}).</summary>
    private static bool OperationMatches(string wanted, string operation) =>
        string.Equals(wanted, operation, StringComparison.Ordinal)
        || operation.StartsWith($"{ReleaseCenter.Aws.Resources.ResourceNames.Service}-{wanted}-", StringComparison.Ordinal);

    private sealed class ArmedRule(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;

        public int Fired { get; set; }
    }
}

/// <summary>
/// One fault. Kinds: throttle, error (HTTP 500), latency (<see cref="LatencyMilliseconds"/>, then
/// the real answer), drop (the connection is cut before any answer); for service "lambda" (our
/// handlers; Operation is the handler name, such as deploy): fail (the invocation fails with
/// Injected.Failure before the handler runs, which no Retry matches), crash (the handler's process
/// dies right after its first write reached AWS, see <see cref="CrashAfterFirstWrite"/>: the
/// invocation fails with Sandbox.Timedout and nothing after that write happens) and twice (the
/// handler runs twice, the second answer is returned). Asynchronous invocations (EventBridge
/// targets) get fail, latency and twice too.
/// </summary>
public sealed record FaultRule(string Kind, string Service)
{
    public static readonly IReadOnlySet<string> ServiceKinds = new HashSet<string>(StringComparer.Ordinal) { "throttle", "error", "latency", "drop" };
    public static readonly IReadOnlySet<string> LambdaKinds = new HashSet<string>(StringComparer.Ordinal) { "fail", "crash", "twice", "latency" };
    public static readonly IReadOnlySet<string> Services = new HashSet<string>(StringComparer.Ordinal) { "dynamodb", "sagemaker", "states", "events", "lambda" };

    public string? Operation { get; init; }

    public string? Match { get; init; }

    /// <summary>How many times it fires at most (default 1).</summary>
    public int? Count { get; init; }

    /// <summary>The chance that it fires on a matching request (default 1).</summary>
    public double? Probability { get; init; }

    public int? LatencyMilliseconds { get; init; }

    internal int MaxFires => Count ?? 1;

    internal double Chance => Probability ?? 1;

    internal int Latency => LatencyMilliseconds ?? 0;

    /// <summary>Null when the rule makes sense, else the field at fault and why.</summary>
    public (string Field, string Reason)? Validate() =>
        !Services.Contains(Service ?? "") ? ("service", $"must be one of {string.Join(", ", Services)}.")
        : Service == "lambda" && !LambdaKinds.Contains(Kind ?? "") ? ("kind", $"must be one of {string.Join(", ", LambdaKinds)} for lambda.")
        : Service != "lambda" && !ServiceKinds.Contains(Kind ?? "") ? ("kind", $"must be one of {string.Join(", ", ServiceKinds)}.")
        : MaxFires is < 1 or > 100_000 ? ("count", "must be from 1 to 100000.")
        : Chance is not (> 0 and <= 1) ? ("probability", "must be more than 0 and at most 1.")
        : Latency is < 0 or > 60_000 ? ("latencyMilliseconds", "must be from 0 to 60000.")
        : Kind == "latency" && Latency == 0 ? ("latencyMilliseconds", "is required for a latency fault.")
        : null;

    /// <summary>The error code and HTTP status each service really answers for this kind.</summary>
    public (int Status, string Code) Error() => (Kind, Service) switch
    {
        ("throttle", "dynamodb") => (400, "ProvisionedThroughputExceededException"),
        ("throttle", _) => (400, "ThrottlingException"),
        ("error", "dynamodb") => (500, "InternalServerError"),
        ("error", "events") => (500, "InternalException"),
        ("error", _) => (500, "InternalFailure"),
        _ => throw new InvalidOperationException($"A {Kind} fault has no error answer."),
    };
}

public sealed record FaultRuleState(FaultRule Rule, int Fired);

[JsonSerializable(typeof(FaultRule))]
[JsonSerializable(typeof(IReadOnlyList<FaultRuleState>))]
[JsonSerializable(typeof(FaultsDto))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class FaultsJsonContext : JsonSerializerContext;

public sealed record FaultsDto(IReadOnlyList<FaultRuleState> Rules, IReadOnlyDictionary<string, int> Injected);
