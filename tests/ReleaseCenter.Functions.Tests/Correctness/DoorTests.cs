using System.Text.Json.Nodes;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>
/// The environment's door (policies issue, items 4 and 5): a release waits while it soaks upstream or while the
/// environment is frozen, says why on the release and in its story once per wait, and goes on when the soak is over or
/// the freeze lifted; the wait is recomputed from the record on every look, so a retried look changes nothing. Time is
/// the harness's fake clock.
/// </summary>
public sealed class DoorTests : IDisposable
{
    private readonly Harness _h = new(WithSoak(60));

    public void Dispose() => _h.Dispose();

    /// <summary>The shipped environments, with prod asking for <paramref name="seconds"/> live in the environment before it first.</summary>
    private static string WithSoak(int seconds)
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "environments.json")))!;
        var prod = config["environments"]!.AsArray().Single(e => (string?)e!["name"] == "prod")!;
        prod["requiredSoakSeconds"] = seconds;
        return config.ToJsonString();
    }

    private CheckDoorStep Door => _h.Step<CheckDoorStep>();

    private Task<DoorResult> LookAsync(string releaseId, string environment) => Door.RunAsync(releaseId, environment, CancellationToken.None);

    /// <summary>A release of a fresh model that is live in dev (deployed and recorded there), on its way to prod.</summary>
    private async Task<Release> LiveInDevAsync(string model)
    {
        await _h.RegisterAsync(model, (0.95, 70));
        var release = await _h.ReleaseAsync(model, 1, "dev", "prod");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);
        await _h.DeployAsync(release.Id, "dev");
        Assert.True((await _h.Step<CheckEndpointStep>().RunAsync(release.Id, "dev", CancellationToken.None)).Ready);
        Assert.True((await _h.Step<VerifyStep>().RunAsync(release.Id, "dev", CancellationToken.None)).Healthy);
        await _h.Step<RecordDeploymentStep>().RunAsync(release.Id, "dev", CancellationToken.None);
        return await _h.GetReleaseAsync(release.Id);
    }

    [Fact]
    public async Task ASoak_KeepsTheDoorClosedUntilTheReleaseHasBeenLiveUpstreamLongEnough_SayingUntilWhen()
    {
        var release = await LiveInDevAsync("soaking");
        var liveSince = release.Stage("dev").Deployment!.CompletedAt!.Value;
        Assert.True((await LookAsync(release.Id, "dev")).Open, "dev is the first environment of the path: nothing to soak in");

        _h.Clock.Advance(TimeSpan.FromSeconds(20));
        var first = await LookAsync(release.Id, "prod");

        Assert.False(first.Open);
        Assert.Equal(40, first.WaitSeconds);
        Assert.Contains($"Soaking in dev until {Freeze.Format(liveSince.AddSeconds(60))}", first.Reason, StringComparison.Ordinal);
        var waiting = (await _h.GetReleaseAsync(release.Id)).Stage("prod").Waiting!;
        Assert.Equal(("soak", liveSince.AddSeconds(60)), (waiting.Kind, waiting.Until));

        // A second look (a retry, or the Wait state's loop) tells the story no second time and waits only what is left.
        _h.Clock.Advance(TimeSpan.FromSeconds(30));
        var second = await LookAsync(release.Id, "prod");
        Assert.Equal((false, 10), (second.Open, second.WaitSeconds));
        Assert.Single(await _h.Workflow.ListTimelineAsync(release.Id, CancellationToken.None), t => t.Step == "waiting-soak");

        _h.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await LookAsync(release.Id, "prod")).Open);
        Assert.Null((await _h.GetReleaseAsync(release.Id)).Stage("prod").Waiting);
        Assert.Contains(await _h.Workflow.ListTimelineAsync(release.Id, CancellationToken.None), t => t.Step == "door-opened" && t.Environment == "prod");
    }

    [Fact]
    public async Task AFreeze_HoldsReleasesAtTheDoorUntilLifted()
    {
        var release = await LiveInDevAsync("frozen");
        _h.Clock.Advance(TimeSpan.FromMinutes(5)); // soaked
        await _h.Freezes.FreezeAsync(new Freeze("prod", "quarter-end close", "lena", _h.Clock.GetUtcNow(), null, AllowRollbacks: true),
            ReleaseJournal.Registry("release-center", "lena", "environment.frozen", "environment/prod", new Dictionary<string, string>()), CancellationToken.None);

        var held = await LookAsync(release.Id, "prod");

        Assert.False(held.Open);
        Assert.Equal(60, held.WaitSeconds); // no end: the workflow looks again each DoorCheckSeconds
        Assert.Contains("prod is frozen by lena since", held.Reason, StringComparison.Ordinal);
        Assert.Contains("quarter-end close", held.Reason, StringComparison.Ordinal);
        Assert.Equal("freeze", (await _h.GetReleaseAsync(release.Id)).Stage("prod").Waiting!.Kind);

        await _h.Freezes.LiftFreezeAsync("prod", _ => ReleaseJournal.Registry("release-center", "lena", "environment.unfrozen", "environment/prod",
            new Dictionary<string, string>()), CancellationToken.None);
        Assert.True((await LookAsync(release.Id, "prod")).Open);
    }

    [Fact]
    public async Task AFreezeWithAnEnd_WaitsNoLongerThanItsEnd_AndEndsByItself()
    {
        var release = await LiveInDevAsync("ending");
        _h.Clock.Advance(TimeSpan.FromMinutes(5));
        var now = _h.Clock.GetUtcNow();
        await _h.Freezes.FreezeAsync(new Freeze("prod", "migration", "lena", now, now.AddSeconds(25), AllowRollbacks: false),
            ReleaseJournal.Registry("release-center", "lena", "environment.frozen", "environment/prod", new Dictionary<string, string>()), CancellationToken.None);

        var held = await LookAsync(release.Id, "prod");
        Assert.Equal((false, 25), (held.Open, held.WaitSeconds));
        Assert.Contains($"until {Freeze.Format(now.AddSeconds(25))}", held.Reason, StringComparison.Ordinal);

        _h.Clock.Advance(TimeSpan.FromSeconds(25));
        Assert.True((await LookAsync(release.Id, "prod")).Open, "the freeze ended by itself");
    }

    [Fact]
    public async Task ACancelledRelease_DoesNotWaitAtTheDoor()
    {
        var release = await LiveInDevAsync("cancelled-at-door");
        await _h.Get<ReleaseService>().CancelAsync(release.Id, "alice", "not today", CancellationToken.None);

        var stopped = await Assert.ThrowsAsync<WorkflowErrorException>(() => LookAsync(release.Id, "prod"));

        Assert.Equal(WorkflowErrors.Cancelled, stopped.ErrorType);
    }

    [Fact]
    public async Task AProjectsDenyWindow_HoldsItsReleasesAtTheDoorUntilTheWindowEnds_UnderThePolicyVersionTheyRecorded()
    {
        // The harness's clock: Monday 2026-11-30 10:00 UTC. Project fraud keeps prod closed on Monday mornings (UTC).
        using var windows = System.Text.Json.JsonDocument.Parse("""
            {"prod":{"requiredSoakSeconds":0,"windows":[{"kind":"deny","days":["Mon"],"start":"09:00","end":"12:00","timeZone":"UTC","reason":"Monday planning"}]}}
            """);
        await _h.Get<Policies.PolicyService>().SetAsync(ReleaseCenter.Domain.Policies.PolicyScope.Project, "fraud", windows.RootElement, "no releases in planning",
            null, "lena", CancellationToken.None);
        var release = await LiveInDevAsync("windowed");
        Assert.Equal(1, release.Policy!.ProjectVersion);

        var held = await LookAsync(release.Id, "prod");

        Assert.False(held.Open);
        Assert.Contains("prod is closed to releases now: deny Mon 09:00–12:00 UTC (Monday planning)", held.Reason, StringComparison.Ordinal);
        Assert.Contains($"it opens {Freeze.Format(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero))}", held.Reason, StringComparison.Ordinal);
        Assert.Equal("window", (await _h.GetReleaseAsync(release.Id)).Stage("prod").Waiting!.Kind);
        Assert.Equal(3600, held.WaitSeconds); // two hours to go; the workflow looks again at least hourly (a freeze may come meanwhile)

        _h.Clock.Advance(TimeSpan.FromSeconds(held.WaitSeconds));
        var later = await LookAsync(release.Id, "prod");
        Assert.False(later.Open);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), _h.Clock.GetUtcNow().AddSeconds(later.WaitSeconds));

        _h.Clock.Advance(TimeSpan.FromSeconds(later.WaitSeconds));
        Assert.True((await LookAsync(release.Id, "prod")).Open, "the window ended");
    }

    [Fact]
    public async Task AProjectFreeze_HoldsThatProjectsReleasesOnly()
    {
        var release = await LiveInDevAsync("project-frozen");
        _h.Clock.Advance(TimeSpan.FromMinutes(5)); // soaked
        var now = _h.Clock.GetUtcNow();
        await _h.Freezes.FreezeAsync(new Freeze("prod", "risk model review", "rita", now, null, AllowRollbacks: true) { Project = "risk" },
            ReleaseJournal.Registry("risk", "rita", "environment.frozen", "environment/prod", new Dictionary<string, string>()), CancellationToken.None);
        Assert.True((await LookAsync(release.Id, "prod")).Open, "another project's freeze does not hold fraud's releases");

        await _h.Freezes.FreezeAsync(new Freeze("prod", "fraud incident", "lena", now, null, AllowRollbacks: true) { Project = "fraud" },
            ReleaseJournal.Registry("fraud", "lena", "environment.frozen", "environment/prod", new Dictionary<string, string>()), CancellationToken.None);
        var other = await LiveInDevAsync("project-frozen-2");
        _h.Clock.Advance(TimeSpan.FromMinutes(5));
        var held = await LookAsync(other.Id, "prod");
        Assert.False(held.Open);
        Assert.Contains("prod is frozen for project fraud by lena", held.Reason, StringComparison.Ordinal);
    }
}
