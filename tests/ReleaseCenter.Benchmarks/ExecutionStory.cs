using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Benchmarks;

/// <summary>One state as the execution history tells it: when it was entered and left, in which stage, how often its task was scheduled.</summary>
public sealed record StateVisit(string Name, string Kind, DateTimeOffset Entered, DateTimeOffset? Exited, int Stage, int Attempts)
{
    public TimeSpan Duration => (Exited ?? Entered) - Entered;
}

/// <summary>A release's execution history read as states visited per stage (the Map's iterations, in promotion order).</summary>
public sealed class ExecutionStory
{
    public const string ApprovalState = "Wait for approval";
    public const string EndpointWaitState = "Wait for SageMaker to finish the update";
    public const string BakeState = "Let the endpoint bake";

    /// <summary>The states of the endpoint wait loop: one pass is the parked wait, the check, and the choice.</summary>
    public static readonly string[] EndpointLoop = [EndpointWaitState, "Is the endpoint serving the new model?", "Is the endpoint ready?"];

    public ExecutionStory(IReadOnlyList<HistoryEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            throw new ArgumentException("The execution has no history.", nameof(history));
        }
        Started = history[0].Timestamp;
        Ended = history[^1].Timestamp;
        var stage = -1;
        var inMap = false;
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        var visits = new List<StateVisit>();
        StateVisit? task = null;
        foreach (var e in history)
        {
            if (e.Type == "MapIterationStarted")
            {
                stage++;
                StageStarted.Add(e.Timestamp);
            }
            else if (e.Type is "MapIterationSucceeded" or "MapIterationFailed" or "MapIterationAborted")
            {
                StageEnded.Add(e.Timestamp);
            }
            else if (e.StateEnteredEventDetails is { } entered)
            {
                var kind = e.Type[..^"StateEntered".Length];
                var visit = new StateVisit(entered.Name, kind, e.Timestamp, null, inMap ? stage : -1, 0);
                inMap |= kind == "Map";
                open[entered.Name] = visits.Count;
                visits.Add(visit);
                task = kind == "Task" ? visit : null;
            }
            else if (e.Type == "TaskScheduled" && task is not null && open.TryGetValue(task.Name, out var t))
            {
                visits[t] = visits[t] with { Attempts = visits[t].Attempts + 1 };
            }
            else if (e.StateExitedEventDetails is { } exited && open.Remove(exited.Name, out var index))
            {
                visits[index] = visits[index] with { Exited = e.Timestamp };
                inMap &= visits[index].Kind != "Map";
            }
        }
        Visits = visits;
    }

    public DateTimeOffset Started { get; }

    public DateTimeOffset Ended { get; }

    public TimeSpan Duration => Ended - Started;

    public IReadOnlyList<StateVisit> Visits { get; }

    public List<DateTimeOffset> StageStarted { get; } = [];

    public List<DateTimeOffset> StageEnded { get; } = [];

    /// <summary>What Step Functions bills: one transition per state entered, and one more per retry of a task.</summary>
    public int Transitions => Visits.Count + Visits.Sum(v => Math.Max(0, v.Attempts - 1));

    /// <summary>How many times a stage parked waiting for SageMaker (each pass of the loop costs three transitions).</summary>
    public int EndpointWaits(int stage) => Visits.Count(v => v.Stage == stage && v.Name == EndpointWaitState);

    /// <summary>Time the workflow spent waiting on purpose in a stage (or outside the stages, -1): approvals, bake, SageMaker's rollout.</summary>
    public TimeSpan Waiting(int stage) => Visits.Where(v => v.Stage == stage && v.Name is ApprovalState or BakeState or EndpointWaitState)
        .Aggregate(TimeSpan.Zero, (sum, v) => sum + v.Duration);
}
