using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Domain.Rollbacks;

/// <summary>Reading an environment's deployment history (newest first, one model): what to roll back to, what was live when.</summary>
public static class RollbackTargets
{
    /// <summary>
    /// The default rollback target: the newest release that was live before <paramref name="live"/>,
    /// skipping the live release itself and any release that a rollback has already taken out
    /// (rolling back should not bring back a release someone rolled back). Null: nothing to go back to.
    /// </summary>
    public static LiveDeployment? Default(LiveDeployment live, IReadOnlyList<LiveDeployment> historyNewestFirst)
    {
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(historyNewestFirst);
        var rolledBack = historyNewestFirst
            .Where(d => d.Kind == DeploymentKinds.Rollback && d.ReplacedRelease is not null)
            .Select(d => d.ReplacedRelease!)
            .ToHashSet(StringComparer.Ordinal);
        return historyNewestFirst.FirstOrDefault(d => d.ReleaseId != live.ReleaseId && !rolledBack.Contains(d.ReleaseId));
    }

    /// <summary>What was live at <paramref name="at"/> per model: for each model, its newest deployment made at or before that moment.</summary>
    public static IReadOnlyList<LiveDeployment> LiveAt(IEnumerable<LiveDeployment> historyNewestFirst, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(historyNewestFirst);
        return historyNewestFirst
            .Where(d => d.DeployedAt <= at)
            .GroupBy(d => d.Model, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(d => d.Model, StringComparer.Ordinal)
            .ToArray();
    }
}
