using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Drift;

/// <summary>
/// A model's retraining policy: whether drift may start its training pipeline, how often
/// (a cooldown after each start, a cap per UTC day), how long the pipeline may run, and whether
/// the new version gets a release (which then passes the normal gates and approvals).
/// </summary>
public sealed record RetrainingPolicy(
    string Model,
    bool Enabled,
    string? PipelineName,
    int CooldownSeconds,
    int MaxPerDay,
    int PipelineTimeoutSeconds,
    bool OpenRelease,
    IReadOnlyList<string>? ReleaseEnvironments,
    string? UpdatedBy,
    DateTimeOffset? UpdatedAt)
{
    public const int DefaultCooldownSeconds = 6 * 3600;
    public const int DefaultMaxPerDay = 2;
    public const int DefaultPipelineTimeoutSeconds = 4 * 3600;

    /// <summary>Until someone sets a policy, drift never retrains.</summary>
    public static RetrainingPolicy Off(string model) =>
        new(model, false, null, DefaultCooldownSeconds, DefaultMaxPerDay, DefaultPipelineTimeoutSeconds, false, null, null, null);

    /// <summary>Checks a policy request; throws <see cref="DomainValidationException"/> naming each bad field.</summary>
    public static RetrainingPolicy Create(string model, bool? enabled, string? pipelineName, int? cooldownSeconds, int? maxPerDay, int? pipelineTimeoutSeconds,
        bool? openRelease, IReadOnlyList<string>? releaseEnvironments, IReadOnlyCollection<string> knownEnvironments, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(knownEnvironments);
        var errors = new ValidationErrors();
        if (enabled is null)
        {
            errors.Add("enabled", "is required: true or false.");
        }
        if (enabled == true)
        {
            errors.Check("pipelineName", string.IsNullOrWhiteSpace(pipelineName) ? "is required when enabled: the SageMaker pipeline that trains the model." : null);
        }
        if (pipelineName is not null && !System.Text.RegularExpressions.Regex.IsMatch(pipelineName, "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"))
        {
            errors.Add("pipelineName", "must be a SageMaker pipeline name: letters, digits and '-', 1 to 256 characters.");
        }
        if (cooldownSeconds is < 0 or > 30 * 86400)
        {
            errors.Add("cooldownSeconds", "must be between 0 and 2592000 (30 days).");
        }
        if (maxPerDay is < 1 or > 100)
        {
            errors.Add("maxPerDay", "must be between 1 and 100.");
        }
        if (pipelineTimeoutSeconds is < 60 or > 7 * 86400)
        {
            errors.Add("pipelineTimeoutSeconds", "must be between 60 and 604800 (7 days).");
        }
        for (var i = 0; i < (releaseEnvironments?.Count ?? 0); i++)
        {
            if (!knownEnvironments.Contains(releaseEnvironments![i]))
            {
                errors.Add($"releaseEnvironments[{i}]", $"'{releaseEnvironments[i]}' is not a configured environment ({string.Join(", ", knownEnvironments)}).");
            }
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        return new RetrainingPolicy(model, enabled!.Value, pipelineName, cooldownSeconds ?? DefaultCooldownSeconds, maxPerDay ?? DefaultMaxPerDay,
            pipelineTimeoutSeconds ?? DefaultPipelineTimeoutSeconds, openRelease ?? false, releaseEnvironments, actor, now);
    }
}

/// <summary>Where one drift report's retraining is. Skipped, ReleaseOpened, Registered (without a release) and Failed are final.</summary>
public enum RetrainStatus
{
    Skipped,
    Training,
    Registered,
    ReleaseOpened,
    Failed,
}

/// <summary>
/// The retraining started (or not) by one drift report, named after it: the decision and why,
/// the pipeline execution, the version it registered and the release opened for it.
/// </summary>
public sealed record RetrainRun(string DriftReportId, string Model, RetrainStatus Status, bool Proceed, string Reason, DateTimeOffset DecidedAt)
{
    public long Revision { get; init; }
    public string? PipelineName { get; init; }
    public string? PipelineExecutionArn { get; init; }
    public DateTimeOffset? PipelineStartedAt { get; init; }
    public int? Version { get; init; }
    public string? ReleaseId { get; init; }
    public string? Failure { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Why a retrain may not start now, from the model's retraining state.</summary>
public sealed record RetrainClaim(bool Granted, string Reason);
