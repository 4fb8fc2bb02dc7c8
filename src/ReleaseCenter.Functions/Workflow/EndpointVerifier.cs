using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>Decides whether a freshly deployed endpoint is healthy after its bake time.</summary>
public interface IEndpointVerifier
{
    Task<(bool Healthy, string Reason)> VerifyAsync(Release release, string environment, string endpointName, string expectedConfig, CancellationToken ct);
}

/// <summary>
/// In AWS: the endpoint must be InService on the config we deployed. (Alarm checks over the bake
/// time are the deployment strategy's AutoRollbackConfiguration, which comes with canary/linear.)
/// </summary>
public sealed class SageMakerEndpointVerifier(ISageMaker sageMaker) : IEndpointVerifier
{
    public async Task<(bool Healthy, string Reason)> VerifyAsync(Release release, string environment, string endpointName, string expectedConfig, CancellationToken ct)
    {
        var endpoint = await sageMaker.DescribeEndpointAsync(endpointName, ct).ConfigureAwait(false);
        if (endpoint.EndpointStatus != EndpointStatus.InService)
        {
            return (false, $"Endpoint {endpointName} is {endpoint.EndpointStatus}: {endpoint.FailureReason}");
        }
        return endpoint.EndpointConfigName == expectedConfig
            ? (true, $"Endpoint {endpointName} is InService on {expectedConfig}.")
            : (false, $"Endpoint {endpointName} serves {endpoint.EndpointConfigName}, not {expectedConfig}.");
    }
}
