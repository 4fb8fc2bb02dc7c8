using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Domain.Delivery;

/// <summary>A release's attempt to deploy a model version to an environment (its stage got as far as deploying).</summary>
/// <param name="Outcome">Released (live), RolledBack (undone by the automatic rollback after a failed verification) or Failed.</param>
/// <param name="EndedAt">When the deployment went live or was undone.</param>
public sealed record DeploymentAttempt(string Environment, string Model, string ReleaseId, int Version, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    Releases.ReleaseStatus Outcome);

/// <summary>Count, median and mean of a set of durations; null figures when there is nothing to measure.</summary>
public sealed record DurationStats(int Count, double? MedianSeconds, double? MeanSeconds)
{
    public static DurationStats Of(IEnumerable<TimeSpan> durations)
    {
        var seconds = durations.Select(d => d.TotalSeconds).Order().ToArray();
        if (seconds.Length == 0)
        {
            return new DurationStats(0, null, null);
        }
        var middle = seconds.Length / 2;
        var median = seconds.Length % 2 == 1 ? seconds[middle] : (seconds[middle - 1] + seconds[middle]) / 2;
        return new DurationStats(seconds.Length, median, seconds.Average());
    }
}

/// <summary>Failed changes among all changes; Rate is null when there were no changes.</summary>
public sealed record FailureRate(int Changes, int Failed, double? Rate);

/// <summary>The four delivery metrics (DORA) of one model in one environment over a window.</summary>
public sealed record DeliveryFigures(
    string Model,
    string Environment,
    int Deployments,
    double DeploymentsPerDay,
    DurationStats LeadTime,
    FailureRate ChangeFailureRate,
    DurationStats TimeToRestore);

/// <summary>
/// Delivery metrics from what the product records, per model and environment, for deployments in
/// [since, until):
/// <list type="bullet">
/// <item>Deployment frequency: releases that went live (rollbacks are not deployments of a change), per day of the window.</item>
/// <item>Lead time: from the model version's registration to its release going live in the environment.</item>
/// <item>Change failure rate: of the attempts to deploy a change, those that failed verification and were
/// rolled back automatically, failed outright, or went live and were later taken out by a rollback.</item>
/// <item>Time to restore: from the failed change starting to serve to the previous one serving again:
/// deployment start to automatic rollback, or (rolled back by hand) the failed release going live to the rollback completing.</item>
/// </list>
/// Pure: the caller reads the deployment history, the attempts and the registration times.
/// </summary>
public static class DeliveryMetrics
{
    public static IReadOnlyList<DeliveryFigures> Compute(
        IReadOnlyList<LiveDeployment> deployments,
        IReadOnlyList<DeploymentAttempt> attempts,
        Func<string, int, DateTimeOffset?> versionRegisteredAt,
        DateTimeOffset since,
        DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(deployments);
        ArgumentNullException.ThrowIfNull(attempts);
        ArgumentNullException.ThrowIfNull(versionRegisteredAt);
        if (until <= since)
        {
            throw new ArgumentException("The window must end after it starts.", nameof(until));
        }
        bool InWindow(DateTimeOffset t) => t >= since && t < until;
        var days = (until - since).TotalDays;

        var keys = deployments.Where(d => InWindow(d.DeployedAt)).Select(d => (d.Model, d.Environment))
            .Concat(attempts.Where(a => InWindow(a.StartedAt)).Select(a => (a.Model, a.Environment)))
            .Distinct()
            .OrderBy(k => k.Model, StringComparer.Ordinal).ThenBy(k => k.Environment, StringComparer.Ordinal);

        var figures = new List<DeliveryFigures>();
        foreach (var (model, environment) in keys)
        {
            var history = deployments.Where(d => d.Model == model && d.Environment == environment).ToArray();
            var live = history.Where(d => d.Kind == DeploymentKinds.Release && InWindow(d.DeployedAt)).ToArray();
            var rollbacks = history.Where(d => d.Kind == DeploymentKinds.Rollback && InWindow(d.DeployedAt)).ToArray();
            var tried = attempts.Where(a => a.Model == model && a.Environment == environment && InWindow(a.StartedAt)).ToArray();

            var leadTimes = live.Select(d => versionRegisteredAt(d.Model, d.Version) is { } registered ? d.DeployedAt - registered : (TimeSpan?)null)
                .Where(t => t is not null).Select(t => t!.Value);

            var rolledBackByHand = rollbacks.Where(r => r.ReplacedRelease is not null).Select(r => r.ReplacedRelease!).ToHashSet(StringComparer.Ordinal);
            var failedAttempts = tried.Where(a => a.Outcome is Releases.ReleaseStatus.RolledBack or Releases.ReleaseStatus.Failed).ToArray();
            // Changes: every attempt, plus releases that went live without an attempt on record in the window (their stage started earlier).
            var changeIds = tried.Select(a => a.ReleaseId).Concat(live.Select(d => d.ReleaseId)).ToHashSet(StringComparer.Ordinal);
            var failedIds = failedAttempts.Select(a => a.ReleaseId).Concat(changeIds.Where(rolledBackByHand.Contains)).ToHashSet(StringComparer.Ordinal);

            var restores = failedAttempts.Where(a => a.Outcome == Releases.ReleaseStatus.RolledBack && a.EndedAt is not null)
                .Select(a => a.EndedAt!.Value - a.StartedAt)
                .Concat(rollbacks.Select(r => history.Where(d => d.ReleaseId == r.ReplacedRelease && d.DeployedAt <= r.DeployedAt)
                        .OrderByDescending(d => d.DeployedAt).FirstOrDefault() is { } bad
                    ? r.DeployedAt - bad.DeployedAt
                    : (TimeSpan?)null).Where(t => t is not null).Select(t => t!.Value));

            figures.Add(new DeliveryFigures(model, environment, live.Length, live.Length / days, DurationStats.Of(leadTimes),
                new FailureRate(changeIds.Count, failedIds.Count, changeIds.Count == 0 ? null : (double)failedIds.Count / changeIds.Count),
                DurationStats.Of(restores)));
        }
        return figures;
    }
}
