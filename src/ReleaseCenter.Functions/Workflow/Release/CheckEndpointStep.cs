using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Is the endpoint serving the new model? Ready, or how long to park before looking again; fails past the deployment bound.
/// </summary>
public sealed class CheckEndpointStep(
    ReleaseRecord record,
    Policies.PolicyService policyService,
    ISageMaker sageMaker,
    ReleaseCenterSettings settings,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "check-endpoint";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EndpointResult);

    /// <summary>
    /// Whether the endpoint serves this release's config yet. While SageMaker provisions or shifts
    /// traffic: not ready, with how long the workflow may park before it looks again on its own
    /// (<see cref="EndpointWaits"/>: SageMaker's state-change event normally wakes it sooner), until
    /// the environment's deployment bound has passed (Release.DeploymentTimedOut). An update SageMaker
    /// rolled back on an alarm (InService again on the config that served before) is Release.AutoRolledBack.
    /// </summary>
    public async Task<EndpointResult> RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var deployment = release.Stage(environment).Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var endpoint = await sageMaker.DescribeEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
        var ours = endpoint.EndpointConfigName == deployment.EndpointConfigName;
        switch (endpoint.EndpointStatus)
        {
            case EndpointStatus.InService when ours:
                return new EndpointResult(endpoint.EndpointStatus, true, 0, deployment.EndpointName);
            case EndpointStatus.InService when endpoint.PendingDeploymentSummary is null && deployment.PreviousEndpointConfigName is { } previous
                && endpoint.EndpointConfigName == previous:
                // UpdateEndpoint turns the endpoint Updating before it answers, so InService on the old config afterwards means the update was undone.
                throw new WorkflowErrorException(WorkflowErrors.AutoRolledBack,
                    $"SageMaker rolled {deployment.EndpointName} back to {previous}: " + (endpoint.FailureReason ?? "an auto-rollback alarm went off during the deployment."));
            case EndpointStatus.InService or EndpointStatus.Creating or EndpointStatus.Updating or EndpointStatus.SystemUpdating or EndpointStatus.RollingBack:
                var bound = (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy.Deployment.DeploymentBoundSeconds;
                var waited = clock.GetUtcNow() - deployment.StartedAt;
                if (waited.TotalSeconds > bound)
                {
                    throw new WorkflowErrorException(WorkflowErrors.DeploymentTimedOut,
                        $"{deployment.EndpointName} is still {endpoint.EndpointStatus} on {endpoint.EndpointConfigName} after {waited.TotalMinutes:0} minutes, past the {bound / 60} minutes this environment's deployment may take.");
                }
                return new EndpointResult(endpoint.EndpointStatus, false, EndpointWaits.ParkSeconds(settings.EndpointFallbackCheckSeconds, bound - waited.TotalSeconds),
                    deployment.EndpointName);
            default:
                throw new WorkflowErrorException("Release.DeploymentFailed", $"{deployment.EndpointName} is {endpoint.EndpointStatus}: {endpoint.FailureReason}");
        }
    }
}
