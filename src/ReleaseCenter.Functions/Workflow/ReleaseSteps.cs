using System.Globalization;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// The steps of statemachines/release.asl.json, one method per Task state. Each is idempotent:
/// it reads the release, does only what is not done yet, and writes with a revision check, so a
/// Step Functions retry never deploys, records or announces twice.
/// </summary>
public sealed partial class ReleaseSteps(
    IRegistryStore registry,
    IWorkflowStore workflow,
    EnvironmentPolicies policies,
    SageMakerClient sageMaker,
    IEndpointVerifier verifier,
    Announcer announcer,
    Releases.ReleaseJournal journal,
    ModelProjects projects,
    DeploymentCompensation compensation,
    ReleaseCenterSettings settings,
    TimeProvider clock,
    ILogger<ReleaseSteps> log)
{
    private const string WorkflowActor = "release-workflow";

    // ------------------------------------------------------------------ evaluate

    public async Task<EvaluateResult> EvaluateAsync(string releaseId, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        if (release.Status == ReleaseStatus.Pending)
        {
            var version = await registry.GetVersionAsync(release.Model, release.Version, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Release {releaseId} names {release.Model} v{release.Version}, which does not exist.");
            var reports = new Dictionary<string, EvaluationReport>(StringComparer.Ordinal);
            foreach (var environment in release.Environments)
            {
                var live = await workflow.GetLiveAsync(environment, release.Model, ct).ConfigureAwait(false);
                var liveMetrics = live is null ? null
                    : (await registry.GetVersionAsync(release.Model, live.Version, ct).ConfigureAwait(false))?.Metrics;
                reports[environment] = policies.Get(environment).Gate.Evaluate(version.Metrics, liveMetrics, live?.Version);
            }
            var now = clock.GetUtcNow();
            release = await SaveAsync(releaseId, r =>
            {
                if (r.Status != ReleaseStatus.Pending)
                {
                    return null;
                }
                var next = r.MoveTo(ReleaseStatus.Evaluating, now);
                foreach (var environment in r.Environments)
                {
                    var policy = policies.Get(environment);
                    next = next.MoveStage(environment, ReleaseStatus.Evaluating, now).WithStage(environment, s => s with
                    {
                        Evaluation = reports[environment],
                        RequiresApproval = policy.RequiresApproval,
                        RequiredApprovals = policy.Approval.Required,
                    }, now);
                    if (!reports[environment].Passed)
                    {
                        next = next.MoveStage(environment, ReleaseStatus.Rejected, now);
                    }
                }
                return next;
            }, ct).ConfigureAwait(false);
            var failed = reports.Where(r => !r.Value.Passed).ToArray();
            await TimelineAsync(release, null, "evaluated", failed.Length == 0
                ? $"Passed the evaluation gate of {string.Join(", ", release.Environments)}."
                : "Failed the evaluation gate: " + string.Join("; ", failed.Select(f =>
                    $"{f.Key}: {string.Join(", ", f.Value.Metrics.Where(m => m.Verdict == Verdict.Fail).SelectMany(m => m.Reasons))}")), ct).ConfigureAwait(false);
        }

        var passed = release.Stages.All(s => s.Evaluation?.Passed == true);
        return new EvaluateResult(passed, release.Stages.Select(s =>
        {
            var policy = policies.Get(s.Environment);
            return new StagePlan(s.Environment, policy.RequiresApproval, Math.Max(1, policy.Approval.TimeoutSeconds), policy.BakeSeconds);
        }).ToArray());
    }

    // ------------------------------------------------------------------ approval

    public async Task RequestApprovalAsync(string releaseId, string environment, string taskToken, CancellationToken ct)
    {
        // Always store the newest token: a retried wait task gets a new one, and only that one can complete it.
        await workflow.PutTaskTokenAsync(releaseId, environment, taskToken, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var release = await SaveAsync(releaseId, r =>
        {
            var stage = r.Stage(environment);
            if (stage.Status != ReleaseStatus.Evaluating)
            {
                return null;
            }
            var next = r.MoveStage(environment, ReleaseStatus.AwaitingApproval, now).WithStage(environment, s => s with { ApprovalRequestedAt = now }, now);
            return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.AwaitingApproval) ? next.MoveTo(ReleaseStatus.AwaitingApproval, now) : next;
        }, ct).ConfigureAwait(false);
        var policy = policies.Get(environment);
        var message = $"Waiting for {policy.Approval.Required} approval(s) in {environment} from {string.Join(" or ", policy.Approval.Groups)}.";
        if (await TimelineAsync(release, environment, "approval-requested", message, ct).ConfigureAwait(false))
        {
            await announcer.AnnounceAsync("release.approval-requested.v1", new()
            {
                ["releaseId"] = release.Id,
                ["model"] = release.Model,
                ["version"] = release.Version.ToString(CultureInfo.InvariantCulture),
                ["environment"] = environment,
                ["requiredApprovals"] = policy.Approval.Required.ToString(CultureInfo.InvariantCulture),
                ["approverGroups"] = string.Join(",", policy.Approval.Groups),
                ["approveAt"] = $"/v1/releases/{release.Id}/approvals",
            }, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The reminder sweep (a scheduled function in AWS, a background loop locally): every stage that
    /// has waited for approval longer than its policy's reminder delay gets one reminder event. The
    /// timeline entry is the once-only guard, so overlapping sweeps announce nothing twice.
    /// </summary>
    public async Task<int> SendDueRemindersAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var sent = 0;
        string? cursor = null;
        do
        {
            var page = await registry.ListReleasesAsync(null, 100, cursor, ct, new ReleaseFilter(ReleaseStatus.AwaitingApproval)).ConfigureAwait(false);
            foreach (var release in page.Items)
            {
                foreach (var stage in release.Stages.Where(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is null && s.ApprovalRequestedAt is not null))
                {
                    var policy = policies.Get(stage.Environment).Approval;
                    if (policy.ReminderSeconds is not { } delay || stage.ApprovalRequestedAt!.Value.AddSeconds(delay) > now)
                    {
                        continue;
                    }
                    var remaining = ApprovalGate.Remaining(stage, policy);
                    if (!await TimelineAsync(release, stage.Environment, "approval-reminder",
                        $"Reminder: {stage.Environment} still needs {remaining} approval(s) from {string.Join(" or ", policy.Groups)}.", ct).ConfigureAwait(false))
                    {
                        continue;
                    }
                    await announcer.AnnounceAsync("release.approval-reminder.v1", new()
                    {
                        ["releaseId"] = release.Id,
                        ["model"] = release.Model,
                        ["version"] = release.Version.ToString(CultureInfo.InvariantCulture),
                        ["environment"] = stage.Environment,
                        ["remainingApprovals"] = remaining.ToString(CultureInfo.InvariantCulture),
                        ["approverGroups"] = string.Join(",", policy.Groups),
                        ["waitingSince"] = stage.ApprovalRequestedAt.Value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                        ["approveAt"] = $"/v1/releases/{release.Id}/approvals",
                    }, ct).ConfigureAwait(false);
                    sent++;
                }
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return sent;
    }

    // ------------------------------------------------------------------ lock

    /// <param name="executionArn">The execution taking the lock (the state machine passes $$.Execution.Id), kept on the lock so that a lock whose execution ended can be found and freed.</param>
    public async Task AcquireLockAsync(string releaseId, string environment, CancellationToken ct, string? executionArn = null)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        ThrowIfEnded(release, "take the lock");
        if (!await workflow.TryAcquireLockAsync(environment, releaseId, clock.GetUtcNow(), ct, executionArn ?? release.ExecutionArn).ConfigureAwait(false))
        {
            var holder = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
            throw new WorkflowErrorException(WorkflowErrors.EnvironmentLocked, $"{environment} is being deployed by release {holder.LockedBy}.");
        }
        // A cancel that landed while the lock was being taken freed the locks before this one existed: give it back.
        release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        if (release.Status.IsTerminal())
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
            ThrowIfEnded(release, "keep the lock");
        }
        await TimelineAsync(release, environment, "lock-acquired", $"Took the {environment} deployment lock.", ct).ConfigureAwait(false);
    }

    /// <summary>A release that ended (cancelled, most likely) must not take a lock or touch an endpoint.</summary>
    private static void ThrowIfEnded(Release release, string what)
    {
        if (release.Status.IsTerminal())
        {
            throw new WorkflowErrorException(release.Status == ReleaseStatus.Cancelled ? WorkflowErrors.Cancelled : WorkflowErrors.StageFailed,
                $"Release {release.Id} is {release.Status}; it does not {what}.");
        }
    }

    // ------------------------------------------------------------------ deploy

    public async Task<DeployResult> DeployAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        var stage = release.Stage(environment);
        if (stage.Deployment is { CompletedAt: not null } finished)
        {
            // A retry after the deployment ended (live, rolled back or undone): nothing to do again.
            return new DeployResult(finished.EndpointName, finished.EndpointConfigName);
        }
        ThrowIfEnded(release, "deploy");
        var bundle = release.Bundle ?? throw new InvalidOperationException($"Release {releaseId} has no bundle.");
        if (stage.Deployment is null)
        {
            // Remember what was live before touching anything: that is the rollback target.
            var endpointName = SageMakerNames.Endpoint(release.Model, environment);
            var current = await sageMaker.FindEndpointAsync(endpointName, ct).ConfigureAwait(false);
            var live = await workflow.GetLiveAsync(environment, release.Model, ct).ConfigureAwait(false);
            var record = new DeploymentRecord(endpointName, SageMakerNames.EndpointConfig(release.Model, environment, release.Id),
                SageMakerNames.Model(release.Model, release.Version, release.Id), current?.EndpointConfigName, live?.ReleaseId, clock.GetUtcNow(), null);
            var now = clock.GetUtcNow();
            release = await SaveAsync(releaseId, r =>
            {
                if (r.Stage(environment).Deployment is not null || r.Status.IsTerminal())
                {
                    return null;
                }
                var next = r.WithStage(environment, s => s with { Deployment = record }, now);
                next = next.MoveStage(environment, ReleaseStatus.Deploying, now);
                return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.Deploying) ? next.MoveTo(ReleaseStatus.Deploying, now) : next;
            }, ct).ConfigureAwait(false);
            // Cancelled between the check above and this write: the revision check let the cancel win; touch nothing.
            ThrowIfEnded(release, "deploy");
            stage = release.Stage(environment);
        }
        var deployment = stage.Deployment!;

        await EnsureModelAsync(release, bundle, deployment, ct).ConfigureAwait(false);
        await EnsureEndpointConfigAsync(release, bundle, deployment, ct).ConfigureAwait(false);

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
                DeploymentConfig = DeploymentConfigs.For(policies.Get(environment).Deployment),
            }, ct).ConfigureAwait(false);
        }
        else
        {
            LogAlreadyDeployed(log, releaseId, environment, deployment.EndpointConfigName);
        }
        await TimelineAsync(release, environment, "deployment-started",
            $"Deploying {deployment.EndpointConfigName} to endpoint {deployment.EndpointName}" +
            (deployment.PreviousEndpointConfigName is { } previous ? $" (replacing {previous}, {Describe(policies.Get(environment).Deployment)})." : " (new endpoint)."),
            ct).ConfigureAwait(false);
        return new DeployResult(deployment.EndpointName, deployment.EndpointConfigName);
    }

    /// <summary>
    /// Whether the endpoint serves this release's config yet. While SageMaker provisions or shifts
    /// traffic: not ready, with how long the workflow may park before it looks again on its own
    /// (<see cref="EndpointWaits"/>: SageMaker's state-change event normally wakes it sooner), until
    /// the environment's deployment bound has passed (Release.DeploymentTimedOut). An update SageMaker
    /// rolled back on an alarm (InService again on the config that served before) is Release.AutoRolledBack.
    /// </summary>
    public async Task<EndpointResult> CheckEndpointAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
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
                var bound = policies.Get(environment).Deployment.DeploymentBoundSeconds;
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

    // ------------------------------------------------------------------ verify

    public async Task<VerifyResult> VerifyAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        var stage = release.Stage(environment);
        if (stage.Verification is { } done)
        {
            return new VerifyResult(done.Healthy, done.Reason);
        }
        var deployment = stage.Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var (healthy, reason) = await verifier.VerifyAsync(release, environment, deployment.EndpointName, deployment.EndpointConfigName, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        release = await SaveAsync(releaseId, r =>
        {
            if (r.Stage(environment).Verification is not null)
            {
                return null;
            }
            var next = r.MoveStage(environment, ReleaseStatus.Verifying, now)
                .WithStage(environment, s => s with { Verification = new VerificationRecord(healthy, reason, now) }, now);
            return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.Verifying) ? next.MoveTo(ReleaseStatus.Verifying, now) : next;
        }, ct).ConfigureAwait(false);
        var verification = release.Stage(environment).Verification!;
        await TimelineAsync(release, environment, verification.Healthy ? "verified" : "verification-failed", verification.Reason, ct).ConfigureAwait(false);
        return new VerifyResult(verification.Healthy, verification.Reason);
    }

    public async Task<RollbackResult> RollBackEndpointAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
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
        release = await SaveAsync(releaseId, r => r.Stage(environment).Status == ReleaseStatus.RolledBack
            ? null
            : r.MoveStage(environment, ReleaseStatus.RolledBack, now)
                .WithStage(environment, s => s with { Deployment = s.Deployment! with { CompletedAt = now } }, now), ct).ConfigureAwait(false);
        await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        if (await TimelineAsync(release, environment, "rolled-back", message, ct).ConfigureAwait(false))
        {
            await announcer.AnnounceAsync("deployment.rolled-back.v1", new()
            {
                ["releaseId"] = release.Id,
                ["model"] = release.Model,
                ["environment"] = environment,
                ["endpointName"] = deployment.EndpointName,
                ["restoredEndpointConfig"] = deployment.PreviousEndpointConfigName ?? "",
                ["reason"] = stage.Verification?.Reason ?? "",
            }, ct).ConfigureAwait(false);
        }
        return new RollbackResult(deployment.PreviousEndpointConfigName);
    }

    // ------------------------------------------------------------------ record

    public async Task RecordDeploymentAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await LoadAsync(releaseId, ct).ConfigureAwait(false);
        var deployment = release.Stage(environment).Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var now = clock.GetUtcNow();
        await workflow.RecordDeploymentAsync(new LiveDeployment(environment, release.Model, release.Id, release.Version,
            deployment.EndpointName, deployment.EndpointConfigName, now) { ReplacedRelease = deployment.PreviousRelease }, ct).ConfigureAwait(false);
        release = await SaveAsync(releaseId, r => r.Stage(environment).Status == ReleaseStatus.Released
            ? null
            : r.MoveStage(environment, ReleaseStatus.Released, now)
                .WithStage(environment, s => s with { Deployment = s.Deployment! with { CompletedAt = now } }, now), ct).ConfigureAwait(false);
        await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        if (await TimelineAsync(release, environment, "deployed", $"{release.Model} v{release.Version} is live in {environment} on {deployment.EndpointName}.", ct)
            .ConfigureAwait(false))
        {
            await announcer.AnnounceAsync("deployment.succeeded.v1", new()
            {
                ["releaseId"] = release.Id,
                ["model"] = release.Model,
                ["version"] = release.Version.ToString(CultureInfo.InvariantCulture),
                ["environment"] = environment,
                ["endpointName"] = deployment.EndpointName,
                ["endpointConfigName"] = deployment.EndpointConfigName,
            }, ct).ConfigureAwait(false);
        }
    }

    // ------------------------------------------------------------------ failures and the end

    /// <summary>Records why a stage stopped, frees its lock, and returns the release-level error the state machine raises next (a Fail state with ErrorPath).</summary>
    public async Task<StopResult> StopStageAsync(string releaseId, string environment, string error, string? cause, CancellationToken ct)
    {
        var (status, raise) = error switch
        {
            WorkflowErrors.Rejected => (ReleaseStatus.Rejected, WorkflowErrors.Rejected),
            "States.Timeout" => (ReleaseStatus.Expired, WorkflowErrors.Expired),
            WorkflowErrors.RolledBack or WorkflowErrors.AutoRolledBack => (ReleaseStatus.RolledBack, WorkflowErrors.RolledBack),
            _ => (ReleaseStatus.Failed, WorkflowErrors.StageFailed),
        };
        var now = clock.GetUtcNow();
        var release = await SaveAsync(releaseId, r =>
        {
            var stage = r.Stage(environment);
            if (stage.Failure is not null || !ReleaseTransitions.CanMove(stage.Status, status))
            {
                return null;
            }
            return r.WithStage(environment, s => s with { Failure = new FailureRecord(error, cause) }, now).MoveStage(environment, status, now);
        }, ct).ConfigureAwait(false);
        // A deployment that began is undone before the lock goes, so that what serves is what the record says.
        var undone = await compensation.RevertAsync(releaseId, environment, ct).ConfigureAwait(false);
        if (undone.Done)
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        await TimelineAsync(release, environment, "stopped", $"{environment} stopped: {error}" + (cause is null ? "" : $" ({cause})")
            + (undone.Message.Length == 0 ? "" : $" {undone.Message}") + (undone.Done ? "" : $" {environment} stays locked until then."), ct).ConfigureAwait(false);
        return new StopResult(raise, cause ?? error);
    }

    public async Task<FinishResult> FinishAsync(string releaseId, ReleaseStatus outcome, string? error, string? cause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var release = await SaveAsync(releaseId, r =>
        {
            if (r.Status.IsTerminal())
            {
                return null;
            }
            var next = r;
            if (outcome != ReleaseStatus.Released)
            {
                foreach (var stage in r.Stages.Where(s => !s.Status.IsTerminal()))
                {
                    next = next.MoveStage(stage.Environment, ReleaseStatus.Cancelled, now);
                }
            }
            return next.MoveTo(outcome, now);
        }, ct).ConfigureAwait(false);
        foreach (var environment in release.Environments)
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        var final = release.Status;
        await TimelineAsync(release, null, "finished", final == ReleaseStatus.Released
            ? $"Released {release.Model} v{release.Version} to {string.Join(", ", release.Environments)}."
            : $"Ended {final}" + (error is null ? "." : $": {error}" + (cause is null ? "." : $" ({cause})")), ct).ConfigureAwait(false);
        var project = await projects.FindAsync(release.Model, ct).ConfigureAwait(false) ?? "";
        var detail = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["releaseId"] = release.Id,
            ["model"] = release.Model,
            ["project"] = project,
            ["version"] = release.Version.ToString(CultureInfo.InvariantCulture),
            ["outcome"] = final.ToString(),
            ["bundleDigest"] = release.Bundle?.Digest ?? "",
        }, WorkflowJsonContext.Default.DictionaryStringString);
        return new FinishResult(final.ToString(), $"release.{Kebab(final.ToString())}.v1", detail);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<Release> LoadAsync(string releaseId, CancellationToken ct) =>
        await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"Release {releaseId} does not exist.");

    private Task<Release> SaveAsync(string releaseId, Func<Release, Release?> change, CancellationToken ct) =>
        registry.UpdateReleaseAsync(releaseId, change, ct);

    /// <summary>Timeline + audit, once per release, environment and step (action: release.{step}).</summary>
    private Task<bool> TimelineAsync(Release release, string? environment, string step, string message, CancellationToken ct) =>
        journal.RecordAsync(release, environment, step, $"release.{step}", message, WorkflowActor, clock.GetUtcNow(), ct);

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

    private static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    [LoggerMessage(Level = LogLevel.Information, Message = "Release {ReleaseId} is already deployed to {Environment} on {EndpointConfig}; nothing to do")]
    private static partial void LogAlreadyDeployed(ILogger logger, string releaseId, string environment, string endpointConfig);
}

public sealed record StagePlan(string Environment, bool RequiresApproval, int ApprovalTimeoutSeconds, int BakeSeconds);

public sealed record EvaluateResult(bool Passed, IReadOnlyList<StagePlan> Stages);

public sealed record DeployResult(string EndpointName, string EndpointConfigName);

/// <summary>The endpoint check: ready to bake, or park for at most <paramref name="WaitSeconds"/> (a fallback: the state-change event wakes it sooner).</summary>
public sealed record EndpointResult(string Status, bool Ready, int WaitSeconds, string EndpointName);

public sealed record VerifyResult(bool Healthy, string Reason);

public sealed record RollbackResult(string? RestoredEndpointConfig);

public sealed record StopResult(string Error, string Cause);

public sealed record FinishResult(string Outcome, string DetailType, string Detail);
