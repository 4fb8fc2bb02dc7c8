using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Roll back the endpoint after a failed verification: the config that served before, or no endpoint if there was none.
/// </summary>
public sealed class RollBackEndpointStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    ISageMaker sageMaker,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "roll-back-endpoint";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.RollbackResult);

    public async Task<RollbackResult> RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var stage = release.Stage(environment);
        var deployment = stage.Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var endpoint = await sageMaker.FindEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
        string message;
        if (deployment.PreviousEndpointConfigName is { } previous)
        {
            if (endpoint is not null && endpoint.EndpointConfigName != previous)
            {
                await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(deployment.EndpointName, previous), ct).ConfigureAwait(false);
            }
            message = $"Rolled {deployment.EndpointName} back to {previous}" + (deployment.PreviousRelease is { } pr ? $" (release {pr})." : ".");
        }
        else
        {
            // Nothing was live before this release: taking the endpoint down is the rollback.
            if (endpoint is not null)
            {
                await sageMaker.DeleteEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
            }
            message = $"Deleted {deployment.EndpointName}: nothing was live in {environment} before this release.";
        }
        var now = clock.GetUtcNow();
        release = await record.SaveAsync(releaseId, r => r.Stage(environment).Status == ReleaseStatus.RolledBack
            ? null
            : r.MoveStage(environment, ReleaseStatus.RolledBack, now)
                .WithStage(environment, s => s with { Deployment = s.Deployment! with { CompletedAt = now } }, now), ct).ConfigureAwait(false);
        await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        await record.TimelineAsync(release, environment, "rolled-back", message, ct,
            new DeploymentRolledBack(release.Id, release.Model, environment, deployment.EndpointName, deployment.PreviousEndpointConfigName ?? "",
                stage.Verification?.Reason ?? "")).ConfigureAwait(false);
        return new RollbackResult(deployment.PreviousEndpointConfigName);
    }
}
