namespace ReleaseCenter.Domain.Drift;

/// <summary>
/// Population Stability Index: PSI = Σ_i (c_i − b_i)·ln(c_i / b_i) over the bin proportions of the
/// baseline (b) and the current (c) distribution. Rule of thumb (Siddiqi, <i>Intelligent Credit
/// Scoring</i>): below 0.1 no significant change, 0.1 to 0.25 moderate, above 0.25 significant.
/// </summary>
/// <remarks>
/// <para>Empty bins: a proportion that is exactly 0 is replaced by <see cref="DefaultEpsilon"/>
/// (1e-4, i.e. 0.01 %) before the sum, the usual convention of PSI tooling; the other proportions
/// are left as they are (no renormalisation). Without it one empty bin makes PSI infinite.</para>
/// <para>Binning of raw samples: <see cref="DefaultBins"/> (10) bins whose inner edges are the
/// baseline's deciles, computed like <c>numpy.quantile</c>'s default (linear interpolation between
/// order statistics) at k/bins for k = 1..bins−1. Repeated edges (heavy ties) are merged, so there
/// can be fewer bins. The outer bins are open, so current values beyond the baseline's range still
/// count. A value equal to an edge goes to the bin above it, like <c>numpy.digitize(x, edges)</c>:
/// bin i is [edge_(i−1), edge_i).</para>
/// </remarks>
public static class PopulationStabilityIndex
{
    /// <summary>The proportion that stands in for an empty bin.</summary>
    public const double DefaultEpsilon = 1e-4;

    /// <summary>How many quantile bins <see cref="FromSamples"/> makes unless told otherwise.</summary>
    public const int DefaultBins = 10;

    /// <summary>
    /// PSI from bin counts (or proportions: each side is divided by its own total) over the same bins.
    /// Both sides need the same number of bins, at least 2, finite non-negative counts and a positive total.
    /// </summary>
    public static double FromCounts(IReadOnlyList<double> baseline, IReadOnlyList<double> current, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(current);
        if (baseline.Count != current.Count)
        {
            throw new ArgumentException("Baseline and current must have the same number of bins.", nameof(current));
        }
        if (!(epsilon > 0 && epsilon < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "The epsilon must be in (0, 1).");
        }
        var expected = Proportions(baseline, nameof(baseline));
        var actual = Proportions(current, nameof(current));

        var psi = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            var b = expected[i] == 0 ? epsilon : expected[i];
            var c = actual[i] == 0 ? epsilon : actual[i];
            psi += (c - b) * Math.Log(c / b);
        }
        return psi;
    }

    /// <summary>
    /// PSI from raw samples: bins from the baseline's quantiles (<see cref="QuantileEdges"/>), both
    /// samples counted into them (<see cref="Histogram"/>), then <see cref="FromCounts"/>.
    /// </summary>
    public static double FromSamples(IReadOnlyList<double> baseline, IReadOnlyList<double> current, int bins = DefaultBins, double epsilon = DefaultEpsilon)
    {
        ArgumentNullException.ThrowIfNull(current);
        var edges = QuantileEdges(baseline, bins);
        return FromCounts(Histogram(baseline, edges), Histogram(current, edges), epsilon);
    }

    /// <summary>
    /// The distinct inner bin edges: the sample's quantiles at k/<paramref name="bins"/>, k = 1..bins−1,
    /// by linear interpolation between order statistics (numpy's default method), duplicates removed.
    /// </summary>
    public static IReadOnlyList<double> QuantileEdges(IReadOnlyList<double> sample, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        RequireSample(sample, nameof(sample));
        var sorted = sample.ToArray();
        Array.Sort(sorted);

        var edges = new List<double>(bins - 1);
        for (var k = 1; k < bins; k++)
        {
            var edge = Quantile(sorted, (double)k / bins);
            if (edges.Count == 0 || edge > edges[^1])
            {
                edges.Add(edge);
            }
        }
        return edges;
    }

    /// <summary>
    /// Counts of <paramref name="sample"/> in the edges.Count + 1 bins (−∞, e_1), [e_1, e_2), …, [e_last, +∞).
    /// </summary>
    public static double[] Histogram(IReadOnlyList<double> sample, IReadOnlyList<double> edges)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(edges);
        RequireSample(sample, nameof(sample));
        var counts = new double[edges.Count + 1];
        foreach (var value in sample)
        {
            counts[CountAtOrBelow(edges, value)]++;
        }
        return counts;
    }

    /// <summary>Each count divided by the total: the bin's share. At least 2 bins, finite non-negative counts, a positive total.</summary>
    public static double[] Proportions(IReadOnlyList<double> counts) => Proportions(counts, nameof(counts));

    private static double[] Proportions(IReadOnlyList<double> counts, string name)
    {
        if (counts.Count < 2)
        {
            throw new ArgumentException("At least 2 bins are needed.", name);
        }
        var total = 0.0;
        foreach (var count in counts)
        {
            if (!double.IsFinite(count) || count < 0)
            {
                throw new ArgumentException("Bin counts must be finite and non-negative.", name);
            }
            total += count;
        }
        if (!(total > 0) || !double.IsFinite(total))
        {
            throw new ArgumentException("Bin counts must not all be zero.", name);
        }
        return counts.Select(c => c / total).ToArray();
    }

    /// <summary>numpy's linear quantile: position q·(N−1), interpolated the way numpy does (from the nearer end).</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var position = (sorted.Length - 1) * q;
        var below = (int)Math.Floor(position);
        if (below >= sorted.Length - 1)
        {
            return sorted[^1];
        }
        var fraction = position - below;
        var lower = sorted[below];
        var upper = sorted[below + 1];
        var span = upper - lower;
        return fraction >= 0.5 ? upper - (span * (1 - fraction)) : lower + (span * fraction);
    }

    /// <summary>How many edges are ≤ value: the index of value's bin.</summary>
    private static int CountAtOrBelow(IReadOnlyList<double> edges, double value)
    {
        int low = 0, high = edges.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (edges[middle] <= value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    private static void RequireSample(IReadOnlyList<double> sample, string name)
    {
        if (sample.Count == 0)
        {
            throw new ArgumentException("The sample must not be empty.", name);
        }
        if (sample.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("The sample must hold finite numbers only.", name);
        }
    }
}
