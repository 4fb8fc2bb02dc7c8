using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Tests;

public sealed class ReleaseDiffTests
{
    private const string D1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string D2 = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, double> NoMetrics = [];

    private static Bundle Bundle(int version = 1, string hyperparameters = """{"eta":0.1,"depth":6}""", string artifactUri = "s3://m/1",
        string artifactDigest = D1, string? image = "img:1", InferenceConfig? config = null, params DatasetRef[] datasets)
    {
        using var doc = JsonDocument.Parse(hyperparameters);
        var v = ModelVersion.Create("fraud", new ModelVersionDraft(artifactUri, artifactDigest, Image: image,
            Datasets: datasets.Length == 0 ? [new DatasetRef("train", "s3://d/t", D1)] : datasets,
            Hyperparameters: doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            InferenceConfig: config ?? new InferenceConfig("ml.m5.large", 1)), "alice", T0) with { Version = version };
        return Releases.Bundle.Freeze(v, "ml.m5.large");
    }

    private static MetricDiff Metric(string name, double? from, double? to, MetricDirections? directions = null, GatePolicy? gate = null,
        double tolerance = ReleaseDiff.DefaultRelativeTolerance)
    {
        var a = from is { } f ? new Dictionary<string, double> { [name] = f } : NoMetrics;
        var b = to is { } t ? new Dictionary<string, double> { [name] = t } : NoMetrics;
        var diff = ReleaseDiff.Compare(Bundle(1), a, Bundle(2), b, directions ?? MetricDirections.Defaults, tolerance, gate);
        return Assert.Single(diff.Metrics);
    }

    [Theory]
    [InlineData("auc", MetricDirection.HigherIsBetter)]
    [InlineData("val_accuracy", MetricDirection.HigherIsBetter)]
    [InlineData("f1_macro", MetricDirection.HigherIsBetter)]
    [InlineData("map@10", MetricDirection.HigherIsBetter)]
    [InlineData("ndcg", MetricDirection.HigherIsBetter)]
    [InlineData("r2", MetricDirection.HigherIsBetter)]
    [InlineData("loss", MetricDirection.LowerIsBetter)]
    [InlineData("test_rmse", MetricDirection.LowerIsBetter)]
    [InlineData("mae", MetricDirection.LowerIsBetter)]
    [InlineData("latency_p95_ms", MetricDirection.LowerIsBetter)]
    [InlineData("latencyP99", MetricDirection.LowerIsBetter)]
    [InlineData("inference_seconds", MetricDirection.LowerIsBetter)]
    [InlineData("cost", MetricDirection.LowerIsBetter)]
    [InlineData("error", MetricDirection.LowerIsBetter)]
    public void Directions_DefaultByName(string metric, MetricDirection expected) =>
        Assert.Equal((expected, MetricDirectionSource.Default), MetricDirections.Defaults.Resolve(metric));

    [Fact]
    public void UnknownMetric_IsAssumedHigherIsBetter_AndSaysSo()
    {
        var m = Metric("widgets", 1, 2);
        Assert.Equal((MetricDirection.HigherIsBetter, MetricDirectionSource.Assumed), (m.Direction, m.DirectionSource));
    }

    [Fact]
    public void ConfiguredDirection_WinsOverTheName()
    {
        var directions = MetricDirections.FromGates([new GatePolicy([new MetricRule("loss", MetricDirection.HigherIsBetter)])]);
        Assert.Equal((MetricDirection.HigherIsBetter, MetricDirectionSource.Configured), directions.Resolve("loss"));
        Assert.Equal(MetricVerdicts.Improved, Metric("loss", 1.0, 2.0, directions).Verdict);
    }

