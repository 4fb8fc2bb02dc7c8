using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Releases;

/// <summary>
/// A release of one model version through an ordered list of environments. Status changes go
/// through <see cref="MoveTo"/>, which enforces <see cref="ReleaseTransitions"/>. <see cref="Revision"/>
/// is the optimistic-concurrency counter the store checks on every write.
/// </summary>
public sealed record Release(
    string Id,
    string Model,
    int Version,
    IReadOnlyList<string> Environments,
    string? Notes,
    ReleaseStatus Status,
    IReadOnlyList<ReleaseStage> Stages,
    string RequestedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ExecutionArn,
    long Revision)
{
    /// <summary>Frozen at creation; null only for releases built in unit tests without a version.</summary>
    public Bundle? Bundle { get; init; }

    /// <summary>The policy versions the release runs under, recorded when it was requested (null: requested before policies were versioned, it runs under the environments' defaults).</summary>
    public Policies.PolicyPin? Policy { get; init; }

    /// <summary>The template the release was requested from, as it was then (null: requested without one).</summary>
    public TemplateUse? Template { get; init; }

    /// <summary>
    /// People who count as requesters besides <see cref="RequestedBy"/>: for a release that
    /// automation opened (retraining), the humans behind it (who submitted the drift report, who
    /// last set the retraining policy). None of them may approve it.
    /// </summary>
    public IReadOnlyList<string> AlsoRequestedBy { get; init; } = [];

    /// <summary>Whether <paramref name="person"/> asked for this release, directly or through automation they set in motion.</summary>
    public bool IsRequestedBy(string person) =>
        string.Equals(person, RequestedBy, StringComparison.Ordinal) || AlsoRequestedBy.Contains(person, StringComparer.Ordinal);

    public ReleaseStage Stage(string environment) =>
        Stages.FirstOrDefault(s => s.Environment == environment) ?? throw new ArgumentException($"Release {Id} has no stage '{environment}'.", nameof(environment));

    /// <summary>Replaces one stage's details (not its status: that goes through <see cref="MoveStage"/>).</summary>
    public Release WithStage(string environment, Func<ReleaseStage, ReleaseStage> change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        var stages = Stages.ToArray();
        var index = Array.FindIndex(stages, s => s.Environment == environment);
        if (index < 0)
        {
            throw new ArgumentException($"Release {Id} has no stage '{environment}'.", nameof(environment));
        }
        var changed = change(stages[index]);
        if (changed.Status != stages[index].Status)
        {
            throw new InvalidOperationException("Stage status changes go through MoveStage.");
        }
        stages[index] = changed;
        return this with { Stages = stages, UpdatedAt = now };
    }

    public static readonly IReadOnlyList<string> DefaultEnvironments = ["dev", "staging", "prod"];

    public static Release Create(string id, string model, int version, IReadOnlyList<string>? environments, string? notes,
        string requestedBy, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Check("model", Rules.ResourceName(model));
        if (version < 1)
        {
            errors.Add("version", "must be a version number of 1 or more.");
        }
        var envs = environments ?? DefaultEnvironments;
        if (envs.Count == 0)
        {
            errors.Add("environments", "must name at least one environment.");
        }
        for (var i = 0; i < envs.Count; i++)
        {
            errors.Check($"environments[{i}]", Rules.ResourceName(envs[i]));
        }
        if (envs.Distinct(StringComparer.Ordinal).Count() != envs.Count)
        {
            errors.Add("environments", "must not repeat an environment.");
        }
        errors.Check("notes", Rules.OptionalText(notes, 4000));
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var stages = envs.Select(e => new ReleaseStage(e, ReleaseStatus.Pending)).ToArray();
        return new Release(id, model, version, envs.ToArray(), notes, ReleaseStatus.Pending, stages, requestedBy, now, now, null, 0);
    }

    /// <summary>Returns the release in its new status; an illegal change throws.</summary>
    public Release MoveTo(ReleaseStatus next, DateTimeOffset now)
    {
        if (!ReleaseTransitions.CanMove(Status, next))
        {
            throw new InvalidTransitionException($"Release {Id}", Status, next);
        }
        return this with { Status = next, UpdatedAt = now };
    }

    /// <summary>Moves one stage; the stage obeys the same transition table as the release.</summary>
    public Release MoveStage(string environment, ReleaseStatus next, DateTimeOffset now)
    {
        var index = Stages.ToList().FindIndex(s => s.Environment == environment);
        if (index < 0)
        {
            throw new ArgumentException($"Release {Id} has no stage '{environment}'.", nameof(environment));
        }
        var stage = Stages[index];
        if (!ReleaseTransitions.CanMove(stage.Status, next))
        {
            throw new InvalidTransitionException($"Stage {environment} of release {Id}", stage.Status, next);
        }
        var stages = Stages.ToArray();
        stages[index] = stage with { Status = next };
        return this with { Stages = stages, UpdatedAt = now };
    }
}

public sealed record ReleaseStage(string Environment, ReleaseStatus Status)
{
    public bool RequiresApproval { get; init; }
    public int RequiredApprovals { get; init; }

    /// <summary>The stage enters without approval because its policy promotes automatically ("autoPromote"); a hold after a manual rollback still stops it at the door.</summary>
    public bool AutoPromoted { get; init; }
    public EvaluationReport? Evaluation { get; init; }
    public IReadOnlyList<ApprovalRecord> Approvals { get; init; } = [];

    /// <summary>"approved" or "rejected" once the stage's approval gate is decided; set in the same conditional write as the deciding vote, so the waiting task is completed exactly once.</summary>
    public string? Decision { get; init; }

    /// <summary>When the stage started waiting for approval (reminders count from here).</summary>
    public DateTimeOffset? ApprovalRequestedAt { get; init; }

    /// <summary>
    /// The approver groups, approval timeout and deployment strategy of the stage's policy (the versions the release
    /// recorded, with its template), written with its evaluation so that a reader need not resolve the policy again;
    /// empty and null on stages recorded before they were.
    /// </summary>
    public IReadOnlyList<string> ApproverGroups { get; init; } = [];
    public int? ApprovalTimeoutSeconds { get; init; }
    public StrategySummary? Strategy { get; init; }

    /// <summary>When the waiting stage expires without a decision: the approval request plus its policy's timeout.</summary>
    public DateTimeOffset? ApprovalExpiresAt => ApprovalRequestedAt is { } at && ApprovalTimeoutSeconds is { } timeout ? at.AddSeconds(Math.Max(1, timeout)) : null;

    /// <summary>What a reviewer names as the evaluation they judged (see <see cref="ApprovalGate"/>).</summary>
    public string EvaluationDigest => ApprovalGate.EvaluationDigest(Evaluation);
    public DeploymentRecord? Deployment { get; init; }
    public VerificationRecord? Verification { get; init; }
    public FailureRecord? Failure { get; init; }

    /// <summary>While the stage waits at its environment's door (<see cref="EnvironmentDoor"/>): why, and until when if known; null once it entered.</summary>
    public StageWait? Waiting { get; init; }
}

/// <param name="Kind">"freeze" or "soak".</param>
/// <param name="Until">When the wait ends by itself (a soak, a freeze with an end); null while a freeze has none.</param>
public sealed record StageWait(string Kind, string Reason, DateTimeOffset? Until, DateTimeOffset Since);
