using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>What undoing a stage's deployment came to: done (the record says what serves), or not yet, and why.</summary>
public sealed record CompensationResult(bool Done, string Message);

/// <summary>
/// Undoes a deployment that began but was never recorded: a stage that stopped after
/// UpdateEndpoint, or a release cancelled mid-deployment. The endpoint goes back on the config
/// that served before this release (or is deleted if nothing served), and the stage records
/// what serves now, so the record never says "Failed" or "Cancelled" while the new model takes
/// traffic unrecorded. SageMaker refuses to change an endpoint that is Updating; then nothing is
/// done yet, the environment stays locked, and the reconciler tries again.
/// Idempotent: a deployment already recorded, rolled back or reverted is left alone.
/// </summary>
public sealed class DeploymentCompensation(IRegistryStore registry, IWorkflowStore workflow, ISageMaker sageMaker, Releases.ReleaseJournal journal,
    TimeProvider clock)
{
    private const string Actor = "release-workflow";

    public async Task<CompensationResult> RevertAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Release {releaseId} does not exist.");
        var deployment = release.Stage(environment).Deployment;
        if (deployment is null || deployment.CompletedAt is not null)
        {
            return new CompensationResult(true, deployment?.Reverted?.Message ?? "");
        }
        var live = await workflow.GetLiveAsync(environment, release.Model, ct).ConfigureAwait(false);
        if (live?.ReleaseId == release.Id && live.EndpointConfigName == deployment.EndpointConfigName)
        {
            // Recorded live already (the step that records it died before it could say so): record and endpoint agree.
            await CompleteAsync(releaseId, environment, null, ct).ConfigureAwait(false);
            return new CompensationResult(true, $"{release.Model} v{release.Version} was already recorded live in {environment}.");
        }

        var endpoint = await sageMaker.FindEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
        string? serving;
        string message;
        if (endpoint is null)
        {
            (serving, message) = (null, $"{deployment.EndpointName} does not exist: nothing of this release serves.");
        }
        else if (endpoint.EndpointStatus is EndpointStatus.Updating or EndpointStatus.Creating or EndpointStatus.SystemUpdating or EndpointStatus.RollingBack
            or EndpointStatus.Deleting)
        {
            return new CompensationResult(false,
                $"{deployment.EndpointName} is {endpoint.EndpointStatus}; it goes back on {deployment.PreviousEndpointConfigName ?? "nothing (deleted)"} once SageMaker lets it change.");
        }
        else if (deployment.PreviousEndpointConfigName is not { } previous)
        {
            // Nothing served before this release: the endpoint it created goes away.
            await sageMaker.DeleteEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
            (serving, message) = (null, $"Deleted {deployment.EndpointName}: nothing served in {environment} before this release.");
        }
        else if (endpoint.EndpointConfigName != previous)
        {
            await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(deployment.EndpointName, previous), ct).ConfigureAwait(false);
            (serving, message) = (previous, $"Put {deployment.EndpointName} back on {previous}" + (deployment.PreviousRelease is { } pr ? $" (release {pr})." : "."));
        }
        else
        {
            (serving, message) = (previous, $"{deployment.EndpointName} still serves {previous}" + (deployment.PreviousRelease is { } pr ? $" (release {pr})" : "")
                + $"; {deployment.EndpointConfigName} never took over.");
        }
        var saved = await CompleteAsync(releaseId, environment, new RevertRecord(serving, message, clock.GetUtcNow()), ct).ConfigureAwait(false);
        await journal.RecordAsync(saved, environment, "reverted", "release.reverted", message, Actor, clock.GetUtcNow(), ct).ConfigureAwait(false);
        return new CompensationResult(true, message);
    }

    private Task<Release> CompleteAsync(string releaseId, string environment, RevertRecord? reverted, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return registry.UpdateReleaseAsync(releaseId, r => r.Stage(environment).Deployment is { CompletedAt: null } d
            ? r.WithStage(environment, s => s with { Deployment = d with { CompletedAt = now, Reverted = reverted } }, now)
            : null, ct);
    }
}
