using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Is the endpoint serving the target? Ready, or how long to park before looking again; fails past the time a rollback may take.
/// </summary>
public sealed class RollbackCheckEndpointStep(
    RollbackRecord record,
    ISageMaker sageMaker,
    ReleaseCenterSettings settings,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-check-endpoint";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.RollbackId(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EndpointResult);

    public async Task<EndpointResult> RunAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await record.LoadAsync(rollbackId, ct).ConfigureAwait(false);
        var endpoint = await sageMaker.DescribeEndpointAsync(rollback.EndpointName, ct).ConfigureAwait(false);
        var waited = clock.GetUtcNow() - (rollback.StartedAt ?? rollback.RequestedAt);
        switch (endpoint.EndpointStatus)
        {
            case EndpointStatus.InService when endpoint.EndpointConfigName == rollback.To.EndpointConfigName:
                return new EndpointResult(endpoint.EndpointStatus, true, 0, rollback.EndpointName);
            case EndpointStatus.InService or EndpointStatus.Creating or EndpointStatus.Updating or EndpointStatus.SystemUpdating
                when waited.TotalSeconds > DeploymentStrategy.ProvisioningSeconds:
                throw new WorkflowErrorException(WorkflowErrors.DeploymentTimedOut,
                    $"{rollback.EndpointName} is still {endpoint.EndpointStatus} on {endpoint.EndpointConfigName}, past the {DeploymentStrategy.ProvisioningSeconds / 60} minutes a rollback may take.");
            case EndpointStatus.InService or EndpointStatus.Creating or EndpointStatus.Updating or EndpointStatus.SystemUpdating:
                return new EndpointResult(endpoint.EndpointStatus, false,
                    EndpointWaits.ParkSeconds(settings.EndpointFallbackCheckSeconds, DeploymentStrategy.ProvisioningSeconds - waited.TotalSeconds), rollback.EndpointName);
            default:
                throw new WorkflowErrorException("Release.DeploymentFailed", $"{rollback.EndpointName} is {endpoint.EndpointStatus}: {endpoint.FailureReason}");
        }
    }
}
