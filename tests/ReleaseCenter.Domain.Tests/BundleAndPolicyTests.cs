using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Tests;

public sealed class BundleAndPolicyTests
{
    private const string D1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string D2 = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    private static ModelVersion Version(string hyperparameters, params DatasetRef[] datasets)
    {
        using var doc = JsonDocument.Parse(hyperparameters);
        return ModelVersion.Create("fraud", new ModelVersionDraft("s3://m/1", D1, Image: "img:1", Datasets: datasets,
            Hyperparameters: doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            InferenceConfig: new InferenceConfig("ml.m5.large", 1)), "alice", T0) with { Version = 3 };
    }

    [Fact]
    public void SameContent_InAnyOrder_HasTheSameDigest()
    {
        var a = Bundle.Freeze(Version("""{"eta":0.1,"depth":6}""", new DatasetRef("train", "s3://d/t", D1), new DatasetRef("eval", "s3://d/e", D2)), "ml.m5.large");
        var b = Bundle.Freeze(Version("""{"depth":6,"eta":0.1}""", new DatasetRef("eval", "s3://d/e", D2), new DatasetRef("train", "s3://d/t", D1)), "ml.m5.large");
        Assert.Equal(a.Digest, b.Digest);
        Assert.Matches("^sha256:[0-9a-f]{64}$", a.Digest);
    }

    [Theory]
    [InlineData("""{"eta":0.2,"depth":6}""", D1)]
    [InlineData("""{"eta":0.1,"depth":6}""", D2)]
    public void ChangingAHyperparameterOrADatasetDigest_ChangesTheDigest(string hyperparameters, string datasetDigest)
    {
        var baseline = Bundle.Freeze(Version("""{"eta":0.1,"depth":6}""", new DatasetRef("train", "s3://d/t", D1)), "ml.m5.large");
        var changed = Bundle.Freeze(Version(hyperparameters, new DatasetRef("train", "s3://d/t", datasetDigest)), "ml.m5.large");
        Assert.NotEqual(baseline.Digest, changed.Digest);
    }

    [Fact]
    public void AVersionWithoutInferenceConfig_GetsTheEnvironmentDefault_InTheDigestToo()
    {
        var version = Version("{}") with { InferenceConfig = null };
        var small = Bundle.Freeze(version, "ml.m5.large");
        var large = Bundle.Freeze(version, "ml.m5.xlarge");
        Assert.Equal(new InferenceConfig("ml.m5.large", 1), small.InferenceConfig);
        Assert.NotEqual(small.Digest, large.Digest);
    }

    [Fact]
    public void Policies_ParseTheShippedConfiguration()
    {
        var json = File.ReadAllText(Path.Combine(RepoRoot(), "config", "environments.json"));
        var policies = EnvironmentPolicies.Parse(json);

        Assert.Equal(["dev", "staging", "prod"], policies.All.Select(p => p.Name));
        Assert.False(policies.Get("dev").RequiresApproval);
        Assert.Equal((2, "approvers-prod"), (policies.Get("prod").Approval.Required, policies.Get("prod").Approval.Groups.Single()));
        var auc = policies.Get("prod").Gate.Rules.Single(r => r.Metric == "auc");
        Assert.Equal((MetricDirection.HigherIsBetter, 0.88, 0.01), (auc.Direction, auc.Threshold, auc.MaxRegression));
    }

    [Fact]
    public void Policies_DefaultToRejectingTheStage_AndRefuseAnUnknownRejectionRule()
    {
        var json = File.ReadAllText(Path.Combine(RepoRoot(), "config", "environments.json"));
        Assert.All(EnvironmentPolicies.Parse(json).All, p => Assert.Equal(ApprovalPolicy.RejectStage, p.Approval.OnRejection));
        var bad = json.Replace("\"onRejection\": \"reject-stage\"", "\"onRejection\": \"shrug\"", StringComparison.Ordinal);
        Assert.NotEqual(json, bad);
        Assert.Throws<FormatException>(() => EnvironmentPolicies.Parse(bad));
    }

    [Theory]
    [InlineData("""{"environments":[]}""")]
    [InlineData("""{"environments":[{"name":"dev","approval":{"required":0,"groups":[],"timeoutSeconds":1},"instanceType":"ml.m5.large"},{"name":"dev","approval":{"required":0,"groups":[],"timeoutSeconds":1},"instanceType":"ml.m5.large"}]}""")]
    public void Policies_RejectAnEmptyOrRepeatedEnvironmentList(string json) =>
        Assert.Throws<FormatException>(() => EnvironmentPolicies.Parse(json));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries.");
    }
}
