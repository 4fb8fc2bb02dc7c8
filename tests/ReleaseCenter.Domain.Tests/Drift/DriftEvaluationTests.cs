using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Tests.Drift;

public sealed class DriftEvaluationTests
{
    private static FeatureDistributions Binned(string feature, double[] baseline, double[] current) =>
        new(feature, new ObservedDistribution(Bins: baseline), new ObservedDistribution(Bins: current));

    private static FeatureDistributions Sampled(string feature, double[] baseline, double[] current) =>
        new(feature, new ObservedDistribution(Samples: baseline), new ObservedDistribution(Samples: current));

    private static IDictionary<string, string[]> ErrorsOf(Action act) =>
        Assert.Throws<DomainValidationException>(act).Errors.ToDictionary();

    [Fact]
    public void Features_AreGradedByPsi_AndTheReportDriftsWhenAnyFeatureDoes()
    {
        var report = DriftEvaluation.Evaluate(
        [
            Binned("age", [10, 20, 30], [10, 20, 30]),
            // PSI 0.22821740957339182 (see DriftStatisticsTests): moderate.
            Binned("income", [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]),
            // PSI 0.3484717017469507: drifted.
            Binned("region", [100, 200, 0, 700], [150, 150, 50, 650]),
        ], DriftThresholds.Default);

        Assert.True(report.Drifted);
        Assert.Equal(DriftVerdict.Drifted, report.Verdict);
        Assert.Equal([DriftVerdict.Stable, DriftVerdict.Moderate, DriftVerdict.Drifted], report.Features.Select(f => f.Verdict));
        Assert.Empty(report.Features[0].Reasons);
        Assert.Contains("warning threshold 0.1", Assert.Single(report.Features[1].Reasons), StringComparison.Ordinal);
        Assert.Contains("alert threshold 0.25", Assert.Single(report.Features[2].Reasons), StringComparison.Ordinal);
        Assert.All(report.Features, f => Assert.Null(f.KsPValue));
    }

    [Fact]
    public void EachFeature_KeepsTheBinProportionsPsiWasComputedOver()
    {
        var report = DriftEvaluation.Evaluate(
        [
            Binned("region", [100, 200, 0, 700], [150, 150, 50, 650]),
            Sampled("amount", [.. Enumerable.Range(1, 100).Select(i => (double)i)], [.. Enumerable.Range(41, 100).Select(i => (double)i)]),
        ], DriftThresholds.Default);

        var region = report.Features[0].Bins!;
        Assert.Equal([0.1, 0.2, 0.0, 0.7], region.Baseline);
        Assert.Equal([0.15, 0.15, 0.05, 0.65], region.Current);
        Assert.Null(region.Edges);
        Assert.Equal(PopulationStabilityIndex.FromCounts(region.Baseline, region.Current), report.Features[0].Psi, 12);

        // Samples: the baseline's deciles as edges, ten bins of a tenth each for the baseline; the shifted current sample fills the upper bins.
        var amount = report.Features[1].Bins!;
        Assert.Equal(9, amount.Edges!.Count);
        Assert.Equal(10.9, amount.Edges[0], 9);
        Assert.All(amount.Baseline, p => Assert.Equal(0.1, p, 9));
        Assert.Equal(1.0, amount.Current.Sum(), 9);
        Assert.Equal(0.0, amount.Current[0], 9);
        Assert.Equal(0.5, amount.Current[^1], 9);
        Assert.Equal(PopulationStabilityIndex.FromSamples(
            [.. Enumerable.Range(1, 100).Select(i => (double)i)], [.. Enumerable.Range(41, 100).Select(i => (double)i)]), report.Features[1].Psi, 12);
    }

    [Fact]
    public void ModerateFeaturesAlone_DoNotMakeTheReportDrift()
    {
        var report = DriftEvaluation.Evaluate([Binned("income", [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4])], DriftThresholds.Default);

        Assert.False(report.Drifted);
        Assert.Equal(DriftVerdict.Moderate, report.Verdict);
    }

