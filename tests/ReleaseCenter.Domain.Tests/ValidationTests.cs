using System.Text.Json;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Tests;

public sealed class ValidationTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("fraud-model", true)]
    [InlineData("abc", true)]
    [InlineData("ab", false)]
    [InlineData("Fraud", false)]
    [InlineData("fraud_model", false)]
    [InlineData("", false)]
    public void ResourceName_FollowsTheContract(string name, bool valid) =>
        Assert.Equal(valid, Rules.ResourceName(name) is null);

    [Fact]
    public void ResourceName_Of64Characters_IsRejected()
    {
        Assert.Null(Rules.ResourceName(new string('a', 63)));
        Assert.NotNull(Rules.ResourceName(new string('a', 64)));
    }

    [Theory]
    [InlineData(Digest, true)]
    [InlineData("sha256:0123", false)]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    [InlineData("md5:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    public void Digest_MustBeSha256Hex(string digest, bool valid) =>
        Assert.Equal(valid, Rules.Digest(digest) is null);

    [Theory]
    [InlineData("s3://bucket/model.tar.gz", true)]
    [InlineData("https://example.com/m", true)]
    [InlineData("ftp://example.com/m", false)]
    [InlineData("model.tar.gz", false)]
    [InlineData("s3:///no-bucket", false)]
    public void ArtifactUri_MustBeAbsoluteWithKnownScheme(string uri, bool valid) =>
        Assert.Equal(valid, Rules.ArtifactUri(uri) is null);

    [Fact]
    public void Model_Create_ReportsEveryBadFieldByName()
    {
        var ex = Assert.Throws<DomainValidationException>(() =>
            Model.Create(new ModelDraft("X", null, Tags: new Dictionary<string, string> { ["bad key!"] = "v" }), "alice", Now));
        var errors = ex.Errors.ToDictionary();
        Assert.Contains("name", errors.Keys);
        Assert.Contains("project", errors.Keys);
        Assert.Contains("tags.bad key!", errors.Keys);
    }

    [Fact]
    public void Model_Create_DefaultsOwnerToTheCaller()
    {
        var model = Model.Create(new ModelDraft("fraud", "payments"), "alice", Now);
        Assert.Equal("alice", model.Owner);
        Assert.Equal(0, model.LatestVersion);
    }

    [Fact]
    public void Version_Create_RejectsNonFiniteMetricsAndBadDatasetDigests()
    {
        var draft = new ModelVersionDraft("s3://b/m", Digest,
            Datasets: [new DatasetRef("train", "s3://b/train", "sha256:nope")],
            Metrics: new Dictionary<string, double> { ["auc"] = double.NaN, ["f1"] = 0.8 });
        var errors = Assert.Throws<DomainValidationException>(() => ModelVersion.Create("fraud", draft, "alice", Now)).Errors.ToDictionary();
        Assert.Equal(["datasets[0].digest", "metrics.auc"], errors.Keys.Order());
    }

    [Fact]
    public void Version_Create_RejectsNestedHyperparametersAndDuplicateDatasets()
    {
        using var doc = JsonDocument.Parse("""{"lr":0.1,"layers":[1,2]}""");
        var hp = doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        var draft = new ModelVersionDraft("s3://b/m", Digest,
            Datasets: [new DatasetRef("train", "s3://b/a", Digest), new DatasetRef("train", "s3://b/b", Digest)],
            Hyperparameters: hp);
        var errors = Assert.Throws<DomainValidationException>(() => ModelVersion.Create("fraud", draft, "alice", Now)).Errors.ToDictionary();
        Assert.Equal(["datasets[1].name", "hyperparameters.layers"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("ml.m5.large", 1, true)]
    [InlineData("m5.large", 1, false)]
    [InlineData("ml.m5.large", 0, false)]
    [InlineData("ml.m5.large", 101, false)]
    public void Version_Create_ChecksInferenceConfig(string instanceType, int count, bool valid)
    {
        var draft = new ModelVersionDraft("s3://b/m", Digest, InferenceConfig: new InferenceConfig(instanceType, count));
        var act = () => ModelVersion.Create("fraud", draft, "alice", Now);
        if (valid)
        {
            Assert.Equal("ml.m5.large", act().InferenceConfig!.InstanceType);
        }
        else
        {
            Assert.Throws<DomainValidationException>(act);
        }
    }

    [Fact]
    public void Version_Create_KeepsAValidVersionIntact()
    {
        var draft = new ModelVersionDraft("s3://b/m", Digest, "xgboost",
            Datasets: [new DatasetRef("train", "s3://b/train", Digest)],
            Metrics: new Dictionary<string, double> { ["auc"] = 0.91 });
        var version = ModelVersion.Create("fraud", draft, "alice", Now);
        Assert.Equal(0.91, version.Metrics["auc"]);
        Assert.Equal("train", Assert.Single(version.Datasets).Name);
        Assert.Equal(0, version.Version);
    }
}
