using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Deploy the model: remembers what was live (the rollback target), creates the SageMaker model and endpoint config
/// unless they exist (and are this release's), then creates the endpoint or updates it with the environment's traffic shifting.
/// </summary>
public sealed partial class DeployStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    Policies.PolicyService policyService,
    ISageMaker sageMaker,
    ReleaseCenterSettings settings,
    TimeProvider clock,
    ILogger<DeployStep> log) : ITaskStep
{
    public string Handler => "deploy";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.DeployResult);

    public async Task<DeployResult> RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var stage = release.Stage(environment);
        if (stage.Deployment is { CompletedAt: not null } finished)
        {
            // A retry after the deployment ended (live, rolled back or undone): nothing to do again.
            return new DeployResult(finished.EndpointName, finished.EndpointConfigName);
        }
        ReleaseRecord.ThrowIfEnded(release, "deploy");
        var bundle = release.Bundle ?? throw new InvalidOperationException($"Release {releaseId} has no bundle.");
        if (stage.Deployment is null)
        {
            // Remember what was live before touching anything: that is the rollback target.
            var endpointName = SageMakerNames.Endpoint(release.Model, environment, settings.SageMakerNamePrefix);
            var current = await sageMaker.FindEndpointAsync(endpointName, ct).ConfigureAwait(false);
            var live = await workflow.GetLiveAsync(environment, release.Model, ct).ConfigureAwait(false);
            var planned = new DeploymentRecord(endpointName, SageMakerNames.EndpointConfig(release.Model, environment, release.Id, settings.SageMakerNamePrefix),
                SageMakerNames.Model(release.Model, release.Version, release.Id, settings.SageMakerNamePrefix), current?.EndpointConfigName, live?.ReleaseId, clock.GetUtcNow(), null);
            var now = clock.GetUtcNow();
            release = await record.SaveAsync(releaseId, r =>
            {
                if (r.Stage(environment).Deployment is not null || r.Status.IsTerminal())
                {
                    return null;
                }
                var next = r.WithStage(environment, s => s with { Deployment = planned }, now);
                next = next.MoveStage(environment, ReleaseStatus.Deploying, now);
                return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.Deploying) ? next.MoveTo(ReleaseStatus.Deploying, now) : next;
            }, ct).ConfigureAwait(false);
            // Cancelled between the check above and this write: the revision check let the cancel win; touch nothing.
            ReleaseRecord.ThrowIfEnded(release, "deploy");
            stage = release.Stage(environment);
        }
        var deployment = stage.Deployment!;

        await EnsureModelAsync(release, bundle, deployment, ct).ConfigureAwait(false);
        await EnsureEndpointConfigAsync(release, bundle, deployment, ct).ConfigureAwait(false);

        var strategy = (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy.Deployment;
        var endpoint = await sageMaker.FindEndpointAsync(deployment.EndpointName, ct).ConfigureAwait(false);
        if (endpoint is null)
        {
            await sageMaker.CreateEndpointAsync(new CreateEndpointRequest(deployment.EndpointName, deployment.EndpointConfigName), ct).ConfigureAwait(false);
        }
        else if (endpoint.EndpointConfigName != deployment.EndpointConfigName && endpoint.PendingDeploymentSummary?.EndpointConfigName != deployment.EndpointConfigName)
        {
            // Blue/green with the environment's traffic shifting (canary, linear or all at once) and auto-rollback alarms.
            await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(deployment.EndpointName, deployment.EndpointConfigName)
            {
                DeploymentConfig = DeploymentConfigs.For(strategy),
            }, ct).ConfigureAwait(false);
        }
        else
        {
            LogAlreadyDeployed(log, releaseId, environment, deployment.EndpointConfigName);
        }
        await record.TimelineAsync(release, environment, "deployment-started",
            $"Deploying {deployment.EndpointConfigName} to endpoint {deployment.EndpointName}" +
            (deployment.PreviousEndpointConfigName is { } previous ? $" (replacing {previous}, {Describe(strategy)})." : " (new endpoint)."),
            ct).ConfigureAwait(false);
        return new DeployResult(deployment.EndpointName, deployment.EndpointConfigName);
    }

    /// <summary>
    /// Creates the release's SageMaker model unless it exists. An existing one counts only if it is
    /// the one this step creates (same image and artifact): a name that some other model took is a
    /// collision, never a success, or the record could name a model that does not serve.
    /// </summary>
    private async Task EnsureModelAsync(Release release, Bundle bundle, DeploymentRecord deployment, CancellationToken ct)
    {
        var existing = await sageMaker.FindModelAsync(deployment.ModelName, ct).ConfigureAwait(false);
        if (existing is null)
        {
            await sageMaker.CreateModelAsync(new CreateModelRequest(deployment.ModelName, settings.SageMakerExecutionRoleArn,
                new ContainerDefinition(bundle.Image!) { ModelDataUrl = bundle.ArtifactUri }) { Tags = Tags(release) }, ct).ConfigureAwait(false);
        }
        else if (existing.PrimaryContainer?.Image != bundle.Image || existing.PrimaryContainer?.ModelDataUrl != bundle.ArtifactUri)
        {
            throw new WorkflowErrorException(WorkflowErrors.NameCollision,
                $"The SageMaker model {deployment.ModelName} exists but serves {existing.PrimaryContainer?.Image} {existing.PrimaryContainer?.ModelDataUrl}, not this release's bundle.");
        }
    }

    /// <summary>Creates the release's endpoint config for this environment unless it exists; an existing one must name this release's model.</summary>
    private async Task EnsureEndpointConfigAsync(Release release, Bundle bundle, DeploymentRecord deployment, CancellationToken ct)
    {
        var existing = await sageMaker.FindEndpointConfigAsync(deployment.EndpointConfigName, ct).ConfigureAwait(false);
        if (existing is null)
        {
            await sageMaker.CreateEndpointConfigAsync(new CreateEndpointConfigRequest(deployment.EndpointConfigName,
                [new ProductionVariant("primary", deployment.ModelName, bundle.InferenceConfig.InstanceCount ?? 1, bundle.InferenceConfig.InstanceType!) { InitialVariantWeight = 1 }])
            { Tags = Tags(release) }, ct).ConfigureAwait(false);
        }
        else if (existing.ProductionVariants.Any(v => v.ModelName != deployment.ModelName))
        {
            throw new WorkflowErrorException(WorkflowErrors.NameCollision,
                $"The endpoint config {deployment.EndpointConfigName} exists but serves {string.Join(", ", existing.ProductionVariants.Select(v => v.ModelName))}, not {deployment.ModelName}.");
        }
    }

    private static ResourceTag[] Tags(Release release) => [new(ResourceTags.Release, release.Id), new(ResourceTags.Model, release.Model)];

    private static string Describe(DeploymentStrategy s) => s.Kind switch
    {
        DeploymentStrategyKind.Canary => $"canary: {s.CanaryPercent}% of traffic for {s.WaitIntervalSeconds} s, then the rest",
        DeploymentStrategyKind.Linear => $"linear: {s.LinearStepPercent}% more traffic every {s.WaitIntervalSeconds} s",
        _ => "all traffic at once",
    } + (s.RollbackAlarms.Count > 0 ? $", rolled back by SageMaker if {string.Join(" or ", s.RollbackAlarms)} goes off" : "");

    [LoggerMessage(Level = LogLevel.Information, Message = "Release {ReleaseId} is already deployed to {Environment} on {EndpointConfig}; nothing to do")]
    private static partial void LogAlreadyDeployed(ILogger logger, string releaseId, string environment, string endpointConfig);
}
