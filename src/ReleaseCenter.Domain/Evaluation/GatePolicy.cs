namespace ReleaseCenter.Domain.Evaluation;

public enum MetricDirection
{
    HigherIsBetter,
    LowerIsBetter,
}

/// <summary>
/// One metric's rule. <see cref="Threshold"/> is a floor when higher is better and a ceiling
/// when lower is better. <see cref="MaxRegression"/> bounds how much worse than the live
/// version the candidate may be, in the metric's own units.
/// </summary>
public sealed record MetricRule(string Metric, MetricDirection Direction, double? Threshold = null, double? MaxRegression = null);

public enum Verdict
{
    Pass,
    Fail,
}

/// <summary>The evaluation of one metric, as stored in the report and shown to reviewers.</summary>
public sealed record MetricEvaluation(
    string Metric,
    MetricDirection Direction,
    double? Value,
    double? Threshold,
    double? LiveValue,
    double? Delta,
    double? MaxRegression,
    Verdict Verdict,
    IReadOnlyList<string> Reasons);

public sealed record EvaluationReport(bool Passed, IReadOnlyList<MetricEvaluation> Metrics, int? LiveVersion);

/// <summary>
/// The automated gate of a stage: every rule must hold for the candidate's metrics, both the
/// absolute threshold and the comparison against what is live in the environment (if anything is).
/// </summary>
public sealed class GatePolicy(IReadOnlyList<MetricRule> rules)
{
    /// <summary>Absorbs binary rounding (0.90 - 0.92 is -0.020000000000000018) so a bound is met exactly at the bound.</summary>
    private const double Tolerance = 1e-9;

    public IReadOnlyList<MetricRule> Rules { get; } = rules;

    public EvaluationReport Evaluate(IReadOnlyDictionary<string, double> candidate, IReadOnlyDictionary<string, double>? live, int? liveVersion)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var results = Rules.Select(rule => EvaluateRule(rule, candidate, live)).ToArray();
        return new EvaluationReport(results.All(r => r.Verdict == Verdict.Pass), results, liveVersion);
    }

    private static MetricEvaluation EvaluateRule(MetricRule rule, IReadOnlyDictionary<string, double> candidate, IReadOnlyDictionary<string, double>? live)
    {
        var reasons = new List<string>();
        double? liveValue = live is not null && live.TryGetValue(rule.Metric, out var lv) ? lv : null;
        if (!candidate.TryGetValue(rule.Metric, out var value))
        {
            reasons.Add($"metric '{rule.Metric}' is missing from the candidate");
            return new MetricEvaluation(rule.Metric, rule.Direction, null, rule.Threshold, liveValue, null, rule.MaxRegression, Verdict.Fail, reasons);
        }

        if (rule.Threshold is { } threshold && !MeetsThreshold(rule.Direction, value, threshold))
        {
            reasons.Add(rule.Direction == MetricDirection.HigherIsBetter
                ? $"{value} is below the threshold {threshold}"
                : $"{value} is above the threshold {threshold}");
        }

        // Delta is signed so that positive always means "better", whichever the direction.
        double? delta = liveValue is { } l ? Improvement(rule.Direction, value, l) : null;
        if (delta is { } d && rule.MaxRegression is { } max && -d > max + Tolerance)
        {
            reasons.Add($"{Math.Abs(d)} worse than the live value {liveValue}, more than the allowed {max}");
        }

        return new MetricEvaluation(rule.Metric, rule.Direction, value, rule.Threshold, liveValue, delta, rule.MaxRegression,
            reasons.Count == 0 ? Verdict.Pass : Verdict.Fail, reasons);
    }

    private static bool MeetsThreshold(MetricDirection direction, double value, double threshold) =>
        direction == MetricDirection.HigherIsBetter ? value >= threshold : value <= threshold;

    /// <summary>How much better the candidate is than the live value (negative: worse).</summary>
    public static double Improvement(MetricDirection direction, double candidate, double live) =>
        direction == MetricDirection.HigherIsBetter ? candidate - live : live - candidate;
}
