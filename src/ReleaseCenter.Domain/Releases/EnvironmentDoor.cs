using ReleaseCenter.Domain.Environments;

namespace ReleaseCenter.Domain.Releases;

/// <summary>Why a release waits at an environment's door.</summary>
public enum DoorClosedBy
{
    /// <summary>The environment is frozen (<see cref="Freeze"/>).</summary>
    Freeze,

    /// <summary>The release has not been live long enough in the environment before this one (<see cref="EnvironmentPolicy.RequiredSoakSeconds"/>).</summary>
    Soak,

    /// <summary>Outside the environment's allow windows, or in a deny window (<see cref="EnvironmentPolicy.Windows"/>).</summary>
    Window,

    /// <summary>Auto-promotion of the model into the environment holds after a manual rollback (<see cref="AutoPromotionHold"/>).</summary>
    Hold,

    /// <summary>An endpoint of the environment was changed outside Release Center and not yet reconciled (<see cref="OutOfBandChange"/>).</summary>
    OutOfBand,
}

/// <summary>
/// Whether a release may enter an environment now, and if not, why, until when, and how long the workflow waits
/// before it asks again (<paramref name="WaitSeconds"/>). <paramref name="Key"/> names this particular wait (the
/// freeze, or the soak), so the release's story tells it once however often the workflow asks.
/// </summary>
public sealed record DoorState(bool Open, DoorClosedBy? ClosedBy, string? Reason, DateTimeOffset? Until, int WaitSeconds, string? Key)
{
    public static readonly DoorState OpenDoor = new(true, null, null, null, 0, null);

    /// <summary>The stage's <c>waiting.kind</c>: "freeze", "soak" or "out-of-band".</summary>
    public string? Kind => ClosedBy switch
    {
        DoorClosedBy.Freeze => "freeze",
        DoorClosedBy.Soak => "soak",
        DoorClosedBy.OutOfBand => "out-of-band",
        DoorClosedBy.Window => "window",
        DoorClosedBy.Hold => "hold",
        _ => null,
    };
}

/// <summary>
/// The door every release passes before it takes an environment's lock: closed while the environment is frozen, or
/// while the release has been live in the environment before this one (in its own path) for less than this
/// environment's required soak time (Kargo's requiredSoakTime), or while one of its endpoints was changed outside
/// Release Center and not yet reconciled. A freeze is checked first: it is the stronger word.
/// </summary>
public static class EnvironmentDoor
{
    /// <param name="pollSeconds">How often a workflow looks again at a freeze without an end (a lifted freeze is noticed within this).</param>
    public static DoorState Check(Release release, string environment, EnvironmentPolicy policy, Freeze? freeze, DateTimeOffset now, int pollSeconds,
        IReadOnlyList<OutOfBandChange>? outOfBand = null, IReadOnlyList<AutoPromotionHold>? holds = null)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(policy);
        if (freeze is not null && freeze.HoldsAt(now))
        {
            var wait = freeze.Until is { } until ? Math.Min(pollSeconds, SecondsUntil(now, until)) : pollSeconds;
            return new DoorState(false, DoorClosedBy.Freeze, $"Waiting at {environment}'s door: {freeze.Describe()}.", freeze.Until, Math.Max(1, wait),
                $"frozen-{freeze.At.UtcTicks}");
        }
        if (policy.Windows.Count > 0 && PromotionWindow.Check(policy.Windows, environment, now) is { Closed: true } window)
        {
            // Wait until the window opens (looked at again at least hourly: a freeze or an out-of-band change may come meanwhile).
            var wait = window.OpensAt is { } opens ? Math.Min(SecondsUntil(now, opens), 3600) : 3600;
            return new DoorState(false, DoorClosedBy.Window,
                $"Waiting at {environment}'s door: {window.Reason}" + (window.OpensAt is { } o ? $"; it opens {Freeze.Format(o)}." : "."),
                window.OpensAt, wait, $"window-{window.OpensAt?.UtcTicks}");
        }
        if (outOfBand?.Where(c => c.Model == release.Model).OrderBy(c => c.DetectedAt).FirstOrDefault() is { } change)
        {
            return new DoorState(false, DoorClosedBy.OutOfBand,
                $"Waiting at {environment}'s door until its live state is reconciled: {change.Describe()}. A release-admin adopts or restores it.",
                null, Math.Max(1, pollSeconds), $"out-of-band-{change.Model}-{change.DetectedAt.UtcTicks}");
        }
        if (release.Stage(environment).AutoPromoted && holds?.FirstOrDefault(h => h.Model == release.Model) is { } hold)
        {
            return new DoorState(false, DoorClosedBy.Hold,
                $"Waiting at {environment}'s door: {hold.Describe()}. A release-admin of the project lifts the hold for it to go on.", null,
                Math.Max(1, pollSeconds), $"hold-{hold.At.UtcTicks}");
        }
        var index = release.Environments.ToList().IndexOf(environment);
        if (policy.RequiredSoakSeconds > 0 && index > 0)
        {
            var upstream = release.Environments[index - 1];
            if (release.Stage(upstream).Deployment?.CompletedAt is { } liveSince)
            {
                var soaked = liveSince.AddSeconds(policy.RequiredSoakSeconds);
                if (now < soaked)
                {
                    return new DoorState(false, DoorClosedBy.Soak,
                        $"Soaking in {upstream} until {Freeze.Format(soaked)}: {environment} requires {policy.RequiredSoakSeconds} s live in {upstream} first.",
                        soaked, SecondsUntil(now, soaked), "soak");
                }
            }
        }
        return DoorState.OpenDoor;
    }

    private static int SecondsUntil(DateTimeOffset now, DateTimeOffset then) => (int)Math.Max(1, Math.Ceiling((then - now).TotalSeconds));
}
