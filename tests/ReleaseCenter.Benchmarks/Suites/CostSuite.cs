using System.Globalization;
using System.Text.Json;

namespace ReleaseCenter.Benchmarks.Suites;

/// <summary>
/// Cost per release: a 3-stage release run on the local stack, counted (state transitions from the execution history,
/// Lambda invocations and their durations, DynamoDB units, EventBridge events, SageMaker calls, API requests) and
/// multiplied by us-east-1 list prices (prices-us-east-1.json). Two releases run: the first creates the endpoints, the
/// second updates them with each environment's strategy; the second is the usual release. The emulator's SageMaker
/// moves 300 times faster than the real one, so the endpoint wait loop's passes are counted as AWS would run them.
/// </summary>
public sealed class CostSuite : ISuite
{
    private const int TransitionTarget = 40;
    private const decimal DollarTarget = 0.001m;

    public string Name => "cost";

    public async Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prices = Prices.Load(options.RepoRoot);
        var report = new SuiteReport(Name, "Cost per release: one release of fraud-detector through dev, staging and prod, in us-east-1 list prices");
        await using var stack = await LocalStack.StartAsync(options, "bench-cost", ct).ConfigureAwait(false);
        using var recorder = new ReleaseRecorder(stack);
        await recorder.SeedAsync(2, ct).ConfigureAwait(false);
        var first = await recorder.ReleaseAsync(1, ct).ConfigureAwait(false);
        var next = await recorder.ReleaseAsync(2, ct).ConfigureAwait(false);
        foreach (var r in new[] { first, next })
        {
            if (r.Status != "SUCCEEDED")
            {
                throw new InvalidOperationException($"Release {r.Id} ended {r.Status}, not released.");
            }
        }
        var environments = Deployment.Load(options.RepoRoot);
        var columns = new[] { ("first release (creates the endpoints)", first, true), ("next release (updates them)", next, false) };

        // Transitions per state, as the history tells them.
        var stories = columns.Select(c => (c.Item1, Story: new ExecutionStory(c.Item2.History), Creates: c.Item3)).ToList();
        var perState = report.Table("State transitions per state (emulator run)", "state", "first", "next", "what it did in the next release");
        var nextStory = stories[1].Story;
        foreach (var name in stories.SelectMany(s => s.Story.Visits.Select(v => v.Name)).Distinct())
        {
            var visits = nextStory.Visits.Where(v => v.Name == name).ToList();
            perState.Add(name, Stats.Count(stories[0].Story.Visits.Where(v => v.Name == name).Sum(v => 1 + Math.Max(0, v.Attempts - 1))),
                Stats.Count(visits.Sum(v => 1 + Math.Max(0, v.Attempts - 1))), Did(visits, environments));
        }

        var modeled = report.Table("Transitions: emulator run, and as AWS would bill them (real SageMaker and strategy durations)",
            "release", "emulator", "endpoint waits (emulator)", "endpoint waits (AWS)", "AWS");
        var awsTransitions = new List<int>();
        foreach (var (title, story, creates) in stories)
        {
            var emulatorWaits = Enumerable.Range(0, environments.Count).Sum(story.EndpointWaits);
            var awsWaits = Enumerable.Range(0, environments.Count).Sum(i => environments[i].Waits(prices, creates));
            var aws = story.Transitions + (ExecutionStory.EndpointLoop.Length * (awsWaits - emulatorWaits));
            awsTransitions.Add(aws);
            modeled.Add(title, Stats.Count(story.Transitions), Stats.Count(emulatorWaits), Stats.Count(awsWaits), Stats.Count(aws));
        }

        var lambda = report.Table($"Lambda invocations ({prices.LambdaMemoryMb} MB, x86; durations measured in-process, warm)", "function", "first", "next", "next: total ms");
        foreach (var fn in columns.SelectMany(c => c.Item2.Calls.Where(x => x.Service == "lambda").Select(x => recorder.HandlerOf(x.Operation))).Distinct().Order(StringComparer.Ordinal))
        {
            var nextCalls = next.Calls.Where(x => x.Service == "lambda" && recorder.HandlerOf(x.Operation) == fn).ToList();
            lambda.Add(fn, Stats.Count(first.Calls.Count(x => x.Service == "lambda" && recorder.HandlerOf(x.Operation) == fn)), Stats.Count(nextCalls.Count),
                Stats.Fixed(nextCalls.Sum(x => Math.Ceiling(x.Duration.TotalMilliseconds)), 0));
        }

