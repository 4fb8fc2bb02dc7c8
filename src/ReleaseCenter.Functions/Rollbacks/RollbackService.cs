using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Rollback as a first-class action: preview its impact, request it (which starts
/// statemachines/rollback.asl.json), vote on it when the environment's policy asks for approval.
/// Errors are <see cref="RequestRefusedException"/> (kind, title, field) or
/// <see cref="DomainValidationException"/>.
/// </summary>
public sealed class RollbackService(
    IRegistryStore registry,
    IWorkflowStore workflow,
    IRollbackStore rollbacks,
    IFreezeStore freezes,
    EnvironmentPolicies policies,
    Policies.PolicyService policyService,
    ModelProjects projects,
    IStepFunctions stepFunctions,
    ReleaseJournal journal,
    ReleaseCenterSettings settings,
    TimeProvider clock)
{
    /// <summary>How much of an environment's deployment history a preview reads to find the target.</summary>
    private const int HistoryDepth = 200;

    /// <summary>How many releases (newest first) are looked at for releases in flight.</summary>
    private const int InFlightScanLimit = 500;

    public async Task<RollbackPreview> PreviewAsync(string environment, string? model, string? toRelease, CancellationToken ct)
    {
        if (policies.Find(environment) is null)
        {
            throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"No environment '{environment}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        var errors = new ValidationErrors();
        if (model is not null)
        {
            errors.Check("model", Rules.ResourceName(model));
        }
        if (toRelease is not null && string.IsNullOrWhiteSpace(toRelease))
        {
            errors.Add("toRelease", "must be a release id when given.");
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }

        model ??= await OnlyLiveModelAsync(environment, ct).ConfigureAwait(false);
        var live = await workflow.GetLiveAsync(environment, model, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.Conflict, "Nothing to roll back", $"Nothing of model '{model}' is live in {environment}, so there is nothing to roll back.");
        var history = await workflow.ListDeploymentsAsync(environment, HistoryDepth, ct, model: model).ConfigureAwait(false);

        LiveDeployment? target;
        if (toRelease is null)
        {
            target = RollbackTargets.Default(live, history);
        }
        else
        {
            target = history.FirstOrDefault(d => d.ReleaseId == toRelease);
            if (target is null)
            {
                var exists = await registry.GetReleaseAsync(toRelease, ct).ConfigureAwait(false);
                throw DomainValidationException.For("toRelease", exists is null
                    ? $"release '{toRelease}' does not exist."
                    : exists.Model != model
                        ? $"release '{toRelease}' is of model '{exists.Model}', not '{model}'."
                        : $"release '{toRelease}' was never live in {environment}; a rollback can only return to a release that was.");
            }
        }

        var (liveSide, liveBundle) = await SideAsync(live, ct).ConfigureAwait(false);
        var lockState = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
        var inFlight = await InFlightAsync(environment, ct).ConfigureAwait(false);
        var consumers = await rollbacks.ListConsumersAsync(environment, model, ct).ConfigureAwait(false);
        // What the rollback would run under if requested now: the model's policy, not only the environment's default.
        var approval = (await policyService.CurrentAsync(model, environment, ct).ConfigureAwait(false)).Policy.RollbackApproval;
        var blockers = new List<string>();
        if (lockState.LockedBy is { } holder)
        {
            blockers.Add(holder.StartsWith("rb-", StringComparison.Ordinal)
                ? $"Rollback {holder} is running in {environment}; wait for it to finish."
                : $"Release {holder} holds the {environment} deployment lock (it is deploying); wait for it to finish or cancel it.");
        }

        if (target is null)
        {
            return new RollbackPreview(environment, model, live.EndpointName, liveSide, null, false,
                $"No earlier release of {model} was live in {environment}: there is nothing to roll back to.",
                null, inFlight, consumers, lockState.LockedBy, approval.Required > 0, approval.Required, approval.Groups,
                [.. blockers, "No earlier release to roll back to."]);
        }
        var (targetSide, targetBundle) = await SideAsync(target, ct).ConfigureAwait(false);
        if (target.ReleaseId == live.ReleaseId)
        {
            return new RollbackPreview(environment, model, live.EndpointName, liveSide, targetSide, true,
                $"Release {live.ReleaseId} ({model} v{live.Version}) is already live in {environment}: rolling back to it would change nothing.",
                null, inFlight, consumers, lockState.LockedBy, approval.Required > 0, approval.Required, approval.Groups, blockers);
        }

        ReleaseDiff? diff = null;
        if (liveBundle is not null && targetBundle is not null)
        {
            var (directions, gate) = await policyService.DiffJudgeAsync(model, null, environment, ct).ConfigureAwait(false);
            diff = ReleaseDiff.Compare(liveBundle, liveSide.Metrics, targetBundle, targetSide.Metrics, directions, ReleaseDiff.DefaultRelativeTolerance, gate);
        }
        var changes = diff is null ? "" : string.Join(", ", diff.Metrics.Where(m => m.From is not null && m.To is not null)
            .Select(m => $"{m.Metric} {m.From!.Value.ToString("0.####", CultureInfo.InvariantCulture)} -> {m.To!.Value.ToString("0.####", CultureInfo.InvariantCulture)} ({m.Verdict})"));
        var message = $"Rolling back {environment} takes {model} from v{live.Version} (release {live.ReleaseId}) back to v{target.Version} (release {target.ReleaseId})" +
            (changes.Length > 0 ? $": {changes}." : ".");
        return new RollbackPreview(environment, model, live.EndpointName, liveSide, targetSide, false, message, diff, inFlight, consumers, lockState.LockedBy,
            approval.Required > 0, approval.Required, approval.Groups, blockers);
    }

    /// <summary>
    /// Starts a rollback, or does nothing when the target is already live (a no-op, reported with
    /// the reason). A rollback needs the environment free: while a release holds its lock the
    /// answer is 409, naming the release.
    /// </summary>
    public async Task<RollbackRequestResult> RequestAsync(string environment, string? model, string? toRelease, string? reason, string actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 1024)
        {
            throw DomainValidationException.For("reason", "is required: why you roll back, 1 to 1024 characters.");
        }
        var preview = await PreviewAsync(environment, model, toRelease, ct).ConfigureAwait(false);
        if (preview.NoOp)
        {
            return new RollbackRequestResult(null, preview);
        }
        if (preview.Target is not { } target)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Nothing to roll back to", preview.Message);
        }
        if (preview.LockedBy is { } holder)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Environment locked", preview.Blockers[0] + $" (locked by {holder}).");
        }

        var now = clock.GetUtcNow();
        // A freeze holds releases at the door, not rollbacks: getting back to what served is what a freeze protects. Unless it says otherwise.
        var project = await projects.GetAsync(preview.Model, ct).ConfigureAwait(false);
        foreach (var held in new[] { await freezes.GetFreezeAsync(environment, ct).ConfigureAwait(false), await freezes.GetFreezeAsync(environment, ct, project).ConfigureAwait(false) })
        {
            if (held is { AllowRollbacks: false } freeze && freeze.HoldsAt(now))
            {
                throw new FrozenException(freeze);
            }
        }
        var policy = (await policyService.CurrentAsync(preview.Model, environment, ct).ConfigureAwait(false)).Policy;
        var rollback = new Rollback(NewId(now), environment, preview.Model, preview.EndpointName,
            new RollbackSide(preview.Live.Release, preview.Live.Version, preview.Live.EndpointConfigName, preview.Live.BundleDigest),
            new RollbackSide(target.Release, target.Version, target.EndpointConfigName, target.BundleDigest),
            reason, actor, now, RollbackStatus.Requested, now)
        {
            RequiredApprovals = policy.RollbackApproval.Required,
            ApproverGroups = policy.RollbackApproval.Groups,
        };
        await rollbacks.CreateAsync(rollback, ct).ConfigureAwait(false);
        await journal.RecordRollbackAsync(rollback, "requested", "rollback.requested",
            $"{actor} requested a rollback of {rollback.Model} in {environment} from v{rollback.From.Version} ({rollback.From.Release}) to v{rollback.To.Version} ({rollback.To.Release}): {reason}",
            actor, now, ct, announce: new RollbackRequested(rollback.Id, environment, rollback.Model, rollback.From.Release, rollback.To.Release, actor,
                rollback.RequiredApprovals.ToString(CultureInfo.InvariantCulture))).ConfigureAwait(false);

        var input = JsonSerializer.Serialize(new RollbackInput(rollback.Id, policy.RollbackApproval.Required > 0, Math.Max(1, policy.RollbackApproval.TimeoutSeconds),
            policy.BakeSeconds), WorkflowJsonContext.Default.RollbackInput);
        string executionArn;
        try
        {
            executionArn = (await stepFunctions.StartExecutionAsync(new StartExecutionRequest(
                settings.RollbackStateMachineArn ?? throw new InvalidOperationException("No rollback state machine is configured."))
            { Name = rollback.Id, Input = input }, ct).ConfigureAwait(false)).ExecutionArn;
        }
        catch (AmazonServiceException ex)
        {
            await rollbacks.UpdateAsync(rollback.Id, r => r.MoveTo(RollbackStatus.Failed, clock.GetUtcNow()) with
            {
                Failure = new FailureRecord("Rollback.NotStarted", ex.ErrorCode),
            }, ct).ConfigureAwait(false);
            throw new RequestRefusedException(RefusalKind.Unavailable, "Workflow unavailable", $"The rollback workflow could not be started ({ex.ErrorCode}); the rollback is marked Failed.");
        }
        rollback = await rollbacks.UpdateAsync(rollback.Id, r => r with { ExecutionArn = executionArn }, ct).ConfigureAwait(false);
        return new RollbackRequestResult(rollback, preview);
    }

    public async Task<Rollback> GetAsync(string id, CancellationToken ct) =>
        await rollbacks.GetAsync(id, ct).ConfigureAwait(false) ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Rollback '{id}' does not exist.");

    /// <summary>One reviewer's vote on a rollback that waits for approval; the deciding vote completes the waiting task, once.</summary>
    public async Task<Rollback> DecideAsync(string id, string actor, IReadOnlySet<string> groups, string decision, string? comment, CancellationToken ct)
    {
        var current = await GetAsync(id, ct).ConfigureAwait(false);
        var policy = (await policyService.CurrentAsync(current.Model, current.Environment, ct).ConfigureAwait(false)).Policy.RollbackApproval;
        groups = Domain.Access.ProjectRoles.In(groups, await projects.GetAsync(current.Model, ct).ConfigureAwait(false));
        var now = clock.GetUtcNow();
        RollbackVote? outcome = null;
        var saved = await rollbacks.UpdateAsync(id, r =>
        {
            outcome = RollbackApproval.Vote(r, policy, actor, groups, decision, comment, now);
            return outcome.Refusal == VoteRefusal.None ? outcome.Rollback : null;
        }, ct).ConfigureAwait(false);
        switch (outcome!.Refusal)
        {
            case VoteRefusal.None:
                await journal.RecordRollbackAsync(saved, $"{decision}-{actor}", decision == ApprovalGate.Approve ? "rollback.approved" : "rollback.rejected",
                    $"{actor} {(decision == ApprovalGate.Approve ? "approved" : "rejected")} the rollback" + (comment is null ? "." : $": {comment}"), actor, now, ct)
                    .ConfigureAwait(false);
                if (outcome.Decided is { } decided)
                {
                    await CompleteTaskAsync(saved, decided, actor, comment, ct).ConfigureAwait(false);
                }
                return saved;
            case VoteRefusal.AlreadyVoted:
                return saved;
            case VoteRefusal.NotAnApprover:
                throw new RequestRefusedException(RefusalKind.Forbidden, "Not an approver", outcome.Reason);
            case VoteRefusal.SelfApproval:
                throw new RequestRefusedException(RefusalKind.Forbidden, "Self-approval", outcome.Reason);
            default:
                throw new RequestRefusedException(RefusalKind.Conflict, "Not awaiting approval", outcome.Reason);
        }
    }

    private async Task CompleteTaskAsync(Rollback rollback, string decided, string actor, string? comment, CancellationToken ct)
    {
        var token = await rollbacks.GetTaskTokenAsync(rollback.Id, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.Conflict, "No waiting task", $"No approval task is waiting for rollback {rollback.Id}.");
        await ApprovalTasks.CompleteAsync(stepFunctions, token, decided, actor, comment, $"rollback {rollback.Id}", ct).ConfigureAwait(false);
    }

    private async Task<string> OnlyLiveModelAsync(string environment, CancellationToken ct)
    {
        var live = await workflow.ListLiveAsync(environment, ct).ConfigureAwait(false);
        return live.Count switch
        {
            0 => throw new RequestRefusedException(RefusalKind.Conflict, "Nothing to roll back", $"Nothing is live in {environment}, so there is nothing to roll back."),
            1 => live[0].Model,
            _ => throw DomainValidationException.For("model", $"is required: {string.Join(", ", live.Select(l => l.Model).Order(StringComparer.Ordinal))} are live in {environment}."),
        };
    }

    /// <summary>A side of the preview, with the release's bundle for the diff (null if the release is gone).</summary>
    private async Task<(RollbackSideView View, Bundle? Bundle)> SideAsync(LiveDeployment d, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(d.ReleaseId, ct).ConfigureAwait(false);
        var version = await registry.GetVersionAsync(d.Model, d.Version, ct).ConfigureAwait(false);
        return (new RollbackSideView(d.ReleaseId, d.Version, release?.Bundle?.Digest ?? "", d.EndpointConfigName, d.DeployedAt, d.Kind,
            version?.Metrics ?? new Dictionary<string, double>()), release?.Bundle);
    }

    private async Task<IReadOnlyList<InFlightRelease>> InFlightAsync(string environment, CancellationToken ct)
    {
        var found = new List<InFlightRelease>();
        string? cursor = null;
        var seen = 0;
        do
        {
            var page = await registry.ListReleasesAsync(null, 100, cursor, ct, new ReleaseFilter(Environment: environment)).ConfigureAwait(false);
            foreach (var release in page.Items.Where(r => !r.Status.IsTerminal()))
            {
                var stage = release.Stages.FirstOrDefault(s => s.Environment == environment);
                if (stage is not null && !stage.Status.IsTerminal())
                {
                    found.Add(new InFlightRelease(release.Id, release.Model, release.Version, release.Status, stage.Status, release.RequestedBy));
                }
            }
            seen += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && seen < InFlightScanLimit);
        return found;
    }

    /// <summary>rb-{UTC time}-{random}: sortable, unique, a valid Step Functions execution name, and told apart from release ids at a glance.</summary>
    private static string NewId(DateTimeOffset now) =>
        $"rb-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}

/// <summary>The rollback state machine's input.</summary>
public sealed record RollbackInput(string RollbackId, bool RequiresApproval, int ApprovalTimeoutSeconds, int BakeSeconds);
