using System.Globalization;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Registry;

namespace ReleaseCenter.Domain.Releases;

/// <summary>
/// Which way is "better" for each metric. Configured directions (from the environments' gate
/// rules) win; otherwise a default is chosen by name; otherwise higher is assumed, and the diff
/// says so (<see cref="MetricDirectionSource.Assumed"/>).
/// </summary>
public sealed class MetricDirections
{
    private static readonly string[] HigherNames = ["auc", "accuracy", "precision", "recall", "f1", "r2", "map", "ndcg"];
    private static readonly string[] LowerNames = ["loss", "rmse", "mae", "mse", "error", "cost"];

    private readonly Dictionary<string, MetricDirection> _configured;

    public MetricDirections(IReadOnlyDictionary<string, MetricDirection>? configured = null)
    {
        _configured = configured is null
            ? new Dictionary<string, MetricDirection>(StringComparer.Ordinal)
            : new Dictionary<string, MetricDirection>(configured, StringComparer.Ordinal);
    }

    /// <summary>No configuration: defaults by name only.</summary>
    public static MetricDirections Defaults { get; } = new();

    /// <summary>Directions from gate rules; the first gate that names a metric wins.</summary>
    public static MetricDirections FromGates(IEnumerable<GatePolicy> gates)
    {
        ArgumentNullException.ThrowIfNull(gates);
        var configured = new Dictionary<string, MetricDirection>(StringComparer.Ordinal);
        foreach (var rule in gates.SelectMany(g => g.Rules))
        {
            configured.TryAdd(rule.Metric, rule.Direction);
        }
        return new MetricDirections(configured);
    }

    public (MetricDirection Direction, MetricDirectionSource Source) Resolve(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        if (_configured.TryGetValue(metric, out var configured))
        {
            return (configured, MetricDirectionSource.Configured);
        }
        return ByName(metric) is { } byName ? (byName, MetricDirectionSource.Default) : (MetricDirection.HigherIsBetter, MetricDirectionSource.Assumed);
    }

    /// <summary>
    /// The default for a well-known name. A name matches when it equals a known name or has it as a
    /// token (split on '_', '-', '.', '@'), so "val_auc", "f1_macro", "map@10" and "test_rmse" are
    /// recognised. "latency*", "*_ms" and "*_seconds" are lower-is-better. Lower-is-better wins
    /// when both match ("auc_loss").
    /// </summary>
    public static MetricDirection? ByName(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        var name = metric.ToLowerInvariant();
        var tokens = name.Split(['_', '-', '.', '@', '/'], StringSplitOptions.RemoveEmptyEntries);
        if (name.StartsWith("latency", StringComparison.Ordinal) || name.EndsWith("_ms", StringComparison.Ordinal)
            || name.EndsWith("_seconds", StringComparison.Ordinal) || tokens.Any(t => LowerNames.Contains(t) || t == "latency"))
        {
            return MetricDirection.LowerIsBetter;
        }
        if (tokens.Any(t => HigherNames.Contains(t)))
        {
            return MetricDirection.HigherIsBetter;
        }
        return null;
    }
}

public enum MetricDirectionSource
{
    /// <summary>From an environment's gate rule.</summary>
    Configured,

    /// <summary>From the metric's name.</summary>
    Default,

    /// <summary>Unknown metric: higher is assumed to be better.</summary>
    Assumed,
}

/// <summary>The words a metric's verdict uses (api.md shows them verbatim).</summary>
public static class MetricVerdicts
{
    public const string Improved = "improved";
    public const string WithinTolerance = "within tolerance";
    public const string Regressed = "regressed beyond tolerance";
    public const string Added = "added";
    public const string Removed = "removed";
}

/// <summary>How a threshold of the environment's gate changed between the two sides.</summary>
public static class ThresholdCrossings
{
    /// <summary>The "from" side met the threshold, the "to" side does not.</summary>
    public const string NowFails = "now fails";

    /// <summary>The "from" side failed the threshold, the "to" side meets it.</summary>
    public const string NowMeets = "now meets";
}

/// <param name="Delta">to - from, in the metric's units (null when either side is missing).</param>
/// <param name="RelativeDelta">Delta / |from| (null when from is 0 or missing).</param>
/// <param name="Improvement">How much better "to" is, positive = better, whichever the direction.</param>
/// <param name="Tolerance">The absolute change, in the metric's units, that still counts as "within tolerance".</param>
/// <param name="ToleranceSource">"gate maxRegression" or "default 1% of from" (or whatever fraction was passed).</param>
/// <param name="Threshold">The environment gate's threshold for this metric, if any.</param>
/// <param name="ThresholdCrossed"><see cref="ThresholdCrossings"/>; null when the threshold did not change sides.</param>
public sealed record MetricDiff(
    string Metric,
    double? From,
    double? To,
    double? Delta,
    double? RelativeDelta,
    double? Improvement,
    MetricDirection Direction,
    MetricDirectionSource DirectionSource,
    double? Tolerance,
    string? ToleranceSource,
    string Verdict,
    double? Threshold,
    string? ThresholdCrossed);

