using System.Text.Json.Serialization;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Drift;

/// <summary>How far a feature has moved from its baseline.</summary>
public enum DriftVerdict
{
    /// <summary>PSI below the warning threshold and, if tested, KS not significant.</summary>
    [JsonStringEnumMemberName("stable")]
    Stable,

    /// <summary>PSI at or above the warning threshold but below the alert threshold; KS not significant.</summary>
    [JsonStringEnumMemberName("moderate")]
    Moderate,

    /// <summary>PSI at or above the alert threshold, or the KS p-value below alpha.</summary>
    [JsonStringEnumMemberName("drifted")]
    Drifted,
}

/// <summary>
/// When a feature counts as moved. Defaults are the usual PSI rule of thumb (below 0.1 no
/// significant change, 0.1 to 0.25 moderate, 0.25 and above significant) and a 5 % KS test.
/// </summary>
/// <param name="PsiWarn">PSI at or above this is at least <see cref="DriftVerdict.Moderate"/>.</param>
/// <param name="PsiAlert">PSI at or above this is <see cref="DriftVerdict.Drifted"/>.</param>
/// <param name="KsAlpha">A KS p-value strictly below this is <see cref="DriftVerdict.Drifted"/>.</param>
public sealed record DriftThresholds(double PsiWarn = 0.1, double PsiAlert = 0.25, double KsAlpha = 0.05)
{
    /// <summary>0.1 / 0.25 / 0.05.</summary>
    public static DriftThresholds Default { get; } = new();
}

/// <summary>
/// One side of a feature's comparison: bin counts over bins shared with the other side, raw
/// samples, or both. Bins give PSI over those bins; samples give the KS test, and PSI over the
/// baseline's deciles when there are no bins (see <see cref="PopulationStabilityIndex"/>).
/// </summary>
/// <param name="Bins">Counts (or proportions) per bin; the other side's bins must be the same bins.</param>
/// <param name="Samples">Raw observed values.</param>
public sealed record ObservedDistribution(IReadOnlyList<double>? Bins = null, IReadOnlyList<double>? Samples = null);

/// <summary>A feature's baseline (training or reference window) and current (production) distributions.</summary>
public sealed record FeatureDistributions(string Feature, ObservedDistribution Baseline, ObservedDistribution Current);

/// <summary>The drift statistics and verdict of one feature, as stored in a drift report.</summary>
/// <param name="Feature">The feature's name.</param>
/// <param name="Psi">Population Stability Index of current against baseline.</param>
/// <param name="KsStatistic">Two-sample KS statistic D, when both sides gave samples.</param>
/// <param name="KsPValue">Its two-sided p-value (SciPy's ks_2samp default method), when both sides gave samples.</param>
/// <param name="Verdict">The worst verdict any statistic gives.</param>
/// <param name="Reasons">Why the verdict is not <see cref="DriftVerdict.Stable"/>; empty when it is.</param>
/// <param name="Bins">The bin proportions PSI was computed over, so a reader can see what moved; null in reports stored before they were kept.</param>
public sealed record FeatureDrift(string Feature, double Psi, double? KsStatistic, double? KsPValue, DriftVerdict Verdict, IReadOnlyList<string> Reasons,
    DriftBins? Bins = null);

/// <summary>
/// The two distributions PSI compared, as proportions per bin (each side sums to 1).
/// </summary>
/// <param name="Baseline">The baseline's share of each bin.</param>
/// <param name="Current">The current distribution's share of each bin.</param>
/// <param name="Edges">The inner bin edges when the bins were made from samples (the baseline's deciles, see
/// <see cref="PopulationStabilityIndex.QuantileEdges"/>); null when the report gave its own bins.</param>
public sealed record DriftBins(IReadOnlyList<double> Baseline, IReadOnlyList<double> Current, IReadOnlyList<double>? Edges);

/// <summary>The evaluation of a whole drift report.</summary>
/// <param name="Drifted">Whether any feature is <see cref="DriftVerdict.Drifted"/>: what triggers retraining.</param>
/// <param name="Verdict">The worst feature verdict.</param>
/// <param name="Features">Per-feature results, in input order.</param>
/// <param name="Thresholds">The thresholds the verdicts were taken against.</param>
public sealed record DriftReport(bool Drifted, DriftVerdict Verdict, IReadOnlyList<FeatureDrift> Features, DriftThresholds Thresholds);

/// <summary>
/// Turns the distributions of a drift report into per-feature statistics and verdicts. Pure:
/// the caller loads the distributions and stores or announces the result.
/// </summary>
public static class DriftEvaluation
{
    /// <summary>
    /// Evaluates every feature against <paramref name="thresholds"/>. Throws
    /// <see cref="DomainValidationException"/> naming each bad field (for example
    /// "features[2].current.bins") when the input is not usable.
    /// </summary>
    public static DriftReport Evaluate(IReadOnlyList<FeatureDistributions> features, DriftThresholds thresholds)
    {
        var errors = new ValidationErrors();
        ValidateThresholds(errors, thresholds);
        ValidateFeatures(errors, features);
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }

        var results = features.Select(f => EvaluateFeature(f, thresholds)).ToArray();
        var worst = results.Length == 0 ? DriftVerdict.Stable : results.Max(r => r.Verdict);
        return new DriftReport(worst == DriftVerdict.Drifted, worst, results, thresholds);
    }

    private static FeatureDrift EvaluateFeature(FeatureDistributions feature, DriftThresholds thresholds)
    {
        var baseline = feature.Baseline;
        var current = feature.Current;
        double psi;
        DriftBins bins;
        if (baseline.Bins is not null && current.Bins is not null)
        {
            psi = PopulationStabilityIndex.FromCounts(baseline.Bins, current.Bins);
            bins = new DriftBins(PopulationStabilityIndex.Proportions(baseline.Bins), PopulationStabilityIndex.Proportions(current.Bins), null);
        }
        else
        {
            // The same binning FromSamples does, kept so the report can show it.
            var edges = PopulationStabilityIndex.QuantileEdges(baseline.Samples!);
            var baselineCounts = PopulationStabilityIndex.Histogram(baseline.Samples!, edges);
            var currentCounts = PopulationStabilityIndex.Histogram(current.Samples!, edges);
            psi = PopulationStabilityIndex.FromCounts(baselineCounts, currentCounts);
            bins = new DriftBins(PopulationStabilityIndex.Proportions(baselineCounts), PopulationStabilityIndex.Proportions(currentCounts), edges);
        }

        var verdict = DriftVerdict.Stable;
        var reasons = new List<string>();
        if (psi >= thresholds.PsiAlert)
        {
            verdict = DriftVerdict.Drifted;
            reasons.Add($"PSI {psi:0.####} is at or above the alert threshold {thresholds.PsiAlert}");
        }
        else if (psi >= thresholds.PsiWarn)
        {
            verdict = DriftVerdict.Moderate;
            reasons.Add($"PSI {psi:0.####} is at or above the warning threshold {thresholds.PsiWarn}");
        }

        KsTestResult? ks = null;
        if (baseline.Samples is not null && current.Samples is not null)
        {
            ks = KolmogorovSmirnov.TwoSample(baseline.Samples, current.Samples);
            if (ks.PValue < thresholds.KsAlpha)
            {
                verdict = DriftVerdict.Drifted;
                reasons.Add($"KS p-value {ks.PValue:G4} is below alpha {thresholds.KsAlpha} (D = {ks.Statistic:0.####})");
            }
        }

        return new FeatureDrift(feature.Feature, psi, ks?.Statistic, ks?.PValue, verdict, reasons, bins);
    }

    /// <summary>Adds an error per bad threshold, named <paramref name="prefix"/> + field ("thresholds.psiAlert" in a report, "psiAlert" in a policy).</summary>
    public static void ValidateThresholds(ValidationErrors errors, DriftThresholds? thresholds, string prefix = "thresholds.")
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (thresholds is null)
        {
            errors.Add(prefix.TrimEnd('.'), "is required.");
            return;
        }
        if (!(double.IsFinite(thresholds.PsiWarn) && thresholds.PsiWarn > 0))
        {
            errors.Add(prefix + "psiWarn", "must be a positive finite number.");
        }
        if (!(double.IsFinite(thresholds.PsiAlert) && thresholds.PsiAlert > 0))
        {
            errors.Add(prefix + "psiAlert", "must be a positive finite number.");
        }
        else if (thresholds.PsiAlert < thresholds.PsiWarn)
        {
            errors.Add(prefix + "psiAlert", "must not be below psiWarn.");
        }
        if (!(thresholds.KsAlpha is > 0 and < 1))
        {
            errors.Add(prefix + "ksAlpha", "must be between 0 and 1, exclusive.");
        }
    }

    private static void ValidateFeatures(ValidationErrors errors, IReadOnlyList<FeatureDistributions>? features)
    {
        if (features is null || features.Count == 0)
        {
            errors.Add("features", "must list at least one feature.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < features.Count; i++)
        {
            var path = $"features[{i}]";
            var feature = features[i];
            if (feature is null)
            {
                errors.Add(path, "must be an object with feature, baseline and current.");
                continue;
            }
            errors.Check($"{path}.feature", Rules.Key(feature.Feature));
            if (feature.Feature is not null && !seen.Add(feature.Feature))
            {
                errors.Add($"{path}.feature", "must be unique within the report.");
            }

            var baselineOk = ValidateSide(errors, $"{path}.baseline", feature.Baseline);
            var currentOk = ValidateSide(errors, $"{path}.current", feature.Current);
            if (!baselineOk || !currentOk)
            {
                continue;
            }

            var baseline = feature.Baseline;
            var current = feature.Current;
            if (baseline.Bins is not null && current.Bins is not null)
            {
                if (baseline.Bins.Count != current.Bins.Count)
                {
                    errors.Add($"{path}.current.bins", $"must have as many bins as the baseline ({baseline.Bins.Count}).");
                }
            }
            else if (baseline.Samples is null || current.Samples is null)
            {
                errors.Add($"{path}.current", "must give bins or samples as the baseline does, so the two can be compared.");
            }
        }
    }

    /// <summary>Checks one side on its own; false when it is missing or unusable.</summary>
    private static bool ValidateSide(ValidationErrors errors, string path, ObservedDistribution? side)
    {
        if (side is null)
        {
            errors.Add(path, "is required.");
            return false;
        }
        if (side.Bins is null && side.Samples is null)
        {
            errors.Add(path, "must give bins, samples or both.");
            return false;
        }

        var ok = true;
        if (side.Bins is { } bins)
        {
            var message = bins.Count < 2 ? "must have at least 2 bins."
                : bins.Any(c => !double.IsFinite(c) || c < 0) ? "must hold finite, non-negative counts."
                : bins.All(c => c == 0) ? "must not be all zero."
                : !double.IsFinite(bins.Sum()) ? "must have a finite total."
                : null;
            errors.Check($"{path}.bins", message);
            ok &= message is null;
        }
        if (side.Samples is { } samples)
        {
            var message = samples.Count == 0 ? "must not be empty."
                : samples.Any(v => !double.IsFinite(v)) ? "must hold finite numbers only."
                : null;
            errors.Check($"{path}.samples", message);
            ok &= message is null;
        }
        return ok;
    }
}
