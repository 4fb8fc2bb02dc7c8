using System.Globalization;
using System.Text.Json;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// The steps of statemachines/retrain.asl.json, one method per Task state, and the trigger that
/// starts it. Each step is idempotent: the run (named after the drift report) is moved under its
/// revision and only the writer of a move audits and announces it; the pipeline is started with the
/// report id as ClientRequestToken; the version is registered once per report; the release has an id
/// derived from the report.
/// </summary>
public sealed class RetrainSteps(
    IRegistryStore registry,
    IDriftStore drift,
    IRetrainStore retrain,
    SageMakerClient sageMaker,
    StepFunctionsClient stepFunctions,
    ReleaseService releases,
    Announcer announcer,
    ReleaseJournal journal,
    ReleaseCenterSettings settings,
    TimeProvider clock)
{
    public const string Actor = "retrain-workflow";
    public const string PipelineFailed = "Retrain.PipelineFailed";
    public const string PipelineTimedOut = "Retrain.PipelineTimedOut";
    public const string NoModelPackage = "Retrain.NoModelPackage";

    /// <summary>The EventBridge target: starts the execution named after the report; a redelivered event finds it running and starts nothing.</summary>
    public async Task<string> TriggerAsync(JsonElement driftEvent, CancellationToken ct)
    {
        var detail = driftEvent.GetProperty("detail");
        var id = detail.GetProperty("driftReportId").GetString()!;
        var model = detail.GetProperty("model").GetString()!;
        try
        {
            var input = JsonSerializer.Serialize(new Dictionary<string, string> { ["driftReportId"] = id, ["model"] = model }, WorkflowJsonContext.Default.DictionaryStringString);
            return (await stepFunctions.StartExecutionAsync(new StartExecutionRequest(
                settings.RetrainStateMachineArn ?? throw new InvalidOperationException("No retrain state machine is configured.")) { Name = id, Input = input }, ct)
                .ConfigureAwait(false)).ExecutionArn;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == StepFunctionsErrors.ExecutionAlreadyExists)
        {
            return StepFunctionsArns.Execution(settings.RetrainStateMachineArn!, id);
        }
    }

    public async Task<RetrainDecision> CheckPolicyAsync(string driftReportId, string model, CancellationToken ct)
    {
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        var run = await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false);
        var decidedNow = false;
        if (run is null)
        {
            var report = await drift.GetReportAsync(model, driftReportId, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Model {model} has no drift report {driftReportId}.");
            var now = clock.GetUtcNow();
            var claim = !report.Drifted ? new RetrainClaim(false, "The report found no drift.")
                : !policy.Enabled ? new RetrainClaim(false, $"Retraining is off for {model}.")
                : await retrain.TryClaimRetrainAsync(model, driftReportId, now, policy.CooldownSeconds, policy.MaxPerDay, ct).ConfigureAwait(false);
            run = await retrain.CreateRunAsync(new RetrainRun(driftReportId, model, claim.Granted ? RetrainStatus.Training : RetrainStatus.Skipped, claim.Granted,
                claim.Reason, now) { PipelineName = policy.PipelineName, UpdatedAt = now }, ct).ConfigureAwait(false);
            decidedNow = run.DecidedAt == now && run.Revision == 0; // false when a concurrent attempt stored its decision first
        }
        var details = new Dictionary<string, string>
        {
            ["driftReportId"] = driftReportId,
            ["model"] = model,
            ["decision"] = run.Proceed ? "retrain" : "skip",
            ["reason"] = run.Reason,
        };
        await journal.RecordModelStepAsync(model, Actor, run.Proceed ? "retrain.approved" : "retrain.skipped", $"drift-report/{driftReportId}", details,
            $"retrain/{driftReportId}/decision", ct).ConfigureAwait(false);
        if (!run.Proceed && decidedNow)
        {
            await announcer.AnnounceAsync("retrain.skipped.v1", details, ct).ConfigureAwait(false);
        }
        return new RetrainDecision(run.Proceed, policy.OpenRelease, run.Reason);
    }

    public async Task<PipelineStarted> StartPipelineAsync(string driftReportId, CancellationToken ct)
    {
        var run = await LoadAsync(driftReportId, ct).ConfigureAwait(false);
        if (run.PipelineExecutionArn is { } started)
        {
            return new PipelineStarted(started);
        }
        var pipeline = run.PipelineName ?? throw new InvalidOperationException($"The retrain of {driftReportId} has no pipeline.");
        var arn = (await sageMaker.StartPipelineExecutionAsync(new StartPipelineExecutionRequest(pipeline, driftReportId)
        {
            PipelineParameters = [new PipelineParameter("DriftReportId", driftReportId)],
            PipelineExecutionDisplayName = driftReportId,
        }, ct).ConfigureAwait(false)).PipelineExecutionArn;
        var now = clock.GetUtcNow();
        var moved = false;
        run = await retrain.UpdateRunAsync(driftReportId, r =>
        {
            moved = r.PipelineExecutionArn is null;
            return moved ? r with { PipelineExecutionArn = arn, PipelineStartedAt = now, UpdatedAt = now } : null;
        }, ct).ConfigureAwait(false);
        if (moved)
        {
            var details = new Dictionary<string, string> { ["driftReportId"] = driftReportId, ["model"] = run.Model, ["pipelineName"] = pipeline, ["pipelineExecutionArn"] = arn };
            await journal.RecordModelStepAsync(run.Model, Actor, "retrain.started", $"drift-report/{driftReportId}", details, $"retrain/{driftReportId}/started", ct)
                .ConfigureAwait(false);
            await announcer.AnnounceAsync("retrain.started.v1", details, ct).ConfigureAwait(false);
        }
        return new PipelineStarted(run.PipelineExecutionArn!);
    }

    /// <summary>
    /// How the pipeline execution is doing. While it runs, says when to ask again (a tenth of the
    /// time it has run so far, from 1 s to 5 minutes), so a short pipeline is seen soon and a
    /// long one costs few transitions. Past the policy's pipelineTimeoutSeconds the execution is
    /// stopped (it would go on training, and registering, otherwise) and the retrain fails.
    /// </summary>
    public async Task<PipelineCheck> CheckPipelineAsync(string driftReportId, string model, CancellationToken ct)
    {
        var run = await LoadAsync(driftReportId, ct).ConfigureAwait(false);
        var arn = run.PipelineExecutionArn ?? throw new InvalidOperationException($"The retrain of {driftReportId} has not started its pipeline.");
        var execution = await sageMaker.DescribePipelineExecutionAsync(arn, ct).ConfigureAwait(false);
        switch (execution.PipelineExecutionStatus)
        {
            case PipelineExecutionStatus.Succeeded:
                return new PipelineCheck(execution.PipelineExecutionStatus, true, 0);
            case PipelineExecutionStatus.Failed or PipelineExecutionStatus.Stopped:
                throw new WorkflowErrorException(PipelineFailed, $"{arn} ended {execution.PipelineExecutionStatus}: {execution.FailureReason}");
        }
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        var elapsed = clock.GetUtcNow() - (run.PipelineStartedAt ?? run.DecidedAt);
        if (elapsed.TotalSeconds > policy.PipelineTimeoutSeconds)
        {
            if (execution.PipelineExecutionStatus != PipelineExecutionStatus.Stopping)
            {
                await sageMaker.StopPipelineExecutionAsync(arn, $"stop-{driftReportId}", ct).ConfigureAwait(false);
            }
            throw new WorkflowErrorException(PipelineTimedOut,
                $"{arn} has run {elapsed.TotalSeconds:0} s, over the policy's {policy.PipelineTimeoutSeconds} s; it was told to stop.");
        }
        return new PipelineCheck(execution.PipelineExecutionStatus, false, (int)Math.Clamp(elapsed.TotalSeconds / 10, 1, 300));
    }

    /// <summary>The model package the pipeline registered (MetadataProperties.GeneratedBy = the execution) becomes the next version, once.</summary>
    public async Task<VersionRegistered> RegisterAsync(string driftReportId, string model, CancellationToken ct)
    {
        var run = await LoadAsync(driftReportId, ct).ConfigureAwait(false);
        if (run.Version is { } done)
        {
            return new VersionRegistered(done);
        }
        var arn = run.PipelineExecutionArn!;
        DescribeModelPackageResponse? package = null;
        foreach (var summary in (await sageMaker.ListModelPackagesAsync(model, ct).ConfigureAwait(false)).ModelPackageSummaryList.Take(50))
        {
            var candidate = await sageMaker.DescribeModelPackageAsync(summary.ModelPackageArn, ct).ConfigureAwait(false);
            if (candidate.MetadataProperties?.GeneratedBy == arn)
            {
                package = candidate;
                break;
            }
        }
        if (package?.InferenceSpecification?.Containers is not [var container, ..])
        {
            throw new WorkflowErrorException(NoModelPackage, $"No model package in group {model} was generated by {arn}; the pipeline must register one (RegisterModel step).");
        }
        var properties = package.CustomerMetadataProperties ?? new Dictionary<string, string>();
        var metrics = properties.Where(p => p.Key.StartsWith("metric:", StringComparison.Ordinal))
            .ToDictionary(p => p.Key["metric:".Length..], p => double.Parse(p.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        var previous = (await registry.GetModelAsync(model, ct).ConfigureAwait(false)) is { LatestVersion: > 0 } m
            ? await registry.GetVersionAsync(model, m.LatestVersion, ct).ConfigureAwait(false)
            : null;
        ModelVersion version;
        try
        {
            version = ModelVersion.Create(model, new ModelVersionDraft(container.ModelDataUrl, properties.GetValueOrDefault("artifactDigest"), previous?.Framework,
                container.Image, arn, Metrics: metrics, InferenceConfig: previous?.InferenceConfig), Actor, clock.GetUtcNow()) with
            {
                Lineage = new Dictionary<string, string>
                {
                    ["driftReport"] = driftReportId,
                    ["pipelineExecution"] = arn,
                    ["modelPackage"] = package.ModelPackageArn,
                },
            };
        }
        catch (DomainValidationException ex)
        {
            throw new WorkflowErrorException(NoModelPackage, $"The model package {package.ModelPackageArn} cannot be registered: {ex.Message}");
        }
        var registered = await registry.AddVersionOnceAsync(version, $"retrain/{driftReportId}", ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var moved = false;
        await retrain.UpdateRunAsync(driftReportId, r =>
        {
            moved = r.Version is null;
            return moved ? r with { Version = registered.Version, Status = RetrainStatus.Registered, UpdatedAt = now } : null;
        }, ct).ConfigureAwait(false);
        if (moved)
        {
            var details = new Dictionary<string, string>
            {
                ["driftReportId"] = driftReportId,
                ["model"] = model,
                ["version"] = registered.Version.ToString(CultureInfo.InvariantCulture),
                ["pipelineExecutionArn"] = arn,
                ["modelPackageArn"] = package.ModelPackageArn,
            };
            await journal.RecordModelStepAsync(model, Actor, "retrain.version-registered", $"model/{model}/versions/{registered.Version}", details,
                $"retrain/{driftReportId}/registered", ct).ConfigureAwait(false);
            await announcer.AnnounceAsync("retrain.version-registered.v1", details, ct).ConfigureAwait(false);
        }
        return new VersionRegistered(registered.Version);
    }

    public async Task<ReleaseOpened> OpenReleaseAsync(string driftReportId, string model, CancellationToken ct)
    {
        var run = await LoadAsync(driftReportId, ct).ConfigureAwait(false);
        var version = run.Version ?? throw new InvalidOperationException($"The retrain of {driftReportId} has registered no version.");
        var policy = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
        // The humans in the candidate's lineage count as its requesters, so none of them can approve it alone:
        // whoever submitted the drift report and whoever last set the retraining policy.
        var report = await drift.GetReportAsync(model, driftReportId, ct).ConfigureAwait(false);
        string[] lineage = [.. new[] { report?.SubmittedBy, policy.UpdatedBy }.OfType<string>()];
        // The release id derives from the report (drift-X -> rel-X), so a retry finds the release instead of opening another.
        var release = await releases.CreateAsync(model, version, policy.ReleaseEnvironments, $"Retrained after drift report {driftReportId}.", Actor, ct,
            releaseId: "rel-" + driftReportId["drift-".Length..], alsoRequestedBy: lineage).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var moved = false;
        await retrain.UpdateRunAsync(driftReportId, r =>
        {
            moved = r.ReleaseId is null;
            return moved ? r with { ReleaseId = release.Id, Status = RetrainStatus.ReleaseOpened, UpdatedAt = now } : null;
        }, ct).ConfigureAwait(false);
        if (moved)
        {
            var details = new Dictionary<string, string>
            {
                ["driftReportId"] = driftReportId,
                ["model"] = model,
                ["version"] = version.ToString(CultureInfo.InvariantCulture),
                ["releaseId"] = release.Id,
            };
            await journal.RecordModelStepAsync(model, Actor, "retrain.release-opened", $"release/{release.Id}", details, $"retrain/{driftReportId}/release", ct)
                .ConfigureAwait(false);
            await announcer.AnnounceAsync("retrain.release-opened.v1", details, ct).ConfigureAwait(false);
        }
        return new ReleaseOpened(release.Id);
    }

    public async Task<StopResult> StopAsync(string driftReportId, string model, string error, string? cause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var moved = false;
        if (await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false) is not null)
        {
            await retrain.UpdateRunAsync(driftReportId, r =>
            {
                moved = r.Status != RetrainStatus.Failed;
                return moved ? r with { Status = RetrainStatus.Failed, Failure = $"{error}: {cause}", UpdatedAt = now } : null;
            }, ct).ConfigureAwait(false);
        }
        else
        {
            moved = true; // failed before the decision was stored
        }
        if (moved)
        {
            var details = new Dictionary<string, string> { ["driftReportId"] = driftReportId, ["model"] = model, ["error"] = error, ["cause"] = cause ?? "" };
            await journal.RecordModelStepAsync(model, Actor, "retrain.failed", $"drift-report/{driftReportId}", details, $"retrain/{driftReportId}/failed", ct)
                .ConfigureAwait(false);
            await announcer.AnnounceAsync("retrain.failed.v1", details, ct).ConfigureAwait(false);
        }
        return new StopResult(error, cause ?? error);
    }

    private async Task<RetrainRun> LoadAsync(string driftReportId, CancellationToken ct) =>
        await retrain.GetRunAsync(driftReportId, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"No retrain run for {driftReportId}.");
}

public sealed record RetrainDecision(bool Proceed, bool OpenRelease, string Reason);

public sealed record PipelineStarted(string PipelineExecutionArn);

/// <summary>The pipeline execution's status; whether it finished well; if not, how many seconds to wait before asking again.</summary>
public sealed record PipelineCheck(string Status, bool Finished, int WaitSeconds);

public sealed record VersionRegistered(int Version);

public sealed record ReleaseOpened(string ReleaseId);
