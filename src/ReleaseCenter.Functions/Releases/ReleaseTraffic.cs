using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Releases;

/// <summary>
/// How the traffic of a release's endpoint is split right now, while its deployment shifts it (canary or linear):
/// the share the release's endpoint config takes, and the share the previous one still serves.
/// </summary>
public sealed record TrafficSplit(string ReleaseId, string? Environment, string? EndpointName, string? EndpointStatus, double? NewPercent,
    double? PreviousPercent, bool Shifting);

/// <summary>Reads the live split from SageMaker for the stage whose deployment has begun and not finished.</summary>
public sealed class ReleaseTraffic(IRegistryStore registry, ISageMaker sageMaker)
{
    public async Task<TrafficSplit> GetAsync(string releaseId, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Release '{releaseId}' does not exist.");
        var stage = release.Stages.FirstOrDefault(s => s.Deployment is { CompletedAt: null } && s.Status == ReleaseStatus.Deploying);
        if (stage?.Deployment is not { } deployment)
        {
            return new TrafficSplit(release.Id, null, null, null, null, null, Shifting: false);
        }
        DescribeEndpointResponse endpoint;
        try
        {
            endpoint = await sageMaker.DescribeEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
        }
        catch (Amazon.Runtime.AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            // The deployment is recorded a moment before SageMaker has the endpoint (or after a failed one removed it):
            // nothing is split yet, which is an answer, not an error.
            return new TrafficSplit(release.Id, stage.Environment, deployment.EndpointName, null, null, null, Shifting: false);
        }
        var share = NewShare(endpoint, deployment.EndpointConfigName);
        return new TrafficSplit(release.Id, stage.Environment, deployment.EndpointName, endpoint.EndpointStatus,
            share is null ? null : Math.Round(share.Value * 100, 1), share is null ? null : Math.Round((1 - share.Value) * 100, 1),
            Shifting: share is > 0 and < 1);
    }

    /// <summary>
    /// The share (0..1) of traffic <paramref name="newConfig"/> takes: its variants' CurrentWeight over all current
    /// weights while a blue/green update is pending, 1 once the endpoint serves it, 0 while the update has not begun
    /// to shift; null when SageMaker gives no weights to judge by.
    /// </summary>
    public static double? NewShare(DescribeEndpointResponse endpoint, string newConfig)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.PendingDeploymentSummary is { } pending && pending.EndpointConfigName == newConfig)
        {
            var green = (pending.ProductionVariants ?? []).Sum(v => (double)(v.CurrentWeight ?? 0));
            var blue = (endpoint.ProductionVariants ?? []).Sum(v => (double)(v.CurrentWeight ?? 0));
            return green + blue > 0 ? green / (green + blue) : null;
        }
        return endpoint.EndpointConfigName == newConfig ? 1 : 0;
    }
}
