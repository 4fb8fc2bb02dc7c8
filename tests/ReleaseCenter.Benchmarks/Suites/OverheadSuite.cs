using System.Globalization;

namespace ReleaseCenter.Benchmarks.Suites;

/// <summary>
/// Workflow overhead: per stage, the time the workflow itself adds, that is the stage's time minus what it waits for
/// on purpose (approval votes, the bake, SageMaker's rollout in the emulator's stand-in), from the execution history's
/// timestamps; and where that time goes, state by state.
/// </summary>
public sealed class OverheadSuite : ISuite
{
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(2);

    public string Name => "overhead";

    public async Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var report = new SuiteReport(Name, "Workflow overhead: what the workflow adds to a 3-stage release beyond its configured waits (emulator)");
        await using var stack = await LocalStack.StartAsync(options, "bench-overhead", ct).ConfigureAwait(false);
        using var recorder = new ReleaseRecorder(stack);
        var releases = options.Smoke ? 1 : 3;
        await recorder.SeedAsync(releases + 1, ct).ConfigureAwait(false);
        // The first release creates the endpoints; the measured ones update them, as most releases do. A smoke run
        // measures the first one alone.
        if (!options.Smoke)
        {
            await recorder.ReleaseAsync(1, ct).ConfigureAwait(false);
        }
        var runs = new List<(ObservedRelease Release, ExecutionStory Story)>();
        for (var v = options.Smoke ? 1 : 2; v <= releases + (options.Smoke ? 0 : 1); v++)
        {
            var r = await recorder.ReleaseAsync(v, ct).ConfigureAwait(false);
            runs.Add((r, new ExecutionStory(r.History)));
        }
        var environments = Deployments.Names(options.RepoRoot);

        var stages = report.Table($"Per stage, median of {runs.Count} release(s) (seconds)", "stage", "stage time", "approval", "bake", "SageMaker rollout (stand-in)", "overhead");
        var totals = new List<double>();
        for (var i = -1; i < environments.Count; i++)
        {
            var stage = i;
            var time = runs.Select(r => StageTime(r.Story, stage).TotalSeconds).ToList();
            var approval = runs.Select(r => Sum(r.Story, stage, ExecutionStory.ApprovalState)).ToList();
            var bake = runs.Select(r => Sum(r.Story, stage, ExecutionStory.BakeState)).ToList();
            var rollout = runs.Select(r => Sum(r.Story, stage, ExecutionStory.EndpointWaitState)).ToList();
            var overhead = runs.Select(r => (StageTime(r.Story, stage) - r.Story.Waiting(stage)).TotalSeconds).ToList();
            stages.Add(stage < 0 ? "outside the stages (evaluate, record)" : environments[stage], S(Stats.Median(time)), S(Stats.Median(approval)), S(Stats.Median(bake)),
                S(Stats.Median(rollout)), S(Stats.Median(overhead)));
        }
        foreach (var r in runs)
        {
            totals.Add(Enumerable.Range(-1, environments.Count + 1).Sum(i => (StageTime(r.Story, i) - r.Story.Waiting(i)).TotalSeconds));
        }
        stages.Add("whole release", S(Stats.Median(runs.Select(r => r.Story.Duration.TotalSeconds).ToList())), "", "", "", S(Stats.Median(totals)));

