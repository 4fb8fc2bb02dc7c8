using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Environments;

/// <summary>
/// Drift of the live state (operations.md, "Out-of-band changes"): compares what each endpoint serves with what the record
/// says is live, flags a difference, and reconciles a flag by adopting what the endpoint serves or restoring the record.
/// </summary>
public sealed class LiveStateService(
    IWorkflowStore workflow,
    ILiveStateStore flags,
    ISageMaker sageMaker,
    ModelProjects projects,
    EnvironmentPolicies environments,
    TimeProvider clock)
{
    /// <summary>The SageMaker statuses of an endpoint in the middle of a change: nothing to compare yet.</summary>
    private static readonly HashSet<string> Moving = new(StringComparer.Ordinal)
    {
        EndpointStatus.Creating, EndpointStatus.Updating, EndpointStatus.SystemUpdating, EndpointStatus.RollingBack,
    };

    /// <summary>
    /// One look at every environment: a live deployment whose endpoint serves another config (or is gone) is flagged,
    /// once; a flag whose endpoint serves the recorded config again is cleared. An environment whose lock is held is
    /// skipped (a release or rollback is changing it, through us), and so is an endpoint in the middle of an update.
    /// </summary>
    public async Task<(int Flagged, int Cleared)> CheckAsync(CancellationToken ct)
    {
        int flagged = 0, cleared = 0;
        foreach (var environment in environments.All.Select(e => e.Name))
        {
            var lockBefore = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
            if (lockBefore.LockedBy is not null)
            {
                continue;
            }
            var standing = (await flags.ListAsync(environment, ct).ConfigureAwait(false)).ToDictionary(f => f.Model, StringComparer.Ordinal);
            var observed = new List<(LiveDeployment Live, DescribeEndpointResponse? Endpoint)>();
            foreach (var live in await workflow.ListLiveAsync(environment, ct).ConfigureAwait(false))
            {
                observed.Add((live, await sageMaker.FindEndpointAsync(live.EndpointName, ct).ConfigureAwait(false)));
            }
            // Taken while we looked: what we saw may be a deployment of ours in flight. The next look decides.
            if ((await workflow.GetLockAsync(environment, ct).ConfigureAwait(false)).LockedBy is not null)
            {
                continue;
            }
            foreach (var (live, endpoint) in observed)
            {
                if (endpoint is not null && Moving.Contains(endpoint.EndpointStatus))
                {
                    continue;
                }
                var serves = endpoint?.EndpointConfigName;
                if (serves == live.EndpointConfigName)
                {
                    if (standing.TryGetValue(live.Model, out var stale))
                    {
                        cleared += await TryClearAsync(stale, "resolved", "the endpoint serves the recorded config again", "release-center", ct).ConfigureAwait(false);
                    }
                    continue;
                }
                if (standing.ContainsKey(live.Model))
                {
                    continue;
                }
                var change = new OutOfBandChange(environment, live.Model, live.EndpointName, live.EndpointConfigName, serves, live.ReleaseId, live.Version,
                    clock.GetUtcNow());
                var project = await projects.GetAsync(live.Model, ct).ConfigureAwait(false);
                var audit = new AuditRecord(project, "release-center", "environment.out-of-band-change", $"environment/{environment}/endpoint/{live.EndpointName}",
                    new Dictionary<string, string>
                    {
                        ["model"] = live.Model,
                        ["recordedConfig"] = live.EndpointConfigName,
                        ["actualConfig"] = serves ?? "(endpoint gone)",
                        ["liveRelease"] = live.ReleaseId,
                    });
                if (await flags.FlagAsync(change, ChangeRecord.Of(audit, $"out-of-band:{environment}:{live.Model}:{change.DetectedAt.UtcTicks}",
                        new OutOfBandChangeDetected(environment, live.Model, live.EndpointName, live.EndpointConfigName, serves ?? "", live.ReleaseId)), ct)
                    .ConfigureAwait(false))
                {
                    flagged++;
                }
            }
        }
        return (flagged, cleared);
    }

    public Task<IReadOnlyList<OutOfBandChange>> ListAsync(string environment, CancellationToken ct) => flags.ListAsync(environment, ct);

    /// <summary>
    /// Reconciles a flag: "adopt" records what the endpoint serves as the live deployment (kind "adopted", same release and
    /// version, the endpoint's config); "restore" points the endpoint back at the recorded config (or creates it again).
    /// The flag is cleared with the audit entry and event of the decision; releases waiting at the door go on.
    /// </summary>
    public async Task<OutOfBandChange> ReconcileAsync(string environment, string model, string action, string reason, string actor, CancellationToken ct)
    {
        var change = (await flags.ListAsync(environment, ct).ConfigureAwait(false)).FirstOrDefault(f => f.Model == model)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"No out-of-band change of {model} is flagged in {environment}.");
        if (action == OutOfBandChange.Adopt)
        {
            if (change.ActualConfig is null)
            {
                throw new RequestRefusedException(RefusalKind.Conflict, "Nothing to adopt", $"{change.EndpointName} is gone: there is nothing to adopt. Restore it, or roll back.", "action");
            }
            var live = await workflow.GetLiveAsync(environment, model, ct).ConfigureAwait(false);
            try
            {
                await workflow.RecordDeploymentAsync(new LiveDeployment(environment, model, change.LiveRelease, change.LiveVersion, change.EndpointName,
                    change.ActualConfig, clock.GetUtcNow())
                {
                    Kind = DeploymentKinds.Adopted,
                    AdoptedChange = $"{model}#{change.DetectedAt.UtcTicks}",
                    ReplacedRelease = live?.ReleaseId,
                }, ct, expectedLiveRelease: change.LiveRelease).ConfigureAwait(false);
            }
            catch (LiveChangedException ex)
            {
                throw new RequestRefusedException(RefusalKind.Conflict, "Live release changed",
                    $"{ex.Message} The flag describes what was live when it was raised; the next check looks again.", "action");
            }
        }
        else
        {
            var endpoint = await sageMaker.FindEndpointAsync(change.EndpointName, ct).ConfigureAwait(false);
            if (endpoint is null)
            {
                await sageMaker.CreateEndpointAsync(new CreateEndpointRequest(change.EndpointName, change.RecordedConfig), ct).ConfigureAwait(false);
            }
            else if (endpoint.EndpointConfigName != change.RecordedConfig)
            {
                await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(change.EndpointName, change.RecordedConfig), ct).ConfigureAwait(false);
            }
        }
        return await ClearAsync(change, action == OutOfBandChange.Adopt ? "adopted" : "restored", reason, actor, ct).ConfigureAwait(false);
    }

    private async Task<int> TryClearAsync(OutOfBandChange change, string how, string reason, string actor, CancellationToken ct)
    {
        try
        {
            await ClearAsync(change, how, reason, actor, ct).ConfigureAwait(false);
            return 1;
        }
        catch (ConflictException)
        {
            return 0; // reconciled meanwhile
        }
    }

    private async Task<OutOfBandChange> ClearAsync(OutOfBandChange change, string how, string reason, string actor, CancellationToken ct)
    {
        var project = await projects.GetAsync(change.Model, ct).ConfigureAwait(false);
        return await flags.ClearAsync(change.Environment, change.Model, standing => ChangeRecord.Of(
            new AuditRecord(project, actor, "environment.out-of-band-reconciled", $"environment/{standing.Environment}/endpoint/{standing.EndpointName}",
                new Dictionary<string, string>
                {
                    ["model"] = standing.Model,
                    ["how"] = how,
                    ["reason"] = reason,
                    ["recordedConfig"] = standing.RecordedConfig,
                    ["actualConfig"] = standing.ActualConfig ?? "(endpoint gone)",
                }),
            $"out-of-band-reconciled:{standing.Environment}:{standing.Model}:{standing.DetectedAt.UtcTicks}",
            new OutOfBandChangeReconciled(standing.Environment, standing.Model, standing.EndpointName, how, reason, actor)), ct).ConfigureAwait(false);
    }
}

/// <summary>Not a state machine task: the scheduled check of the live state (every 5 minutes in AWS; with the local sweeper locally).</summary>
public sealed class CheckLiveStateStep(LiveStateService liveState) : ITaskStep
{
    public const string HandlerName = Aws.Resources.ReleaseWorkflow.CheckLiveStateHandler;

    public string Handler => HandlerName;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (flagged, cleared) = await liveState.CheckAsync(ct).ConfigureAwait(false);
        return string.Create(CultureInfo.InvariantCulture, $$"""{"flagged":{{flagged}},"cleared":{{cleared}}}""");
    }
}