    [Fact]
    public void PsiThresholds_AreInclusive()
    {
        var psi = PopulationStabilityIndex.FromCounts([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4]);

        var report = DriftEvaluation.Evaluate(
            [Binned("income", [0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4])], new DriftThresholds(PsiWarn: 0.05, PsiAlert: psi));

        Assert.Equal(DriftVerdict.Drifted, report.Features[0].Verdict);
    }

    [Fact]
    public void Samples_AddTheKsTest_WhichCanDriftAFeatureOnItsOwn()
    {
        // ks_2samp -> p = 0.10532931121166415 (see DriftStatisticsTests): not below 0.05, below 0.2.
        double[] a = [0.1, 0.4, 0.4, 0.7, 1.2, 1.2, 1.9];
        double[] b = [0.3, 0.4, 0.9, 1.2, 1.5, 2.2, 2.5, 2.5, 3.0, 3.1, 3.3];
        var feature = new FeatureDistributions("score",
            new ObservedDistribution(Bins: [1, 1], Samples: a),
            new ObservedDistribution(Bins: [1, 1], Samples: b));

        var atFivePercent = DriftEvaluation.Evaluate([feature], DriftThresholds.Default).Features[0];
        var atTwentyPercent = DriftEvaluation.Evaluate([feature], new DriftThresholds(KsAlpha: 0.2)).Features[0];

        Assert.Equal(0.0, atFivePercent.Psi); // from the bins, which are given on both sides
        Assert.Equal(0.10532931121166415, atFivePercent.KsPValue!.Value, 1e-6);
        Assert.Equal(0.5454545454545454, atFivePercent.KsStatistic!.Value, 1e-9);
        Assert.Equal(DriftVerdict.Stable, atFivePercent.Verdict);
        Assert.Equal(DriftVerdict.Drifted, atTwentyPercent.Verdict);
        Assert.Contains("below alpha 0.2", Assert.Single(atTwentyPercent.Reasons), StringComparison.Ordinal);
    }

    [Fact]
    public void SamplesWithoutBins_GivePsiOverBaselineDeciles()
    {
        var baseline = Enumerable.Range(0, 101).Select(i => (double)i).ToArray();
        double[] current = [.. Enumerable.Range(0, 41).Select(i => i * 1.5), 10, 10, 10, 10, 10, 95, 120];

        var result = DriftEvaluation.Evaluate([Sampled("latency", baseline, current)], DriftThresholds.Default).Features[0];

        Assert.Equal(1.7573495623140425, result.Psi, 1e-12);
        Assert.NotNull(result.KsPValue);
        Assert.Equal(DriftVerdict.Drifted, result.Verdict);
    }

    [Fact]
    public void BadInput_IsRejected_NamingEachField()
    {
        var errors = ErrorsOf(() => DriftEvaluation.Evaluate(
        [
            Binned("ok", [1, 2], [2, 1]),
            Binned("ok", [1, 2], [2, 1]),
            Binned("short", [1, 2], [1, 2, 3]),
            Binned("negative", [1, -2], [1, 2]),
            Binned("zero", [0, 0], [1, 2]),
            Binned("one-bin", [1], [1]),
            Sampled("empty", [], [1]),
            Sampled("nan", [1], [double.NaN]),
            new FeatureDistributions("mixed", new ObservedDistribution(Bins: [1, 2]), new ObservedDistribution(Samples: [1, 2])),
            new FeatureDistributions("nothing", new ObservedDistribution(), new ObservedDistribution(Samples: [1])),
        ], new DriftThresholds(PsiWarn: 0.3, PsiAlert: 0.2, KsAlpha: 1.5)));

        Assert.Equal(
        [
            "features[1].feature", "features[2].current.bins", "features[3].baseline.bins", "features[4].baseline.bins",
            "features[5].baseline.bins", "features[5].current.bins", "features[6].baseline.samples", "features[7].current.samples",
            "features[8].current", "features[9].baseline", "thresholds.ksAlpha", "thresholds.psiAlert",
        ], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AnEmptyReport_IsRejected()
    {
        Assert.Contains("features", ErrorsOf(() => DriftEvaluation.Evaluate([], DriftThresholds.Default)).Keys);
    }
}