        var dynamo = report.Table("DynamoDB (on-demand) by caller: calls, units DynamoDB reported (ReturnConsumedCapacity), units by item size",
            "caller, next release", "calls", "reported RRU", "reported WRU", "RRU by size", "WRU by size");
        foreach (var group in next.Dynamo.Where(d => d.Source != "other").GroupBy(d => d.Source).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            dynamo.Add(group.Key == "sweep-outbox" ? "outbox relay" : group.Key, Stats.Count(group.Count()),
                Stats.Fixed(group.Where(d => d.Kind == "read").Sum(d => d.ReportedUnits), 1), Stats.Fixed(group.Where(d => d.Kind == "write").Sum(d => d.ReportedUnits), 1),
                Stats.Fixed(group.Where(d => d.Kind == "read").Sum(d => d.EstimatedUnits), 1), Stats.Fixed(group.Where(d => d.Kind == "write").Sum(d => d.EstimatedUnits), 1));
        }

        var other = report.Table("Other AWS calls", "call", "first", "next");
        foreach (var key in columns.SelectMany(c => c.Item2.Calls.Where(x => x.Service is "sagemaker" or "events" or "states").Select(x => $"{x.Service} {x.Operation}")).Distinct().Order(StringComparer.Ordinal))
        {
            other.Add(key, Stats.Count(first.Calls.Count(x => $"{x.Service} {x.Operation}" == key)), Stats.Count(next.Calls.Count(x => $"{x.Service} {x.Operation}" == key)));
        }
        other.Add("EventBridge events published (custom bus)", Stats.Count(Events(first)), Stats.Count(Events(next)));
        other.Add("API requests (request, votes)", Stats.Count(first.ApiRequestMs.Count), Stats.Count(next.ApiRequestMs.Count));

        var dollars = report.Table("Dollars per release (us-east-1 list prices of " + prices.Checked + ")", "item", "first", "next");
        var costs = columns.Select((c, i) => Cost(c.Item2, awsTransitions[i], prices)).ToList();
        foreach (var item in costs[0].Keys)
        {
            dollars.Add(item, Stats.Dollars(costs[0][item]), Stats.Dollars(costs[1][item]));
        }
        dollars.Add("total", Stats.Dollars(costs[0].Values.Sum()), Stats.Dollars(costs[1].Values.Sum()));
        var instance = environments.Select(e => e.OverlapDollars(prices, creates: false)).Sum();
        report.Notes.Add($"SageMaker instance hours are apart: the blue/green overlap of an update (both fleets up while traffic moves) costs about " +
            $"{Stats.Dollars(instance)} for the next release ({string.Join(", ", environments.Select(e => $"{e.Name} {e.InstanceType} for {e.UpdateSeconds(prices, false) / 60.0:0} min"))}); the live endpoints' own hours are the model's, not the release's.");
        report.Notes.Add("DynamoDB: the emulator reports fixed placeholder units (1 per write, 0.5 per read, none for transactions), so the dollars use units computed from item sizes by DynamoDB's rules (1 KB per write unit, 4 KB per read unit, halved for eventually consistent reads, doubled in transactions; an updated item counts at its size after the release).");
        report.Notes.Add("Lambda: durations are our handlers' time in this process, warm; a cold start (tens of ms with the AOT bootstrap, see coldstart) adds to the first invocation of each function. The outbox relay's invocations are counted one per PutEvents batch.");

