using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Record the deployment: the release is live in the environment (once), the lock is freed, deployment.succeeded.v1 announced.
/// </summary>
public sealed class RecordDeploymentStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "record-deployment";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false);
        return Payload.Empty;
    }

    public async Task RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var deployment = release.Stage(environment).Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var now = clock.GetUtcNow();
        await workflow.RecordDeploymentAsync(new LiveDeployment(environment, release.Model, release.Id, release.Version,
            deployment.EndpointName, deployment.EndpointConfigName, now) { ReplacedRelease = deployment.PreviousRelease }, ct).ConfigureAwait(false);
        release = await record.SaveAsync(releaseId, r => r.Stage(environment).Status == ReleaseStatus.Released
            ? null
            : r.MoveStage(environment, ReleaseStatus.Released, now)
                .WithStage(environment, s => s with { Deployment = s.Deployment! with { CompletedAt = now } }, now), ct).ConfigureAwait(false);
        await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        await record.TimelineAsync(release, environment, "deployed", $"{release.Model} v{release.Version} is live in {environment} on {deployment.EndpointName}.", ct,
            new DeploymentSucceeded(release.Id, release.Model, release.Version.ToString(CultureInfo.InvariantCulture), environment,
                deployment.EndpointName, deployment.EndpointConfigName)).ConfigureAwait(false);
    }
}
