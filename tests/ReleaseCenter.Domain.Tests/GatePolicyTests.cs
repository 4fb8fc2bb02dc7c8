using ReleaseCenter.Domain.Evaluation;

namespace ReleaseCenter.Domain.Tests;

public sealed class GatePolicyTests
{
    private static readonly GatePolicy Policy = new([
        new MetricRule("auc", MetricDirection.HigherIsBetter, Threshold: 0.85, MaxRegression: 0.02),
        new MetricRule("latency_p95_ms", MetricDirection.LowerIsBetter, Threshold: 120, MaxRegression: 10),
    ]);

    private static Dictionary<string, double> Metrics(double auc, double latency) => new() { ["auc"] = auc, ["latency_p95_ms"] = latency };

    [Fact]
    public void Candidate_MeetingThresholds_WithNothingLive_Passes()
    {
        var report = Policy.Evaluate(Metrics(0.9, 100), live: null, liveVersion: null);
        Assert.True(report.Passed);
        Assert.All(report.Metrics, m => Assert.Null(m.LiveValue));
    }

    [Theory]
    [InlineData(0.84, 100, "auc")]
    [InlineData(0.90, 121, "latency_p95_ms")]
    public void Candidate_MissingAThreshold_FailsThatMetric(double auc, double latency, string failing)
    {
        var report = Policy.Evaluate(Metrics(auc, latency), null, null);
        Assert.False(report.Passed);
        Assert.Equal(failing, Assert.Single(report.Metrics, m => m.Verdict == Verdict.Fail).Metric);
    }

    [Fact]
    public void Threshold_IsInclusive()
    {
        Assert.True(Policy.Evaluate(Metrics(0.85, 120), null, null).Passed);
    }

    [Fact]
    public void RegressionAgainstLive_BeyondTheAllowance_Fails_AndReportsTheDelta()
    {
        var report = Policy.Evaluate(Metrics(0.88, 100), live: Metrics(0.91, 100), liveVersion: 3);
        var auc = report.Metrics.Single(m => m.Metric == "auc");
        Assert.False(report.Passed);
        Assert.Equal(Verdict.Fail, auc.Verdict);
        Assert.Equal(-0.03, auc.Delta!.Value, 9);
        Assert.Equal(0.91, auc.LiveValue);
        Assert.Equal(3, report.LiveVersion);
    }

    [Fact]
    public void RegressionExactlyAtTheAllowance_Passes()
    {
        // 0.90 - 0.92 is not exactly -0.02 in binary; the bound must still hold.
        Assert.True(Policy.Evaluate(Metrics(0.90, 110), live: Metrics(0.92, 100), liveVersion: 1).Passed);
    }

    [Fact]
    public void LowerIsBetter_DeltaIsPositiveWhenTheCandidateIsFaster()
    {
        var report = Policy.Evaluate(Metrics(0.9, 90), live: Metrics(0.9, 100), liveVersion: 1);
        Assert.Equal(10, report.Metrics.Single(m => m.Metric == "latency_p95_ms").Delta);
    }

    [Fact]
    public void MissingMetric_Fails_WithAReason()
    {
        var report = Policy.Evaluate(new Dictionary<string, double> { ["auc"] = 0.9 }, null, null);
        var latency = report.Metrics.Single(m => m.Metric == "latency_p95_ms");
        Assert.Equal(Verdict.Fail, latency.Verdict);
        Assert.Contains("missing", Assert.Single(latency.Reasons));
    }
}
