using System.Text;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Registry;

namespace ReleaseCenter.Functions.Tests.Registry;

/// <summary>How a SageMaker model package becomes a version (issue 14): what comes from where, and what is refused.</summary>
public sealed class ModelPackageVersionsTests
{
    private const string Arn = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/3";
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static DescribeModelPackageResponse Package(Dictionary<string, string>? properties = null) => new(Arn)
    {
        ModelPackageGroupName = "fraud-detector",
        ModelPackageVersion = 3,
        InferenceSpecification = new([new ModelPackageContainer("123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1")
        {
            ModelDataUrl = "s3://models/fraud-detector/3/model.tar.gz", Framework = "XGBOOST", FrameworkVersion = "1.7",
        }]) { SupportedRealtimeInferenceInstanceTypes = ["ml.m5.xlarge"] },
        MetadataProperties = new MetadataProperties { GeneratedBy = "arn:aws:sagemaker:us-east-1:123456789012:pipeline/train/execution/abc", CommitId = "9f2c1e" },
        CustomerMetadataProperties = properties ?? new Dictionary<string, string>
        {
            ["artifactDigest"] = Digest, ["metric:auc"] = "0.91", ["metric:recall"] = "0.8", ["hyperparameter:max_depth"] = "6", ["hyperparameter:objective"] = "binary:logistic",
        },
    };

    [Fact]
    public void TheReportsMetricsWin_PropertiesFillTheRest_AndTheLineageNamesThePackage()
    {
        var draft = ModelPackageVersions.Draft(Package(), new Dictionary<string, double> { ["auc"] = 0.93, ["f1"] = 0.7 }, previous: null);
        var version = ModelVersion.Create("fraud-detector", draft, "alice", DateTimeOffset.UnixEpoch);

        Assert.Equal(new Dictionary<string, double> { ["auc"] = 0.93, ["f1"] = 0.7, ["recall"] = 0.8 }, version.Metrics);
        Assert.Equal(Digest, version.ArtifactDigest);
        Assert.Equal("xgboost 1.7", version.Framework);
        Assert.Equal(new InferenceConfig("ml.m5.xlarge", 1), version.InferenceConfig);
        Assert.Equal(6, version.Hyperparameters["max_depth"].GetInt32());
        Assert.Equal("binary:logistic", version.Hyperparameters["objective"].GetString());
        Assert.Equal(Package().MetadataProperties!.GeneratedBy, version.TrainingRun);
        var lineage = ModelPackageVersions.Lineage(Package());
        Assert.Equal(Arn, lineage[ModelPackageVersions.PackageLineageKey]);
        Assert.Equal("3", lineage["modelPackageVersion"]);
        Assert.Equal("9f2c1e", lineage["commit"]);
    }

    [Fact]
    public void WhatThePackageLacks_IsRefusedWithTheField()
    {
        var noDigest = Assert.Throws<DomainValidationException>(() => ModelVersion.Create("m",
            ModelPackageVersions.Draft(Package(new Dictionary<string, string> { ["metric:auc"] = "0.9" }), null, null), "a", DateTimeOffset.UnixEpoch));
        Assert.Contains("artifactDigest", noDigest.Errors.ToDictionary().Keys);
        Assert.StartsWith("'artifactDigest' ", noDigest.Reasons, StringComparison.Ordinal); // what a workflow error or log line says
        var badMetric = Assert.Throws<DomainValidationException>(() =>
            ModelPackageVersions.Draft(Package(new Dictionary<string, string> { ["artifactDigest"] = Digest, ["metric:auc"] = "high" }), null, null));
        Assert.Contains("customerMetadataProperties.metric:auc", badMetric.Errors.ToDictionary().Keys);
        var noContainer = Assert.Throws<DomainValidationException>(() => ModelPackageVersions.Draft(Package() with { InferenceSpecification = null }, null, null));
        Assert.Contains("modelPackageArn", noContainer.Errors.ToDictionary().Keys);
    }

    [Theory]
    [InlineData(Arn, null, "fraud-detector")]
    [InlineData("arn:aws:sagemaker:us-east-1:123456789012:model-package/standalone", null, null)]
    [InlineData("arn:aws:s3:::bucket/key", "must be a model package ARN", null)]
    [InlineData("", "is required", null)]
    public void Arns_AreChecked_AndNameTheirGroup(string arn, string? problem, string? group)
    {
        if (problem is null)
        {
            Assert.Null(ModelPackageVersions.CheckArn(arn));
            Assert.Equal(group, ModelPackageVersions.GroupOf(arn));
        }
        else
        {
            Assert.Contains(problem, ModelPackageVersions.CheckArn(arn));
        }
    }

    [Fact]
    public void AMetricsReport_InSageMakersFormat_GivesEveryValue_AndOneWithoutValuesIsRefused()
    {
        var report = """{"version":0.0,"binary_classification_metrics":{"auc":{"value":0.93,"standard_deviation":0.01},"recall":{"value":0.8}},"regression_metrics":{"mse":{"value":1.5}}}""";
        Assert.Equal(new Dictionary<string, double> { ["auc"] = 0.93, ["mse"] = 1.5, ["recall"] = 0.8 }, S3MetricsReports.Parse(Encoding.UTF8.GetBytes(report), "s3://b/r.json"));
        Assert.Throws<DomainValidationException>(() => S3MetricsReports.Parse("""{"version":0.0}"""u8, "s3://b/r.json"));
        Assert.Throws<DomainValidationException>(() => S3MetricsReports.Parse("not json"u8, "s3://b/r.json"));
    }

    [Fact]
    public void TheMapping_SaysWhichGroupsFeedWhichModel()
    {
        var config = ModelRegistryConfig.Parse("""{"groups":{"Fraud-Packages":{"model":"fraud-detector","releaseTo":["dev"]},"manual":{"model":"churn","auto":false}}}""");
        Assert.True(config.Feeds("fraud-packages", "fraud-detector", "release-center-"));
        Assert.False(config.Feeds("fraud-packages", "churn", "release-center-"));
        Assert.True(config.Feeds("release-center-churn", "churn", "release-center-"));
        Assert.Equal(["dev"], config.Groups["Fraud-Packages"].ReleaseEnvironments);
        Assert.False(config.Groups["manual"].Auto);
        Assert.Throws<FormatException>(() => ModelRegistryConfig.Parse("""{"groups":{"g":{"model":"Not A Name"}}}"""));
        Assert.Equal(["b1", "b2"], ModelRegistryConfig.Parse(ModelRegistryConfig.WithReportBucket("""{"reportBuckets":["b1"]}""", "b2")).ReportBuckets);
        Assert.Equal(["b2"], ModelRegistryConfig.Parse(ModelRegistryConfig.WithReportBucket(null, "b2")).ReportBuckets);
    }
}