/// <summary>One added, removed or changed entry (hyperparameter values are raw JSON text).</summary>
public sealed record ValueChange(string Name, string Change, string? From, string? To);

public sealed record DatasetChange(string Name, string Change, string? FromDigest, string? ToDigest, string? FromUri, string? ToUri);

public sealed record InferenceConfigDiff(bool Changed, InferenceConfig From, InferenceConfig To);

public sealed record ArtifactDiff(bool Changed, bool DigestChanged, bool UriChanged, string FromUri, string ToUri, string FromDigest, string ToDigest);

public sealed record ImageDiff(bool Changed, string? From, string? To);

/// <summary>Counts for a one-line summary.</summary>
public sealed record DiffSummary(int Improved, int WithinTolerance, int Regressed, int Added, int Removed, int ThresholdsNowFailing, int ThresholdsNowMet);

/// <summary>
/// A structured comparison of two frozen bundles and their models' metrics ("from" is the
/// baseline, "to" the candidate). Pure: everything it needs is passed in.
/// </summary>
public sealed record ReleaseDiff(
    string FromDigest,
    string ToDigest,
    bool Identical,
    IReadOnlyList<MetricDiff> Metrics,
    IReadOnlyList<ValueChange> Hyperparameters,
    IReadOnlyList<DatasetChange> Datasets,
    InferenceConfigDiff InferenceConfig,
    ArtifactDiff Artifact,
    ImageDiff Image,
    DiffSummary Summary)
{
    /// <summary>The default tolerance: 1% of |from|, relative, so it scales from AUC (0.91 → ±0.0091) to latency (48 ms → ±0.48 ms).</summary>
    public const double DefaultRelativeTolerance = 0.01;

    /// <summary>Absorbs binary rounding, as <see cref="GatePolicy"/> does.</summary>
    private const double Epsilon = 1e-9;

    /// <summary>
    /// Compares <paramref name="from"/> (baseline) with <paramref name="to"/> (candidate).
    /// Tolerance rule: a metric's tolerance is the environment gate's <c>maxRegression</c> for it
    /// when <paramref name="gate"/> has one (absolute, in the metric's units); otherwise
    /// <paramref name="defaultTolerance"/> × |from| (relative; 0.01 = 1%). A change whose size in the
    /// better direction exceeds the tolerance is "improved", in the worse direction "regressed beyond
    /// tolerance", anything else (including no change) "within tolerance". Metrics on one side only
    /// are "added" or "removed". With a gate, each rule's threshold is checked on both sides and a
    /// change of side is reported as <see cref="ThresholdCrossings"/>.
    /// </summary>
    public static ReleaseDiff Compare(Bundle from, IReadOnlyDictionary<string, double> fromMetrics, Bundle to,
        IReadOnlyDictionary<string, double> toMetrics, MetricDirections directions, double defaultTolerance = DefaultRelativeTolerance, GatePolicy? gate = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(fromMetrics);
        ArgumentNullException.ThrowIfNull(toMetrics);
        ArgumentNullException.ThrowIfNull(directions);
        if (double.IsNaN(defaultTolerance) || defaultTolerance < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultTolerance), "must be zero or more.");
        }

        var metrics = fromMetrics.Keys.Union(toMetrics.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(name => CompareMetric(name, fromMetrics, toMetrics, directions, defaultTolerance, gate)).ToArray();
        var inference = new InferenceConfigDiff(!SameConfig(from.InferenceConfig, to.InferenceConfig), from.InferenceConfig, to.InferenceConfig);
        var artifact = new ArtifactDiff(
            from.ArtifactDigest != to.ArtifactDigest || from.ArtifactUri != to.ArtifactUri,
            from.ArtifactDigest != to.ArtifactDigest, from.ArtifactUri != to.ArtifactUri,
            from.ArtifactUri, to.ArtifactUri, from.ArtifactDigest, to.ArtifactDigest);
        var summary = new DiffSummary(
            metrics.Count(m => m.Verdict == MetricVerdicts.Improved),
            metrics.Count(m => m.Verdict == MetricVerdicts.WithinTolerance),
            metrics.Count(m => m.Verdict == MetricVerdicts.Regressed),
            metrics.Count(m => m.Verdict == MetricVerdicts.Added),
            metrics.Count(m => m.Verdict == MetricVerdicts.Removed),
            metrics.Count(m => m.ThresholdCrossed == ThresholdCrossings.NowFails),
            metrics.Count(m => m.ThresholdCrossed == ThresholdCrossings.NowMeets));
        return new ReleaseDiff(from.Digest, to.Digest, string.Equals(from.Digest, to.Digest, StringComparison.Ordinal), metrics,
            HyperparameterChanges(from, to), DatasetChanges(from, to), inference, artifact, new ImageDiff(from.Image != to.Image, from.Image, to.Image), summary);
    }

    private static MetricDiff CompareMetric(string name, IReadOnlyDictionary<string, double> fromMetrics, IReadOnlyDictionary<string, double> toMetrics,
        MetricDirections directions, double defaultTolerance, GatePolicy? gate)
    {
        var (direction, source) = directions.Resolve(name);
        var rule = gate?.Rules.FirstOrDefault(r => r.Metric == name);
        if (rule is not null)
        {
            // The environment's own rule is the most specific configuration there is.
            (direction, source) = (rule.Direction, MetricDirectionSource.Configured);
        }
        double? fromValue = fromMetrics.TryGetValue(name, out var f) ? f : null;
        double? toValue = toMetrics.TryGetValue(name, out var t) ? t : null;
        var threshold = rule?.Threshold;
        string? crossed = null;
        if (threshold is { } th)
        {
            bool? fromMeets = fromValue is { } fv ? Meets(direction, fv, th) : null;
            bool? toMeets = toValue is { } tv ? Meets(direction, tv, th) : null;
            crossed = (fromMeets, toMeets) switch
            {
                // A gated metric that disappears fails its gate; one that appears is judged on its own.
                (true, false) or (null, false) or (true, null) => ThresholdCrossings.NowFails,
                (false, true) or (null, true) => ThresholdCrossings.NowMeets,
                _ => null,
            };
        }

        if (fromValue is null || toValue is null)
        {
            return new MetricDiff(name, fromValue, toValue, null, null, null, direction, source, null, null,
                fromValue is null ? MetricVerdicts.Added : MetricVerdicts.Removed, threshold, crossed);
        }

        var from = fromValue.Value;
        var to = toValue.Value;
        var delta = to - from;
        double? relative = from == 0 ? null : delta / Math.Abs(from);
        var improvement = GatePolicy.Improvement(direction, to, from);
        var (tolerance, toleranceSource) = rule?.MaxRegression is { } max
            ? (max, "gate maxRegression")
            : (defaultTolerance * Math.Abs(from), $"default {(defaultTolerance * 100).ToString("0.###", CultureInfo.InvariantCulture)}% of from");
        var verdict = improvement > tolerance + Epsilon ? MetricVerdicts.Improved
            : -improvement > tolerance + Epsilon ? MetricVerdicts.Regressed
            : MetricVerdicts.WithinTolerance;
        return new MetricDiff(name, from, to, delta, relative, improvement, direction, source, tolerance, toleranceSource, verdict, threshold, crossed);
    }

    private static bool Meets(MetricDirection direction, double value, double threshold) =>
        direction == MetricDirection.HigherIsBetter ? value >= threshold : value <= threshold;

    private static bool SameConfig(InferenceConfig a, InferenceConfig b) =>
        a.InstanceType == b.InstanceType && (a.InstanceCount ?? 1) == (b.InstanceCount ?? 1);

    private static ValueChange[] HyperparameterChanges(Bundle from, Bundle to)
    {
        var changes = new List<ValueChange>();
        foreach (var name in from.Hyperparameters.Keys.Union(to.Hyperparameters.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            string? a = from.Hyperparameters.TryGetValue(name, out var av) ? av.GetRawText() : null;
            string? b = to.Hyperparameters.TryGetValue(name, out var bv) ? bv.GetRawText() : null;
            if (a is null)
            {
                changes.Add(new ValueChange(name, "added", null, b));
            }
            else if (b is null)
            {
                changes.Add(new ValueChange(name, "removed", a, null));
            }
            else if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                changes.Add(new ValueChange(name, "changed", a, b));
            }
        }
        return changes.ToArray();
    }

    /// <summary>Datasets are matched by name and compared by digest (a moved copy with the same digest is the same data).</summary>
    private static DatasetChange[] DatasetChanges(Bundle from, Bundle to)
    {
        var a = from.Datasets.Where(d => d.Name is not null).ToDictionary(d => d.Name!, StringComparer.Ordinal);
        var b = to.Datasets.Where(d => d.Name is not null).ToDictionary(d => d.Name!, StringComparer.Ordinal);
        var changes = new List<DatasetChange>();
        foreach (var name in a.Keys.Union(b.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var x = a.GetValueOrDefault(name);
            var y = b.GetValueOrDefault(name);
            if (x is null)
            {
                changes.Add(new DatasetChange(name, "added", null, y!.Digest, null, y.Uri));
            }
            else if (y is null)
            {
                changes.Add(new DatasetChange(name, "removed", x.Digest, null, x.Uri, null));
            }
            else if (!string.Equals(x.Digest, y.Digest, StringComparison.Ordinal))
            {
                changes.Add(new DatasetChange(name, "changed", x.Digest, y.Digest, x.Uri, y.Uri));
            }
        }
        return changes.ToArray();
    }
}