        report.Target($"≤ {TransitionTarget} state transitions per 3-stage release (as AWS bills them)", Stats.Count(awsTransitions[1]), awsTransitions[1] <= TransitionTarget);
        report.Target($"≤ {Stats.Dollars(DollarTarget)} per 3-stage release (SageMaker instance hours excluded)", Stats.Dollars(costs[1].Values.Sum()), costs[1].Values.Sum() <= DollarTarget);
        return report;
    }

    private static int Events(ObservedRelease r) => r.Calls.Where(c => c.Service == "events" && c.Operation == "PutEvents")
        .Sum(c => JsonDocument.Parse(c.RequestBody).RootElement.GetProperty("Entries").GetArrayLength());

    private static Dictionary<string, decimal> Cost(ObservedRelease r, int transitions, Prices p)
    {
        var gb = p.LambdaMemoryMb / 1024m;
        var lambdaCalls = r.Calls.Where(c => c.Service == "lambda").ToList();
        // In AWS the relay is a function on the table's stream: one invocation per batch it publishes (one PutEvents).
        var relay = r.Calls.Where(c => c.Service == "events" && c.Operation == "PutEvents").ToList();
        var ms = lambdaCalls.Concat(relay).Sum(c => (decimal)Math.Ceiling(c.Duration.TotalMilliseconds)) + r.ApiRequestMs.Sum(x => (decimal)Math.Ceiling(x));
        return Labelled(r, transitions, lambdaCalls.Count + relay.Count + r.ApiRequestMs.Count, ms, gb, p);
    }

    /// <summary>Cost items with labels that do not change between releases (the counts are in the tables above).</summary>
    private static Dictionary<string, decimal> Labelled(ObservedRelease r, int transitions, int invocations, decimal ms, decimal gb, Prices p)
    {
        var dynamo = r.Dynamo.Where(d => d.Source != "other").ToList();
        return new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            ["Step Functions state transitions"] = transitions * p.StepFunctionsPerTransition,
            ["Lambda requests"] = invocations * p.LambdaPerRequest,
            [$"Lambda duration ({gb.ToString("0.###", CultureInfo.InvariantCulture)} GB)"] = ms / 1000m * gb * p.LambdaPerGbSecond,
            ["DynamoDB read units"] = (decimal)dynamo.Where(d => d.Kind == "read").Sum(d => d.EstimatedUnits) * p.DynamoDbPerReadRequestUnit,
            ["DynamoDB write units"] = (decimal)dynamo.Where(d => d.Kind == "write").Sum(d => d.EstimatedUnits) * p.DynamoDbPerWriteRequestUnit,
            ["EventBridge events"] = Events(r) * p.EventBridgePerEvent,
            ["API Gateway requests"] = r.ApiRequestMs.Count * p.HttpApiPerRequest,
        };
    }

    /// <summary>Says what a state did in the release, and flags a transition that decided nothing.</summary>
    private static string Did(List<StateVisit> visits, IReadOnlyList<Deployment> environments)
    {
        if (visits.Count == 0)
        {
            return "";
        }
        var stages = string.Join(", ", visits.Where(v => v.Stage >= 0 && v.Stage < environments.Count).Select(v => environments[v.Stage].Name).Distinct());
        return visits[0].Kind switch
        {
            "Wait" => string.Join(", ", visits.Select(v => $"{(v.Stage >= 0 && v.Stage < environments.Count ? environments[v.Stage].Name : "")} {v.Duration.TotalSeconds:0.#} s"))
                + (visits.Any(v => v.Duration < TimeSpan.FromMilliseconds(100)) ? " (a 0 s wait decides nothing)" : ""),
            "Choice" => $"decided {visits.Count}×{(stages.Length > 0 ? $" ({stages})" : "")}",
            "Map" => "iterates the environments",
            _ => $"{visits.Count}×{(stages.Length > 0 ? $" ({stages})" : "")}",
        };
    }
}

