namespace ReleaseCenter.Domain.Drift;

/// <summary>
/// A drift report as stored: which model and environment, who or what sent it, and its evaluation
/// under the model's thresholds at the time. Immutable once written.
/// </summary>
/// <param name="Source">"api" for reports posted with distributions; other sources are drift signals normalized from AWS.</param>
public sealed record DriftReportRecord(
    string Id,
    string Model,
    string Environment,
    string Source,
    DateTimeOffset ReceivedAt,
    string SubmittedBy,
    DriftReport Evaluation)
{
    public bool Drifted => Evaluation.Drifted;

    /// <summary>For a report made from a drift signal AWS raised (Source is not "api"): what raised it and why.</summary>
    public AwsDriftSignal? Signal { get; init; }

    /// <summary>The drifted features, for events and messages.</summary>
    public IReadOnlyList<string> DriftedFeatures => Signal is { Feature: { } feature }
        ? [feature]
        : Evaluation.Features.Where(f => f.Verdict == DriftVerdict.Drifted).Select(f => f.Feature).ToArray();
}

/// <summary>A model's drift thresholds, as set through the API (the defaults until someone sets them).</summary>
public sealed record DriftPolicy(string Model, DriftThresholds Thresholds, string? UpdatedBy, DateTimeOffset? UpdatedAt)
{
    public static DriftPolicy Default(string model) => new(model, DriftThresholds.Default, null, null);
}
