using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>Defect 1 (issue 10), the naming rule on its own: every name fits, and shortening never merges two releases.</summary>
public sealed class SageMakerNamesTests
{
    private static readonly string Long60 = new string('m', 50) + "-detector";

    [Fact]
    public void ShortNames_KeepTheirReadableForm()
    {
        Assert.Equal("fraud-detector-prod", SageMakerNames.Endpoint("fraud-detector", "prod"));
        Assert.StartsWith("fraud-detector-prod-", SageMakerNames.EndpointConfig("fraud-detector", "prod", "rel-1"), StringComparison.Ordinal);
        Assert.StartsWith("fraud-detector-v3-", SageMakerNames.Model("fraud-detector", 3, "rel-1"), StringComparison.Ordinal);
    }

    [Fact]
    public void APrefix_StartsEveryName_EvenAShortenedOne()
    {
        const string prefix = "release-center-";
        var model = Long60 + "x";
        var names = new[]
        {
            SageMakerNames.Endpoint("fraud-detector", "prod", prefix), SageMakerNames.Endpoint(model, "prod", prefix),
            SageMakerNames.EndpointConfig(model, "prod", "rel-1", prefix), SageMakerNames.Model(model, 3, "rel-1", prefix),
        };

        Assert.Equal("release-center-fraud-detector-prod", names[0]);
        Assert.All(names, n => Assert.True(SageMakerNames.IsValid(n) && n.StartsWith(prefix, StringComparison.Ordinal), n));
        Assert.Equal("release-center-fraud-detector", SageMakerNames.ModelPackageGroup("fraud-detector", prefix));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("staging")]
    [InlineData("prod")]
    public void LongModelNames_FitAndStayDistinctPerRelease(string environment)
    {
        Assert.Equal(59, Long60.Length);
        var model = Long60 + "x";
        var endpoint = SageMakerNames.Endpoint(model, environment);
        var first = SageMakerNames.EndpointConfig(model, environment, "rel-20261130-100000-aaaaaaaa");
        var second = SageMakerNames.EndpointConfig(model, environment, "rel-20261130-100001-aaaaaaaa");
        foreach (var name in new[] { endpoint, first, second, SageMakerNames.Model(model, 12, "rel-a") })
        {
            Assert.True(SageMakerNames.IsValid(name), name);
        }
        Assert.NotEqual(first, second);
        Assert.Contains($"-{environment}-", endpoint, StringComparison.Ordinal);
        Assert.NotEqual(SageMakerNames.Model(model, 1, "rel-a"), SageMakerNames.Model(model, 1, "rel-b"));
        Assert.NotEqual(SageMakerNames.Endpoint(model, environment), SageMakerNames.Endpoint(model + "y", environment));
    }
}
