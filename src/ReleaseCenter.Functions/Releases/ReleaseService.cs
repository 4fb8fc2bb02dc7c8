using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Access;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Releases;

public sealed record ApprovalState(string Environment, int Required, IReadOnlyList<ApprovalRecord> Approvals, int Remaining, string? Decision);

/// <summary>A stage the caller may vote on now, with the evidence to judge.</summary>
/// <summary>One reason a person may not vote: its kind (NotAwaitingApproval, NotAnApprover, SelfApproval, AlreadyVoted) and the words.</summary>
public sealed record EligibilityReason(string Kind, string Message);

/// <summary>Whether the caller may vote on the stage waiting now (<see cref="Environment"/>, null when none waits), and why not.</summary>
public sealed record VoteEligibility(string ReleaseId, string? Environment, string Voter, bool CanVote, IReadOnlyList<EligibilityReason> Reasons)
{
    public int? Required { get; init; }
    public int? Remaining { get; init; }
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    public DateTimeOffset? ExpiresAt { get; init; }
}

public sealed record PendingApproval(
    string ReleaseId, string Model, int Version, string Environment, string RequestedBy, int Required, int Remaining,
    IReadOnlyList<ApprovalRecord> Approvals, string BundleDigest, string EvaluationDigest, Domain.Evaluation.EvaluationReport? Evaluation, string ApproveAt)
{
    /// <summary>Since when the stage waits for approval.</summary>
    public DateTimeOffset? ApprovalRequestedAt { get; init; }

    /// <summary>When the wait ends without a decision (the stage then expires): the request time plus the policy's timeout.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The groups whose members may vote (any one of them).</summary>
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
}

public sealed record HistoryItem(DateTimeOffset At, string Source, string Type, string? Environment, string Message);

