using System.Text.Json;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Take the environment lock: one deployment per environment at a time. Busy: Release.EnvironmentLocked (the state machine retries).
/// It is each environment's door: a release whose version was vetoed since it started stops here (Release.Vetoed).
/// </summary>
public sealed class AcquireLockStep(
    ReleaseRecord record,
    IRegistryStore registry,
    IWorkflowStore workflow,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "acquire-lock";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct, Payload.OptionalText(payload, "executionArn")).ConfigureAwait(false);
        return Payload.Empty;
    }

    /// <param name="executionArn">The execution taking the lock (the state machine passes $$.Execution.Id), kept on the lock so that a lock whose execution ended can be found and freed.</param>
    public async Task RunAsync(string releaseId, string environment, CancellationToken ct, string? executionArn = null)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        ReleaseRecord.ThrowIfEnded(release, "take the lock");
        if ((await registry.GetVersionAsync(release.Model, release.Version, ct).ConfigureAwait(false))?.Veto is { } veto)
        {
            throw new WorkflowErrorException(WorkflowErrors.Vetoed, $"{veto.Describe(release.Model, release.Version)}. Not deployed to {environment}.");
        }
        if (!await workflow.TryAcquireLockAsync(environment, releaseId, clock.GetUtcNow(), ct, executionArn ?? release.ExecutionArn).ConfigureAwait(false))
        {
            var holder = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
            throw new WorkflowErrorException(WorkflowErrors.EnvironmentLocked, $"{environment} is being deployed by release {holder.LockedBy}.");
        }
        // A cancel that landed while the lock was being taken freed the locks before this one existed: give it back.
        release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        if (release.Status.IsTerminal())
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
            ReleaseRecord.ThrowIfEnded(release, "keep the lock");
        }
        await record.TimelineAsync(release, environment, "lock-acquired", $"Took the {environment} deployment lock.", ct).ConfigureAwait(false);
    }
}