        // Where the overhead goes: each state's time (entered → exited), the waits and the Map itself excluded.
        var states = report.Table("Where it goes: time per state visit, median over the measured releases (waits excluded)", "state", "visits", "median", "total (median release)");
        var byState = runs.SelectMany(r => r.Story.Visits.Where(v => v.Kind != "Map" && !IsWait(v.Name)))
            .GroupBy(v => v.Name).Select(g => (Name: g.Key, Visits: g.ToList())).OrderByDescending(g => g.Visits.Sum(v => v.Duration.TotalMilliseconds)).ToList();
        foreach (var (name, visits) in byState)
        {
            states.Add(name, Stats.Count(visits.Count / (double)runs.Count), Stats.Ms(Stats.Median(visits.Select(v => v.Duration.TotalMilliseconds).ToList())),
                Stats.Ms(visits.Sum(v => v.Duration.TotalMilliseconds) / runs.Count));
        }
        // Our handlers' own time, for the tasks counted above: not the ones inside a wait (request-approval,
        // await-endpoint) nor those EventBridge invokes beside the workflow (endpoint-changed, the registry's sync).
        var taskCalls = runs.Select(r => r.Release.Calls.Where(c => c.Service == "lambda" && !BesideTheWorkflow.Contains(recorder.HandlerOf(c.Operation))).ToList()).ToList();
        var handlerMs = taskCalls.Select(c => c.Sum(x => x.Duration.TotalMilliseconds)).ToList();
        var dynamoMs = runs.Select(r => r.Release.Calls.Where(c => c.Service == "dynamodb").Sum(c => c.Duration.TotalMilliseconds)).ToList();
        var dynamoCalls = runs.Select(r => (double)r.Release.Calls.Count(c => c.Service == "dynamodb")).ToList();
        var inStates = runs.Select(r => r.Story.Visits.Where(v => v.Kind == "Task" && !IsWait(v.Name)).Sum(v => v.Duration.TotalMilliseconds)).ToList();
        var split = report.Table("Overhead split (median release)", "part", "time");
        split.Add("task states (entered → exited)", Stats.Ms(Stats.Median(inStates)));
        split.Add("  our handlers' own time (in-process)", Stats.Ms(Stats.Median(handlerMs)));
        split.Add($"  DynamoDB at the emulator, every caller ({Stats.Count(Stats.Median(dynamoCalls))} calls)", Stats.Ms(Stats.Median(dynamoMs)));
        split.Add("  the interpreter's Lambda invocation and its history (states − handlers)", Stats.Ms(Stats.Median(inStates) - Stats.Median(handlerMs)));
        split.Add("between states (choices, transitions)", Stats.Ms((Stats.Median(totals) * 1000) - Stats.Median(inStates)));
        report.Target($"workflow overhead ≤ {Target.TotalSeconds:0} s for a 3-stage release (emulator)", S(Stats.Median(totals)) + " s", Stats.Median(totals) <= Target.TotalSeconds);
        report.Notes.Add("Stage time runs from the Map iteration's start to its end; approval, bake and the stand-in's rollout (SageMaker's update on a clock 300 times faster) are subtracted. The emulator's history has millisecond timestamps.");
        return report;
    }

    /// <summary>Handlers that run inside a wait, or beside the workflow on an EventBridge rule.</summary>
    private static readonly HashSet<string> BesideTheWorkflow = new(StringComparer.Ordinal)
    {
        "request-approval", "await-endpoint", "endpoint-changed", "sync-model-package", "import-model-package",
    };

    private static bool IsWait(string state) => state is ExecutionStory.ApprovalState or ExecutionStory.BakeState or ExecutionStory.EndpointWaitState;

    private static double Sum(ExecutionStory story, int stage, string state) =>
        story.Visits.Where(v => v.Stage == stage && v.Name == state).Sum(v => v.Duration.TotalSeconds);

    /// <summary>A stage's span from the history (the Map iteration), or for -1 the execution's time outside every stage.</summary>
    private static TimeSpan StageTime(ExecutionStory story, int stage)
    {
        if (stage >= 0)
        {
            return stage < story.StageStarted.Count && stage < story.StageEnded.Count ? story.StageEnded[stage] - story.StageStarted[stage] : TimeSpan.Zero;
        }
        var inStages = story.StageStarted.Zip(story.StageEnded, (s, e) => e - s).Aggregate(TimeSpan.Zero, (a, b) => a + b);
        return story.Duration - inStages;
    }

    private static string S(double seconds) => double.IsNaN(seconds) ? "n/a" : seconds.ToString("0.00", CultureInfo.InvariantCulture);
}

internal static class Deployments
{
    public static IReadOnlyList<string> Names(string repoRoot) => Deployment.Load(repoRoot).Select(d => d.Name).ToList();
}
