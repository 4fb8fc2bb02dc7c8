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

public sealed record ReleaseStage(string Environment, ReleaseStatus Status);
