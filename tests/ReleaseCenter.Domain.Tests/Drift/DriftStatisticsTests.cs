using ReleaseCenter.Domain.Drift;

namespace ReleaseCenter.Domain.Tests.Drift;

/// <summary>
/// Every expected value here was computed outside this code base and is quoted as a constant:
/// the KS values with SciPy 1.10.1 (NumPy 1.24.2, Debian's python3-scipy), by
/// <c>scipy.stats.ks_2samp(a, b)</c> (default method='auto', alternative='two-sided') unless a test
/// says method='asymp', and <c>scipy.stats.kstwo.sf(d, n)</c> / <c>kstwobign.sf(x)</c>; the PSI
/// values with NumPy as Σ (c − b)·ln(c / b) over proportions, zeros replaced by 1e-4, edges from
/// <c>np.unique(np.quantile(base, np.arange(1, 10) / 10))</c> and counts from <c>np.digitize</c>.
/// SciPy is not a dependency of the project; only these numbers are.
/// </summary>
public sealed class DriftStatisticsTests
{
    private const double StatisticTolerance = 1e-9;
    private const double PValueTolerance = 1e-6;

    // ---- Kolmogorov–Smirnov, two samples -------------------------------------------------------

    [Fact]
    public void Ks_EqualSizesWithTies_MatchesScipyExact()
    {
        // ks_2samp([1,2,2,3,3,3,4,5,5,6], [2,3,4,4,5,5,6,6,7,8]) -> D=0.4, p=0.41752365281777043
        double[] a = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6];
        double[] b = [2, 3, 4, 4, 5, 5, 6, 6, 7, 8];

        var result = KolmogorovSmirnov.TwoSample(a, b);

