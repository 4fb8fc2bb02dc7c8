using System.Globalization;
using ReleaseCenter.Domain.Errors;

namespace ReleaseCenter.Domain.Environments;

/// <summary>
/// An ad-hoc freeze of an environment (a quarter-end close, an incident): while it holds, releases wait at the
/// environment's door (<see cref="Releases.EnvironmentDoor"/>) and say why; rollbacks proceed unless
/// <see cref="AllowRollbacks"/> is false. It ends when lifted, or by itself at <see cref="Until"/>.
/// </summary>
public sealed record Freeze(string Environment, string Reason, string By, DateTimeOffset At, DateTimeOffset? Until, bool AllowRollbacks)
{
    /// <summary>The project whose releases (and, unless allowed, rollbacks) the freeze holds; null: the whole environment.</summary>
    public string? Project { get; init; }

    public bool HoldsAt(DateTimeOffset now) => Until is not { } until || now < until;

    /// <summary>"prod is frozen by lena since 2026-12-01 14:02 UTC until 2026-12-02 09:00 UTC: quarter-end close" ("… frozen for project payments by …").</summary>
    public string Describe() =>
        $"{Environment} is frozen{(Project is null ? "" : $" for project {Project}")} by {By} since {Format(At)}" + (Until is { } until ? $" until {Format(until)}" : "") + $": {Reason}";

    public static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
}

/// <summary>A rollback was asked for in an environment whose freeze does not allow rollbacks (409).</summary>
public sealed class FrozenException(Freeze freeze)
    : RequestRefusedException(RefusalKind.Conflict, "Environment frozen", $"{freeze.Describe()}. This freeze does not allow rollbacks; lift it first.")
{
    public Freeze Freeze { get; } = freeze;
}

/// <summary>
/// After a manual rollback of a model in an environment where releases of it are promoted automatically (policy setting
/// "autoPromote"), auto-promotion there holds until someone lifts the hold (policies issue, item 7): otherwise the next
/// release would quietly undo the rollback. Releases that ask a person's approval anyway are not held.
/// </summary>
public sealed record AutoPromotionHold(string Environment, string Model, string RollbackId, string By, DateTimeOffset At, string Reason)
{
    /// <summary>"auto-promotion of fraud-detector into prod is held since lena rolled it back at 2026-12-01 18:40:00 UTC (rb-…): v3 misroutes refunds".</summary>
    public string Describe() => $"auto-promotion of {Model} into {Environment} is held since {By} rolled it back at {Freeze.Format(At)} ({RollbackId}): {Reason}";
}
