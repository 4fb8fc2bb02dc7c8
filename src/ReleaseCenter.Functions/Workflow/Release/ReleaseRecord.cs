using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// What every release step does to the record: read the release, save a change under its revision
/// (a retried step changes nothing the first attempt changed), and append a timeline and audit entry
/// once per environment and step.
/// </summary>
public sealed class ReleaseRecord(IRegistryStore registry, Releases.ReleaseJournal journal, TimeProvider clock)
{
    public const string WorkflowActor = "release-workflow";

    public async Task<Release> LoadAsync(string releaseId, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Release {releaseId} does not exist.");
        Telemetry.LogScopes.Add("model", release.Model); // the step's log lines name the model from here on
        return release;
    }

    public async Task<Release> SaveAsync(string releaseId, Func<Release, Release?> change, CancellationToken ct)
    {
        var release = await registry.UpdateReleaseAsync(releaseId, change, ct).ConfigureAwait(false);
        Telemetry.LogScopes.Add("model", release.Model);
        return release;
    }

    /// <summary>Timeline + audit (action: <paramref name="action"/>, by default release.{step}) + the event it announces, once per release, environment and step.</summary>
    public Task<bool> TimelineAsync(Release release, string? environment, string step, string message, CancellationToken ct,
        Domain.Events.ReleaseCenterEvent? announce = null, string? action = null) =>
        journal.RecordAsync(release, environment, step, action ?? $"release.{step}", message, WorkflowActor, clock.GetUtcNow(), ct, announce: announce);

    /// <summary>A release that ended (cancelled, most likely) must not take a lock or touch an endpoint.</summary>
    public static void ThrowIfEnded(Release release, string what)
    {
        if (release.Status.IsTerminal())
        {
            throw new WorkflowErrorException(release.Status == ReleaseStatus.Cancelled ? WorkflowErrors.Cancelled : WorkflowErrors.StageFailed,
                $"Release {release.Id} is {release.Status}; it does not {what}.");
        }
    }
}

public sealed record StagePlan(string Environment, bool RequiresApproval, int ApprovalTimeoutSeconds, int BakeSeconds);

public sealed record EvaluateResult(bool Passed, IReadOnlyList<StagePlan> Stages);

public sealed record DeployResult(string EndpointName, string EndpointConfigName);

/// <summary>The endpoint check: ready to bake, or park for at most <paramref name="WaitSeconds"/> (a fallback: the state-change event wakes it sooner).</summary>
public sealed record EndpointResult(string Status, bool Ready, int WaitSeconds, string EndpointName);

public sealed record VerifyResult(bool Healthy, string Reason);

public sealed record RollbackResult(string? RestoredEndpointConfig);

public sealed record StopResult(string Error, string Cause);

/// <summary>How the release ended; the state machine's last Choice branches on it.</summary>
public sealed record FinishResult(string Outcome);
