using System.Text.Json;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// May the release enter the environment now? The door (<see cref="EnvironmentDoor"/>) is closed while the environment is
/// frozen or the release still soaks upstream: the step says why on the release (the stage's <c>waiting</c>) and in its
/// story, once per wait, and tells the state machine how long to wait before it asks again. The wait is a Wait state, so it
/// costs nothing while it lasts and survives retries: every look recomputes it from the record.
/// </summary>
public sealed class CheckDoorStep(
    ReleaseRecord record,
    IFreezeStore freezes,
    ILiveStateStore liveState,
    ModelProjects projects,
    Policies.PolicyService policyService,
    ReleaseCenterSettings settings,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "check-door";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.DoorResult);

    public async Task<DoorResult> RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        ReleaseRecord.ThrowIfEnded(release, $"enter {environment}");
        // The environment's own freeze, else one of the release's project.
        var now0 = clock.GetUtcNow();
        var freeze = await freezes.GetFreezeAsync(environment, ct).ConfigureAwait(false) is { } whole && whole.HoldsAt(now0)
            ? whole
            : await freezes.GetFreezeAsync(environment, ct, await projects.GetAsync(release.Model, ct).ConfigureAwait(false)).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var door = EnvironmentDoor.Check(release, environment,
            (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy, freeze, now, settings.DoorCheckSeconds,
            await liveState.ListAsync(environment, ct).ConfigureAwait(false), await freezes.ListHoldsAsync(environment, ct).ConfigureAwait(false));
        var waiting = release.Stage(environment).Waiting;
        if (!door.Open)
        {
            var kind = door.Kind!;
            if (waiting?.Reason != door.Reason)
            {
                release = await record.SaveAsync(releaseId, r => r.Stage(environment).Waiting?.Reason == door.Reason ? null
                    : r.WithStage(environment, s => s with { Waiting = new StageWait(kind, door.Reason!, door.Until, s.Waiting?.Since ?? now) }, now), ct).ConfigureAwait(false);
            }
            await record.TimelineAsync(release, environment, $"waiting-{door.Key}", door.Reason!, ct, action: "release.waiting").ConfigureAwait(false);
            return new DoorResult(false, door.WaitSeconds, door.Reason!);
        }
        if (waiting is not null)
        {
            release = await record.SaveAsync(releaseId, r => r.Stage(environment).Waiting is null ? null : r.WithStage(environment, s => s with { Waiting = null }, now), ct)
                .ConfigureAwait(false);
            await record.TimelineAsync(release, environment, "door-opened", $"{environment}'s door opened after waiting since {Domain.Environments.Freeze.Format(waiting.Since)}.", ct)
                .ConfigureAwait(false);
        }
        return new DoorResult(true, 0, $"{environment} is open.");
    }
}

/// <summary>The door's answer: enter now, or wait <paramref name="WaitSeconds"/> and ask again; <paramref name="Reason"/> is what the history shows.</summary>
public sealed record DoorResult(bool Open, int WaitSeconds, string Reason);