/// <summary>The release use cases people and automation start through the API.</summary>
public sealed class ReleaseService(
    IRegistryStore registry,
    IWorkflowStore workflow,
    EnvironmentPolicies policies,
    Policies.PolicyService policyService,
    ModelProjects projects,
    IStepFunctions stepFunctions,
    ReleaseJournal journal,
    ReleaseCenterSettings settings,
    TimeProvider clock)
{
    /// <param name="releaseId">
    /// A caller-chosen id that makes the request idempotent (automation retries): when a release with
    /// it exists, that release is returned, and started first if an earlier attempt wrote it but
    /// crashed before starting its workflow.
    /// </param>
    /// <param name="alsoRequestedBy">People who count as requesters too (<see cref="Release.AlsoRequestedBy"/>).</param>
    public async Task<Release> CreateAsync(string? model, int? version, IReadOnlyList<string>? environments, string? notes, string actor, CancellationToken ct,
        string? releaseId = null, IReadOnlyList<string>? alsoRequestedBy = null, TemplateUse? template = null)
    {
        var errors = new ValidationErrors();
        errors.Check("model", Rules.ResourceName(model));
        if (version is null or < 1)
        {
            errors.Add("version", "is required: a version number of 1 or more.");
        }
        var envs = environments ?? policies.All.Select(p => p.Name).ToArray();
        CheckEnvironments(envs, errors);
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var modelVersion = await registry.GetVersionAsync(model!, version!.Value, ct).ConfigureAwait(false)
            ?? throw DomainValidationException.For("version", $"'{model}' has no version {version}.");
        if (string.IsNullOrEmpty(modelVersion.Image))
        {
            throw DomainValidationException.For("version", $"{model} v{version} has no inference image; SageMaker needs one to deploy it.");
        }

        var now = clock.GetUtcNow();
        var release = Release.Create(releaseId ?? NewId(now), model!, version.Value, envs, notes, actor, now) with
        {
            Bundle = Bundle.Freeze(modelVersion, policies.Get(envs[0]).InstanceType),
            Policy = await policyService.PinAsync(model!, ct).ConfigureAwait(false),
            Template = template,
            AlsoRequestedBy = alsoRequestedBy?.Where(p => p != actor).Distinct(StringComparer.Ordinal).ToArray() ?? [],
        };
        try
        {
            await registry.CreateReleaseAsync(release, ct).ConfigureAwait(false);
        }
        catch (ConflictException) when (releaseId is not null)
        {
            // A retry of a request that may have crashed between writing the release and starting its
            // workflow: finish what the first attempt began, or answer the release as it is.
            var existing = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Release {releaseId} collided on creation but cannot be read.");
            return existing.ExecutionArn is null && existing.Status == ReleaseStatus.Pending
                ? await StartAsync(existing, existing.RequestedBy, ct).ConfigureAwait(false)
                : existing;
        }
        return await StartAsync(release, actor, ct).ConfigureAwait(false);
    }

    /// <summary>Each environment configured, in the promotion order (a release's path, or a template's).</summary>
    public void CheckEnvironments(IReadOnlyList<string?> envs, ValidationErrors errors, string field = "environments")
    {
        ArgumentNullException.ThrowIfNull(envs);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.IsValid;
        for (var i = 0; i < envs.Count; i++)
        {
            if (policies.Find(envs[i]) is null)
            {
                errors.Add($"{field}[{i}]", envs[i] is null
                    ? $"is required: one of {string.Join(", ", policies.All.Select(p => p.Name))}."
                    : $"'{envs[i]}' is not a configured environment ({string.Join(", ", policies.All.Select(p => p.Name))}).");
            }
        }
        var order = policies.All.Select(p => p.Name).ToList();
        if (errors.IsValid && before && !envs.Select(e => order.IndexOf(e!)).SequenceEqual(envs.Select(e => order.IndexOf(e!)).Order()))
        {
            errors.Add(field, $"must follow the promotion order {string.Join(" -> ", order)}.");
        }
    }

    /// <summary>
    /// Journals and announces the request, then starts the release's execution (named after the release, so a second
    /// start finds the first). Every step is safe to repeat.
    /// </summary>
    private async Task<Release> StartAsync(Release release, string actor, CancellationToken ct)
    {
        var envs = release.Environments;
        var now = clock.GetUtcNow();
        var details = new Dictionary<string, string> { ["bundleDigest"] = release.Bundle!.Digest, ["environments"] = string.Join(",", envs) };
        if (release.Template is { } template)
        {
            details["template"] = template.Name;
        }
        await journal.RecordAsync(release, null, "requested", "release.requested",
            $"{actor} requested {release.Model} v{release.Version} for {string.Join(" -> ", envs)} (bundle {release.Bundle!.Digest})"
            + (release.Template is { } t ? $" from template {t.Name}." : "."), actor, now, ct, details,
            new ReleaseRequested(release.Id, release.Model, release.Version.ToString(CultureInfo.InvariantCulture), string.Join(",", envs), actor, release.Bundle!.Digest)
            {
                Template = release.Template?.Name ?? "",
                Notify = string.Join(",", release.Template?.Notify ?? []),
            })
            .ConfigureAwait(false);

        var stateMachineArn = settings.ReleaseStateMachineArn ?? throw new InvalidOperationException("No release state machine is configured.");
        string executionArn;
        try
        {
            var input = JsonSerializer.Serialize(new Dictionary<string, string> { ["releaseId"] = release.Id }, WorkflowJsonContext.Default.DictionaryStringString);
            executionArn = (await stepFunctions.StartExecutionAsync(new StartExecutionRequest(stateMachineArn) { Name = release.Id, Input = input }, ct)
                .ConfigureAwait(false)).ExecutionArn;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == StepFunctionsErrors.ExecutionAlreadyExists)
        {
            // Started by the attempt that crashed before it could save the ARN.
            executionArn = StepFunctionsArns.Execution(stateMachineArn, release.Id);
        }
        catch (AmazonServiceException ex)
        {
            await SaveAsync(release.Id, r => r.MoveTo(ReleaseStatus.Failed, clock.GetUtcNow()), ct).ConfigureAwait(false);
            throw new RequestRefusedException(RefusalKind.Unavailable, "Workflow unavailable", $"The release workflow could not be started ({ex.ErrorCode}); the release is marked Failed.");
        }
        return await SaveAsync(release.Id, r => r with { ExecutionArn = executionArn }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Records one reviewer's vote on the stage that is waiting (<see cref="ApprovalGate"/>). The vote
    /// that satisfies the policy, or the first rejection, also decides the stage in the same
    /// conditional write; only that writer completes the waiting task, so it is completed exactly
    /// once however votes race. A repeated vote by the same person changes nothing.
    /// </summary>
    public async Task<ApprovalState> DecideAsync(string releaseId, string actor, IReadOnlySet<string> groups, string decision, string? comment,
        Evidence? evidence, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Release '{releaseId}' does not exist.");
        var waiting = release.Stages.FirstOrDefault(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is null);
        if (waiting is null)
        {
            // A stage decided earlier whose workflow never heard of it: a vote is a good moment to deliver again.
            if (Undelivered(release) is { } decided)
            {
                await TryDeliverAsync(release, decided.Environment, ct).ConfigureAwait(false);
            }
            throw new RequestRefusedException(RefusalKind.Conflict, "Not awaiting approval", $"Release {releaseId} is {release.Status}; no stage is waiting for approval.");
        }
        var environment = waiting.Environment;
        // An approver group counts globally ("approvers-prod") or in the model's project ("payments:approvers-prod").
        groups = ProjectRoles.In(groups, await projects.GetAsync(release.Model, ct).ConfigureAwait(false));
        var policy = (await policyService.ForReleaseAsync(release, environment, ct).ConfigureAwait(false)).Policy.Approval;
        var now = clock.GetUtcNow();
        VoteOutcome? outcome = null;
        var saved = await SaveAsync(releaseId, r =>
        {
            outcome = ApprovalGate.Vote(r, r.Stage(environment), policy, actor, groups, decision, comment, evidence, now);
            return outcome.Refusal == VoteRefusal.None ? r.WithStage(environment, _ => outcome.Stage, now) : null;
        }, ct).ConfigureAwait(false);

        switch (outcome!.Refusal)
        {
            case VoteRefusal.None when outcome.Decided is not null:
                // Stored with the decision in one write; delivery is at least once (here, on a later vote, or by the reconciler).
                await TryDeliverAsync(saved, environment, ct).ConfigureAwait(false);
                break;
            case VoteRefusal.None:
                await JournalVoteAsync(saved, environment, outcome.Stage.Approvals[^1], ct).ConfigureAwait(false);
                break;
            case VoteRefusal.AlreadyVoted:
                // One person counts once: answering the current state makes a retried vote harmless. The retry
                // may follow a failure after the vote was stored, so its audit entry is written if it is missing.
                await JournalVoteAsync(saved, environment, saved.Stage(environment).Approvals.First(a => a.By == actor), ct).ConfigureAwait(false);
                break;
            case VoteRefusal.NotAnApprover:
                throw new RequestRefusedException(RefusalKind.Forbidden, "Not an approver", outcome.Reason);
            case VoteRefusal.SelfApproval:
                throw new RequestRefusedException(RefusalKind.Forbidden, "Self-approval", outcome.Reason);
            case VoteRefusal.StaleEvidence:
                throw new RequestRefusedException(RefusalKind.Conflict, "Stale evidence", outcome.Reason);
            default:
                throw new RequestRefusedException(RefusalKind.Conflict, "Not awaiting approval", outcome.Reason);
        }
        var stage = saved.Stage(environment);
        return new ApprovalState(environment, policy.Required, stage.Approvals, ApprovalGate.Remaining(stage, policy), stage.Decision);
    }

    /// <summary>
    /// The reconciler's part for approvals: every stage whose decision was stored at least
    /// <paramref name="minAge"/> ago but that still waits (its delivery failed after the vote was
    /// saved) is delivered again. Returns how many deliveries it made.
    /// </summary>
    public async Task<int> DeliverDecisionsAsync(TimeSpan minAge, CancellationToken ct)
    {
        var delivered = 0;
        var now = clock.GetUtcNow();
        string? cursor = null;
        do
        {
            var page = await registry.ListReleasesAsync(null, 100, cursor, ct, new ReleaseFilter(ReleaseStatus.AwaitingApproval)).ConfigureAwait(false);
            foreach (var release in page.Items)
            {
                if (Undelivered(release) is not { } stage || DecidingVote(stage).At + minAge > now)
                {
                    continue;
                }
                try
                {
                    delivered += await TryDeliverAsync(release, stage.Environment, ct).ConfigureAwait(false) ? 1 : 0;
                }
                catch (RequestRefusedException)
                {
                    // The wait ended meanwhile (expired or stopped): nothing is left to deliver to.
                }
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return delivered;
    }

    private static ReleaseStage? Undelivered(Release release) =>
        release.Stages.FirstOrDefault(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is not null);

    /// <summary>The vote that decided the stage: the last approval for "approved", the rejection for "rejected".</summary>
    private static ApprovalRecord DecidingVote(ReleaseStage stage) =>
        stage.Approvals.Last(a => a.Decision == (stage.Decision == "approved" ? ApprovalGate.Approve : ApprovalGate.Reject));

    /// <summary>
    /// Audits the deciding vote (once) and completes the waiting task with the stage's decision.
    /// Safe to repeat: a task completed already answers that its window is closed, which means
    /// delivered. A transient failure leaves it for a later try; true when it was delivered now.
    /// </summary>
    private async Task<bool> TryDeliverAsync(Release release, string environment, CancellationToken ct)
    {
        var stage = release.Stage(environment);
        var vote = DecidingVote(stage);
        await JournalVoteAsync(release, environment, vote, ct).ConfigureAwait(false);
        var token = await workflow.GetTaskTokenAsync(release.Id, environment, ct).ConfigureAwait(false);
        if (token is null)
        {
            return false; // the wait task stores its token before the stage waits; nothing to complete yet
        }
        try
        {
            await ApprovalTasks.CompleteAsync(stepFunctions, token, stage.Decision!, vote.By, vote.Comment, environment, ct).ConfigureAwait(false);
            return true;
        }
        catch (AmazonServiceException ex) when (Aws.Clients.TransientErrors.IsTransient(ex))
        {
            return false; // the vote stands; the reconciler delivers it
        }
    }

    private Task JournalVoteAsync(Release release, string environment, ApprovalRecord vote, CancellationToken ct) =>
        journal.RecordAsync(release, environment, $"{vote.Decision}-{vote.By}", vote.Decision == ApprovalGate.Approve ? "release.approved" : "release.rejected",
            $"{vote.By} {(vote.Decision == ApprovalGate.Approve ? "approved" : "rejected")} {environment}" + (vote.Comment is null ? "." : $": {vote.Comment}"), vote.By, vote.At, ct,
            new Dictionary<string, string>
            {
                ["bundleDigest"] = vote.BundleDigest,
                ["evaluationDigest"] = vote.EvaluationDigest,
                ["decided"] = release.Stage(environment).Decision is { } d && vote == DecidingVote(release.Stage(environment)) ? d : "",
            });

    /// <summary>
    /// Stages waiting for approval that <paramref name="actor"/> may vote on now: in one of their
    /// groups, not their own release, not voted yet. Reads the catalog index for AwaitingApproval
    /// releases (bounded: at most <paramref name="scanLimit"/> releases are looked at).
    /// </summary>
    public async Task<IReadOnlyList<PendingApproval>> PendingForAsync(string actor, IReadOnlySet<string> groups, CancellationToken ct, int scanLimit = 1000)
    {
        var pending = new List<PendingApproval>();
        string? cursor = null;
        var seen = 0;
        do
        {
            var page = await registry.ListReleasesAsync(null, 100, cursor, ct, new ReleaseFilter(ReleaseStatus.AwaitingApproval)).ConfigureAwait(false);
            foreach (var release in page.Items)
            {
                var stage = release.Stages.FirstOrDefault(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is null);
                if (stage is null || release.IsRequestedBy(actor) || stage.Approvals.Any(a => a.By == actor))
                {
                    continue;
                }
                // The stage records its policy's approvers and timeout at its evaluation; older stages resolve it again.
                var policy = stage is { ApproverGroups.Count: > 0, ApprovalTimeoutSeconds: { } timeout }
                    ? new ApprovalPolicy(stage.RequiredApprovals, stage.ApproverGroups, timeout)
                    : (await policyService.ForReleaseAsync(release, stage.Environment, ct).ConfigureAwait(false)).Policy.Approval;
                var held = ProjectRoles.In(groups, await projects.GetAsync(release.Model, ct).ConfigureAwait(false));
                if (policy.Groups.Any(held.Contains))
                {
                    pending.Add(new PendingApproval(release.Id, release.Model, release.Version, stage.Environment, release.RequestedBy, policy.Required,
                        ApprovalGate.Remaining(stage, policy), stage.Approvals, release.Bundle?.Digest ?? "", stage.EvaluationDigest, stage.Evaluation,
                        $"/v1/releases/{release.Id}/approvals")
                    {
                        ApprovalRequestedAt = stage.ApprovalRequestedAt,
                        ExpiresAt = ApprovalExpiresAt(stage, policy),
                        ApproverGroups = policy.Groups,
                    });
                }
            }
            seen += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && seen < scanLimit);
        return pending;
    }

    /// <summary>When a waiting stage expires without a decision: the request time plus the policy's timeout.</summary>
    private static DateTimeOffset? ApprovalExpiresAt(ReleaseStage stage, ApprovalPolicy policy) =>
        stage.ApprovalRequestedAt?.AddSeconds(Math.Max(1, policy.TimeoutSeconds));

    /// <summary>
    /// Whether <paramref name="actor"/> may vote on the stage of <paramref name="releaseId"/> that waits now, and
    /// every reason they may not (the same rules and words as a vote's refusal, all of them at once).
    /// </summary>
    public async Task<VoteEligibility> EligibilityAsync(string releaseId, string actor, IReadOnlySet<string> groups, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Release '{releaseId}' does not exist.");
        var stage = release.Stages.FirstOrDefault(s => s.Status == ReleaseStatus.AwaitingApproval && s.Decision is null);
        var policy = stage is null ? null : (await policyService.ForReleaseAsync(release, stage.Environment, ct).ConfigureAwait(false)).Policy.Approval;
        groups = ProjectRoles.In(groups, await projects.GetAsync(release.Model, ct).ConfigureAwait(false));
        var reasons = ApprovalGate.Eligibility(release, stage, policy, actor, groups)
            .Select(r => new EligibilityReason(r.Refusal.ToString(), r.Reason)).ToArray();
        return new VoteEligibility(release.Id, stage?.Environment, actor, reasons.Length == 0, reasons)
        {
            Required = policy?.Required,
            Remaining = stage is null || policy is null ? null : ApprovalGate.Remaining(stage, policy),
            ApproverGroups = policy?.Groups ?? [],
            ExpiresAt = stage is null || policy is null ? null : ApprovalExpiresAt(stage, policy),
        };
    }

    /// <summary>
    /// Cancels a release: its execution is stopped first (if that fails, nothing changed and the
    /// caller may retry), then the release is Cancelled. An environment whose deployment had begun
    /// stays locked until the reconciler has put its endpoint back on what served before (once no
    /// task of the stopped execution can still be running, and SageMaker lets the endpoint change).
    /// </summary>
    public async Task<Release> CancelAsync(string releaseId, string actor, string reason, CancellationToken ct)
    {
        var release = await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Release '{releaseId}' does not exist.");
        if (release.Status.IsTerminal())
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Already finished", $"Release {releaseId} is {release.Status}; there is nothing to cancel.");
        }
        if (release.ExecutionArn is { } arn)
        {
            try
            {
                await stepFunctions.StopExecutionAsync(new StopExecutionRequest(arn) { Error = WorkflowErrors.Cancelled, Cause = $"{actor}: {reason}" }, ct)
                    .ConfigureAwait(false);
            }
            catch (AmazonServiceException ex) when (ex.ErrorCode != StepFunctionsErrors.ExecutionDoesNotExist)
            {
                throw new RequestRefusedException(RefusalKind.Unavailable, "Workflow unavailable", $"The release's execution could not be stopped ({ex.ErrorCode}); nothing changed, try again.");
            }
        }
        var now = clock.GetUtcNow();
        IReadOnlyList<string> deploying = [];
        release = await SaveAsync(releaseId, r =>
        {
            if (r.Status.IsTerminal())
            {
                return null;
            }
            // Read in the same revision-checked write: a deploy step that saves its deployment later sees Cancelled and stops.
            deploying = r.Stages.Where(s => s.Deployment is { CompletedAt: null }).Select(s => s.Environment).ToArray();
            var next = r;
            foreach (var s in r.Stages.Where(s => !s.Status.IsTerminal()))
            {
                next = next.MoveStage(s.Environment, ReleaseStatus.Cancelled, now);
            }
            return next.MoveTo(ReleaseStatus.Cancelled, now);
        }, ct).ConfigureAwait(false);
        if (release.Status != ReleaseStatus.Cancelled)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Already finished", $"Release {releaseId} ended {release.Status} first.");
        }
        foreach (var environment in release.Environments.Except(deploying))
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        await journal.RecordAsync(release, null, "cancelled", "release.cancelled", $"{actor} cancelled the release: {reason}" + (deploying.Count == 0 ? ""
            : $" The deployment under way in {string.Join(", ", deploying)} is undone (the endpoint goes back on what served before) and the environment stays locked until then."),
            actor, now, ct, announce: new ReleaseCancelled(releaseId, release.Model, actor)).ConfigureAwait(false);
        return release;
    }

    /// <summary>Our own timeline joined with the Step Functions execution history, oldest first.</summary>
    public async Task<IReadOnlyList<HistoryItem>> HistoryAsync(Release release, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        var items = (await workflow.ListTimelineAsync(release.Id, ct).ConfigureAwait(false))
            .Select(t => new HistoryItem(t.At, "release-center", t.Step, t.Environment, t.Message)).ToList();
        if (release.ExecutionArn is { } arn)
        {
            string? next = null;
            do
            {
                var page = await stepFunctions.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn) { NextToken = next }, ct).ConfigureAwait(false);
                foreach (var e in page.Events ?? [])
                {
                    var state = e.StateEnteredEventDetails?.Name ?? e.StateExitedEventDetails?.Name;
                    var message = state is not null ? $"{e.Type}: {state}"
                        : e.ExecutionFailedEventDetails is { } f ? $"{e.Type}: {f.Error} {f.Cause}"
                        : e.ExecutionAbortedEventDetails is { } a ? $"{e.Type}: {a.Error} {a.Cause}"
                        : e.Type;
                    items.Add(new HistoryItem(e.Timestamp, "step-functions", e.Type, null, message));
                }
                next = page.NextToken;
            }
            while (!string.IsNullOrEmpty(next));
        }
        return items.OrderBy(i => i.At).ToArray();
    }

    private async Task<Release> SaveAsync(string releaseId, Func<Release, Release?> change, CancellationToken ct)
    {
        try
        {
            return await registry.UpdateReleaseAsync(releaseId, change, ct).ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            throw new RequestRefusedException(RefusalKind.NotFound, "Not found", ex.Message);
        }
    }

    /// <summary>rel-{UTC time}-{random}: sortable, unique, and a valid Step Functions execution name.</summary>
    private static string NewId(DateTimeOffset now) =>
        $"rel-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