/// <summary>tests/ReleaseCenter.Benchmarks/prices-us-east-1.json: the one place the prices and their date are kept.</summary>
public sealed record Prices(
    string Checked,
    decimal StepFunctionsPerTransition,
    decimal LambdaPerRequest,
    decimal LambdaPerGbSecond,
    decimal DynamoDbPerWriteRequestUnit,
    decimal DynamoDbPerReadRequestUnit,
    decimal EventBridgePerEvent,
    decimal HttpApiPerRequest,
    IReadOnlyDictionary<string, decimal> SageMakerInstancePerHour,
    int LambdaMemoryMb,
    int SageMakerProvisioningSeconds,
    int EndpointWaitTimeoutSeconds)
{
    public static Prices Load(string repoRoot)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(repoRoot, "tests", "ReleaseCenter.Benchmarks", "prices-us-east-1.json")));
        var root = doc.RootElement;
        var assumptions = root.GetProperty("assumptions");
        return new Prices(root.GetProperty("checked").GetString()!,
            root.GetProperty("stepFunctionsPerTransition").GetDecimal(), root.GetProperty("lambdaPerRequest").GetDecimal(),
            root.GetProperty("lambdaPerGbSecond").GetDecimal(), root.GetProperty("dynamoDbPerWriteRequestUnit").GetDecimal(),
            root.GetProperty("dynamoDbPerReadRequestUnit").GetDecimal(), root.GetProperty("eventBridgePerEvent").GetDecimal(),
            root.GetProperty("httpApiPerRequest").GetDecimal(),
            root.GetProperty("sageMakerInstancePerHour").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal(), StringComparer.Ordinal),
            assumptions.GetProperty("lambdaMemoryMb").GetInt32(), assumptions.GetProperty("sageMakerProvisioningSeconds").GetInt32(),
            assumptions.GetProperty("endpointWaitTimeoutSeconds").GetInt32());
    }
}

/// <summary>An environment's deployment as config/environments.json sets it, and how long SageMaker really takes for it.</summary>
public sealed record Deployment(string Name, string InstanceType, string Strategy, int StepPercent, int WaitSeconds, int TerminationWaitSeconds)
{
    public static IReadOnlyList<Deployment> Load(string repoRoot)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(repoRoot, "config", "environments.json")));
        return doc.RootElement.GetProperty("environments").EnumerateArray().Select(e =>
        {
            var d = e.TryGetProperty("deployment", out var dep) ? dep : default;
            int Int(string name) => d.ValueKind == JsonValueKind.Object && d.TryGetProperty(name, out var v) ? v.GetInt32() : 0;
            var strategy = d.ValueKind == JsonValueKind.Object && d.TryGetProperty("strategy", out var s) ? s.GetString()! : "all-at-once";
            return new Deployment(e.GetProperty("name").GetString()!, e.GetProperty("instanceType").GetString()!, strategy,
                strategy == "linear" ? Int("linearStepPercent") : Int("canaryPercent"), Int("waitIntervalSeconds"), Int("terminationWaitSeconds"));
        }).ToList();
    }

    /// <summary>
    /// Seconds from UpdateEndpoint (or CreateEndpoint) to InService: the new fleet's provisioning, then the traffic
    /// shifting (canary: one wait; linear: one wait per step), then the old fleet's termination wait.
    /// </summary>
    public int UpdateSeconds(Prices prices, bool creates)
    {
        ArgumentNullException.ThrowIfNull(prices);
        if (creates)
        {
            return prices.SageMakerProvisioningSeconds;
        }
        var shifting = Strategy switch
        {
            "linear" => (int)Math.Ceiling(100.0 / Math.Max(1, StepPercent)) * WaitSeconds,
            "canary" => WaitSeconds,
            _ => 0,
        };
        return prices.SageMakerProvisioningSeconds + shifting + TerminationWaitSeconds;
    }

    /// <summary>
    /// Passes of the endpoint wait loop in AWS: woken by SageMaker's state change when the endpoint is InService
    /// (and once more by the change to Updating, if it arrives after the workflow parked), and by the parked wait's
    /// timeout every endpointWaitTimeoutSeconds in between.
    /// </summary>
    public int Waits(Prices prices, bool creates)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return 2 + (UpdateSeconds(prices, creates) / prices.EndpointWaitTimeoutSeconds);
    }

    /// <summary>The old fleet's hours while the new one comes up and takes traffic (blue/green: both are paid).</summary>
    public decimal OverlapDollars(Prices prices, bool creates)
    {
        ArgumentNullException.ThrowIfNull(prices);
        return creates ? 0 : prices.SageMakerInstancePerHour.GetValueOrDefault(InstanceType) * UpdateSeconds(prices, creates) / 3600m;
    }
}