        Assert.Equal(0.4, result.Statistic, StatisticTolerance);
        Assert.Equal(0.41752365281777043, result.PValue, PValueTolerance);
        Assert.Equal(KsMethod.Exact, result.Method);
    }

    [Fact]
    public void Ks_UnequalSizesWithTies_MatchesScipyExact()
    {
        // ks_2samp(a, b) -> D=0.5454545454545454, p=0.10532931121166415
        double[] a = [0.1, 0.4, 0.4, 0.7, 1.2, 1.2, 1.9];
        double[] b = [0.3, 0.4, 0.9, 1.2, 1.5, 2.2, 2.5, 2.5, 3.0, 3.1, 3.3];

        var result = KolmogorovSmirnov.TwoSample(a, b);

        Assert.Equal(0.5454545454545454, result.Statistic, StatisticTolerance);
        Assert.Equal(0.10532931121166415, result.PValue, PValueTolerance);
        Assert.Equal(KsMethod.Exact, result.Method);
    }

    [Fact]
    public void Ks_UnequalSizesWithTies_Asymptotic_MatchesScipyAsymp()
    {
        // ks_2samp(a, b, method='asymp') -> D=0.5454545454545454, p=0.12272044259271914
        double[] a = [0.1, 0.4, 0.4, 0.7, 1.2, 1.2, 1.9];
        double[] b = [0.3, 0.4, 0.9, 1.2, 1.5, 2.2, 2.5, 2.5, 3.0, 3.1, 3.3];

        var result = KolmogorovSmirnov.TwoSample(a, b, KsMethod.Asymptotic);

        Assert.Equal(0.5454545454545454, result.Statistic, StatisticTolerance);
        Assert.Equal(0.12272044259271914, result.PValue, PValueTolerance);
        Assert.Equal(KsMethod.Asymptotic, result.Method);
    }

    [Theory]
    [InlineData(KsMethod.Auto)]
    [InlineData(KsMethod.Asymptotic)]
    public void Ks_IdenticalSamples_HaveNoDistance_AndPValueOne(KsMethod method)
    {
        // ks_2samp([1.5,2.5,2.5,4.0], [1.5,2.5,2.5,4.0]) -> D=0.0, p=1.0 (both methods)
        double[] a = [1.5, 2.5, 2.5, 4.0];

        var result = KolmogorovSmirnov.TwoSample(a, [.. a], method);

        Assert.Equal(0.0, result.Statistic);
        Assert.Equal(1.0, result.PValue, PValueTolerance);
    }

    [Fact]
    public void Ks_OrderOfInput_DoesNotMatter()
    {
        double[] a = [3, 1, 2, 2];
        double[] b = [2, 5, 4];
        var sorted = KolmogorovSmirnov.TwoSample([1, 2, 2, 3], [2, 4, 5]);
        var swapped = KolmogorovSmirnov.TwoSample(b, a);

        Assert.Equal(sorted, KolmogorovSmirnov.TwoSample(a, b));
        Assert.Equal(sorted.Statistic, swapped.Statistic);
        Assert.Equal(sorted.PValue, swapped.PValue, 1e-15);
    }

    [Fact]
    public void Ks_MediumUnequalSamples_MatchesScipyExact()
    {
        // a = [(i*37 % 101)/101 for i in range(200)], b = [(j*53 % 97)/97*0.9 + 0.1 for j in range(150)]
        // ks_2samp(a, b) -> D=0.11, p=0.23559555858896164
        var a = Enumerable.Range(0, 200).Select(i => (i * 37 % 101) / 101.0).ToArray();
        var b = Enumerable.Range(0, 150).Select(j => ((j * 53 % 97) / 97.0 * 0.9) + 0.1).ToArray();

        var result = KolmogorovSmirnov.TwoSample(a, b);

        Assert.Equal(0.11, result.Statistic, StatisticTolerance);
        Assert.Equal(0.23559555858896164, result.PValue, PValueTolerance);
        Assert.Equal(KsMethod.Exact, result.Method);
    }

    // Above 10,000 values SciPy's 'auto' switches to 'asymp': kstwo.sf(D, round(n1*n2/(n1+n2))), here n = 2400.
    // a = [(i*7919 % 10007)/10007 for i in range(12000)], b = [(j*104729 % 10007)/10007*0.98 + shift for j in range(3000)]
    [Theory]
    [InlineData(0.0, 0.022249999999999992, 0.18290399419552628)] // Pelz–Good region
    [InlineData(0.01, 0.012249999999999983, 0.8596367841015743)]
    [InlineData(0.03, 0.030083333333333333, 0.02544031689580528)]
    [InlineData(0.04, 0.04008333333333333, 0.0008694394038125058)] // n·D² ≥ 2.2: twice the one-sided tail
    public void Ks_LargeSamples_UseTheAsymptoticDistribution_LikeScipy(double shift, double expectedD, double expectedP)
    {
        var a = Enumerable.Range(0, 12000).Select(i => (i * 7919 % 10007) / 10007.0).ToArray();
        var b = Enumerable.Range(0, 3000).Select(j => ((j * 104729 % 10007) / 10007.0 * 0.98) + shift).ToArray();

        var result = KolmogorovSmirnov.TwoSample(a, b);

        Assert.Equal(KsMethod.Asymptotic, result.Method);
        Assert.Equal(expectedD, result.Statistic, StatisticTolerance);
        Assert.Equal(expectedP, result.PValue, PValueTolerance);
    }

    // a = [(i*7919 % 10007)/10007 for i in range(10001)] against five values: 'asymp' with n = round(10001*5/10006) = 5.
    [Theory]
    [InlineData(new[] { 0.2, 0.4, 0.6, 0.7999999999999999, 0.9 }, 0.20007999200079993, 0.9614770278547559)]
    [InlineData(new[] { 0.30000000000000004, 0.5, 0.7, 0.8999999999999999, 0.9 }, 0.30000999900010006, 0.6639606437437037)]
    [InlineData(new[] { 0.4, 0.6, 0.8, 1.0, 0.9 }, 0.4000399960003999, 0.3086950607332102)]
    public void Ks_LargeAgainstTinySample_MatchesScipy(double[] b, double expectedD, double expectedP)
    {
        var a = Enumerable.Range(0, 10001).Select(i => (i * 7919 % 10007) / 10007.0).ToArray();

        var result = KolmogorovSmirnov.TwoSample(a, b);

        Assert.Equal(KsMethod.Asymptotic, result.Method);
        Assert.Equal(expectedD, result.Statistic, StatisticTolerance);
        Assert.Equal(expectedP, result.PValue, PValueTolerance);
    }

    [Fact]
    public void Ks_CompletelySeparatedSamples_HaveDistanceOne()
    {
        var result = KolmogorovSmirnov.TwoSample([1, 2, 3], [4, 5, 6, 7]);

        Assert.Equal(1.0, result.Statistic);
        // Exactly 2 / C(7, 3): only the two paths along the edges leave the band.
        Assert.Equal(2.0 / 35, result.PValue, 1e-12);
    }

    [Fact]
    public void Ks_RejectsEmptyOrNonFiniteSamples()
    {
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample([], [1.0]));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample([1.0, double.NaN], [1.0]));
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnov.TwoSample([1.0], [double.PositiveInfinity]));
    }

    // ---- The Kolmogorov distribution ----------------------------------------------------------

    // scipy.stats.kstwo.sf(d, n), one case per branch of Simard and L'Ecuyer's method selection.
    [Theory]
    [InlineData(5, 0.15, 0.9988)]                       // n·d ≤ 1: Ruben–Gambino
    [InlineData(5, 0.85, 0.0001518750000000001)]        // n·d ≥ n − 1: Ruben–Gambino
    [InlineData(10, 0.5, 0.00777741)]                   // d ≥ 0.5: twice the one-sided tail
    [InlineData(10, 0.274, 0.3715203845434957)]         // n ≤ 140, n·d² ≤ 0.754693: Durbin matrix
    [InlineData(100, 0.1, 0.2526927570063874)]          // n ≤ 140, n·d² ≤ 4: Pomeranz in SciPy, Durbin here
    [InlineData(100, 0.25, 5.408871776434847e-06)]      // n ≤ 140, n·d² > 4: Miller
    [InlineData(1000, 0.012, 0.9984464668620097)]       // n·d^1.5 ≤ 1.4: Durbin matrix
    [InlineData(1000, 0.03, 0.3226902143914636)]        // Pelz–Good
    [InlineData(1000, 0.05, 0.013012074781090332)]      // n·d² ≥ 2.2: twice the one-sided tail
    [InlineData(200000, 0.002, 0.39995085369038097)]    // n > 100,000: Pelz–Good
    public void KolmogorovSf_MatchesScipyKstwo(int n, double d, double expected)
    {
        Assert.Equal(expected, KolmogorovDistribution.Sf(n, d), PValueTolerance);
    }

    [Fact]
    public void LimitingSf_MatchesScipyKstwobign_AndTheTabulatedFivePercentPoint()
    {
        // kstwobign.sf(1.36) = 0.049485876755377876, kstwobign.sf(0.5) = 0.9639452436648751.
        Assert.Equal(0.049485876755377876, KolmogorovDistribution.LimitingSf(1.36), 1e-12);
        Assert.Equal(0.9639452436648751, KolmogorovDistribution.LimitingSf(0.5), 1e-12);
        // kstwobign.isf(0.05) = 1.3580986393225507: the classic 1.358 critical value of Kolmogorov's tables.
        Assert.Equal(0.05, KolmogorovDistribution.LimitingSf(1.3580986393225507), 1e-12);
    }

    // ---- Population Stability Index -----------------------------------------------------------

    [Fact]
    public void Psi_TextbookExample()
    {
        // GeeksforGeeks, "Population Stability Index (PSI)": income bins, expected (2020) 0.4/0.3/0.3,
        // observed (2021) 0.35/0.25/0.4. Σ (o − e)·ln(o/e) = 0.04456085471610198 (NumPy).
        var psi = PopulationStabilityIndex.FromCounts([0.4, 0.3, 0.3], [0.35, 0.25, 0.4]);

        Assert.Equal(0.04456085471610198, psi, 1e-12);
    }

    [Theory]
    // Uniform quartiles against 0.1/0.2/0.3/0.4: 0.22821740957339182 (NumPy) — just under the 0.25 alert line.
    [InlineData(new double[] { 0.25, 0.25, 0.25, 0.25 }, new double[] { 0.1, 0.2, 0.3, 0.4 }, 0.22821740957339182)]
    // Ten equal deciles against a mild tilt: 0.0077200934837392855 (NumPy).
    [InlineData(new double[] { 100, 100, 100, 100, 100, 100, 100, 100, 100, 100 }, new double[] { 120, 110, 105, 100, 95, 90, 100, 95, 95, 90 }, 0.0077200934837392855)]
    // An empty baseline bin counts as proportion 1e-4: 0.3484717017469507 (NumPy, np.where(p == 0, 1e-4, p)).
    [InlineData(new double[] { 100, 200, 0, 700 }, new double[] { 150, 150, 50, 650 }, 0.3484717017469507)]
    public void Psi_FromCounts_MatchesNumpy(double[] baseline, double[] current, double expected)
    {
        Assert.Equal(expected, PopulationStabilityIndex.FromCounts(baseline, current), 1e-12);
    }

    [Fact]
    public void Psi_IsZeroForTheSameProportions_WhateverTheTotals()
    {
        Assert.Equal(0.0, PopulationStabilityIndex.FromCounts([10, 20, 30], [100, 200, 300]), 1e-15);
    }

    [Fact]
    public void Psi_FromSamples_UsesBaselineDecilesAndOpenOuterBins()
    {
        // base = np.arange(101.0): deciles are exactly 10, 20, …, 90.
        // cur = np.concatenate([np.arange(41)*1.5, [10.0]*5, [95.0, 120.0]])
        // counts base [10,10,10,10,10,10,10,10,10,11], cur [7,12,6,7,7,6,1,0,0,2]; PSI 1.7573495623140425 (NumPy).
        var baseline = Enumerable.Range(0, 101).Select(i => (double)i).ToArray();
        double[] current = [.. Enumerable.Range(0, 41).Select(i => i * 1.5), 10, 10, 10, 10, 10, 95, 120];

        var edges = PopulationStabilityIndex.QuantileEdges(baseline);

        Assert.Equal([10.0, 20, 30, 40, 50, 60, 70, 80, 90], edges);
        Assert.Equal([10.0, 10, 10, 10, 10, 10, 10, 10, 10, 11], PopulationStabilityIndex.Histogram(baseline, edges));
        // A value equal to an edge (10, five times) goes to the bin above it; 120 lands in the open last bin.
        Assert.Equal([7.0, 12, 6, 7, 7, 6, 1, 0, 0, 2], PopulationStabilityIndex.Histogram(current, edges));
        Assert.Equal(1.7573495623140425, PopulationStabilityIndex.FromSamples(baseline, current), 1e-12);
    }

    [Fact]
    public void Psi_FromSamples_WithHeavyTies_MergesRepeatedEdges()
    {
        // base = [1,1,1,1,2,2,2,3,3,4], cur = [1,2,2,3,3,3,4,4,4,4,5]
        // edges np.unique(np.quantile(base, np.arange(1,10)/10)) = [1.0, 1.6, 2.0, 2.3, 3.0, 3.0999999999999996]
        // counts base [0,4,0,3,0,2,1], cur [0,1,0,2,0,3,5]; PSI 1.0765168557570695 (NumPy).
        double[] baseline = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4];
        double[] current = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5];

        Assert.Equal([1.0, 1.6, 2.0, 2.3, 3.0, 3.0999999999999996], PopulationStabilityIndex.QuantileEdges(baseline));
        Assert.Equal(1.0765168557570695, PopulationStabilityIndex.FromSamples(baseline, current), 1e-12);
    }

    [Fact]
    public void Psi_RejectsUnusableBins()
    {
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromCounts([1, 2], [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromCounts([1], [1]));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromCounts([0, 0], [1, 1]));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromCounts([1, -1], [1, 1]));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromCounts([1, double.NaN], [1, 1]));
        Assert.Throws<ArgumentException>(() => PopulationStabilityIndex.FromSamples([], [1.0]));
    }
}