    [Theory]
    [InlineData("auc", 0.90, 0.92, "improved")]
    [InlineData("auc", 0.90, 0.905, "within tolerance")] // 1% of 0.90 is 0.009
    [InlineData("auc", 0.90, 0.895, "within tolerance")]
    [InlineData("auc", 0.90, 0.90, "within tolerance")]
    [InlineData("auc", 0.90, 0.88, "regressed beyond tolerance")]
    [InlineData("latency_p95_ms", 50, 60, "regressed beyond tolerance")]
    [InlineData("latency_p95_ms", 50, 50.4, "within tolerance")]
    [InlineData("latency_p95_ms", 50, 40, "improved")]
    public void Verdicts_FollowDirectionAndTolerance(string metric, double from, double to, string verdict) =>
        Assert.Equal(verdict, Metric(metric, from, to).Verdict);

    [Fact]
    public void AddedAndRemovedMetrics_HaveNoDelta()
    {
        var added = Metric("auc", null, 0.9);
        var removed = Metric("auc", 0.9, null);
        Assert.Equal((MetricVerdicts.Added, (double?)null, (double?)0.9), (added.Verdict, added.Delta, added.To));
        Assert.Equal((MetricVerdicts.Removed, (double?)null, (double?)0.9), (removed.Verdict, removed.Delta, removed.From));
    }

    [Fact]
    public void Deltas_AreAbsoluteAndRelative_RelativeNullFromZero()
    {
        var m = Metric("latency_p95_ms", 50, 40);
        Assert.Equal(-10, m.Delta!.Value, 9);
        Assert.Equal(-0.2, m.RelativeDelta!.Value, 9);
        Assert.Equal(10, m.Improvement!.Value, 9);
        Assert.Equal(0.5, m.Tolerance!.Value, 9);
        Assert.Equal("default 1% of from", m.ToleranceSource);
        var fromZero = Metric("error_count", 0, 3);
        Assert.Equal((3.0, (double?)null), (fromZero.Delta!.Value, fromZero.RelativeDelta));
        Assert.Equal(MetricVerdicts.Regressed, fromZero.Verdict);
    }

    [Fact]
    public void NegativeBaseline_UsesItsMagnitudeForRelativeDelta()
    {
        var m = Metric("r2", -0.5, -0.25);
        Assert.Equal(0.5, m.RelativeDelta!.Value, 9);
        Assert.Equal(MetricVerdicts.Improved, m.Verdict);
    }

    [Fact]
    public void Gate_SetsToleranceFromMaxRegression_AndReportsThresholdsCrossed()
    {
        var gate = new GatePolicy([new MetricRule("auc", MetricDirection.HigherIsBetter, Threshold: 0.85, MaxRegression: 0.05)]);
        var m = Metric("auc", 0.88, 0.84, gate: gate);
        Assert.Equal(MetricVerdicts.WithinTolerance, m.Verdict); // 0.04 worse, 0.05 allowed
        Assert.Equal(("gate maxRegression", (double?)0.85, ThresholdCrossings.NowFails), (m.ToleranceSource, m.Threshold, m.ThresholdCrossed));
        Assert.Equal(ThresholdCrossings.NowMeets, Metric("auc", 0.84, 0.88, gate: gate).ThresholdCrossed);
        Assert.Null(Metric("auc", 0.90, 0.91, gate: gate).ThresholdCrossed);
        Assert.Equal(MetricVerdicts.Regressed, Metric("auc", 0.95, 0.89, gate: gate).Verdict);
    }

    [Fact]
    public void Summary_CountsVerdicts()
    {
        var diff = ReleaseDiff.Compare(Bundle(1), new Dictionary<string, double> { ["auc"] = 0.9, ["loss"] = 0.3, ["old"] = 1 }, Bundle(2),
            new Dictionary<string, double> { ["auc"] = 0.8, ["loss"] = 0.2, ["new"] = 1 }, MetricDirections.Defaults);
        Assert.Equal(["auc", "loss", "new", "old"], diff.Metrics.Select(m => m.Metric));
        Assert.Equal(new DiffSummary(1, 0, 1, 1, 1, 0, 0), diff.Summary);
    }

    [Fact]
    public void Hyperparameters_AddedRemovedChanged_ByRawJson()
    {
        var diff = ReleaseDiff.Compare(Bundle(1, """{"eta":0.1,"depth":6,"obj":"binary"}"""), NoMetrics,
            Bundle(2, """{"eta":0.2,"depth":6,"gamma":1}"""), NoMetrics, MetricDirections.Defaults);
        Assert.Equal(
            [new ValueChange("eta", "changed", "0.1", "0.2"), new ValueChange("gamma", "added", null, "1"), new ValueChange("obj", "removed", "\"binary\"", null)],
            diff.Hyperparameters);
    }

    [Fact]
    public void Datasets_ComparedByDigest()
    {
        var diff = ReleaseDiff.Compare(
            Bundle(1, datasets: [new DatasetRef("train", "s3://d/t", D1), new DatasetRef("eval", "s3://d/e", D1), new DatasetRef("old", "s3://d/o", D1)]), NoMetrics,
            Bundle(2, datasets: [new DatasetRef("train", "s3://d/t2", D1), new DatasetRef("eval", "s3://d/e", D2), new DatasetRef("new", "s3://d/n", D2)]), NoMetrics,
            MetricDirections.Defaults);
        Assert.Equal(
            [new DatasetChange("eval", "changed", D1, D2, "s3://d/e", "s3://d/e"), new DatasetChange("new", "added", null, D2, null, "s3://d/n"),
             new DatasetChange("old", "removed", D1, null, "s3://d/o", null)],
            diff.Datasets); // train moved but kept its digest: same data
    }

    [Fact]
    public void ConfigArtifactAndImageChanges_AreReported()
    {
        var diff = ReleaseDiff.Compare(Bundle(1), NoMetrics,
            Bundle(2, artifactDigest: D2, image: "img:2", config: new InferenceConfig("ml.c5.xlarge", 2)), NoMetrics, MetricDirections.Defaults);
        Assert.True(diff.InferenceConfig.Changed);
        Assert.Equal(new InferenceConfig("ml.c5.xlarge", 2), diff.InferenceConfig.To);
        Assert.Equal((true, true, false), (diff.Artifact.Changed, diff.Artifact.DigestChanged, diff.Artifact.UriChanged));
        Assert.Equal(new ImageDiff(true, "img:1", "img:2"), diff.Image);
        Assert.False(diff.Identical);

        var uriOnly = ReleaseDiff.Compare(Bundle(1), NoMetrics, Bundle(2, artifactUri: "s3://m/2"), NoMetrics, MetricDirections.Defaults);
        Assert.Equal((true, false, true), (uriOnly.Artifact.Changed, uriOnly.Artifact.DigestChanged, uriOnly.Artifact.UriChanged));
        Assert.False(uriOnly.InferenceConfig.Changed);
        Assert.False(uriOnly.Image.Changed);
    }

    [Fact]
    public void IdenticalBundles_AreIdentical_WithNoChanges()
    {
        var metrics = new Dictionary<string, double> { ["auc"] = 0.9 };
        var diff = ReleaseDiff.Compare(Bundle(1), metrics, Bundle(1), metrics, MetricDirections.Defaults);
        Assert.True(diff.Identical);
        Assert.Equal(diff.FromDigest, diff.ToDigest);
        Assert.Empty(diff.Hyperparameters);
        Assert.Empty(diff.Datasets);
        Assert.False(diff.InferenceConfig.Changed || diff.Artifact.Changed || diff.Image.Changed);
        Assert.Equal(MetricVerdicts.WithinTolerance, Assert.Single(diff.Metrics).Verdict);
    }

    [Fact]
    public void ANegativeTolerance_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ReleaseDiff.Compare(Bundle(1), NoMetrics, Bundle(2), NoMetrics, MetricDirections.Defaults, -1));
}
