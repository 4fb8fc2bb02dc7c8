using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>The share of traffic a release's endpoint config takes, read from DescribeEndpoint as SageMaker reports a blue/green shift.</summary>
public sealed class TrafficSplitTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);

    private static DescribeEndpointResponse Endpoint(string config, float blue, string? pendingConfig = null, float green = 0) =>
        new("fraud-detector-prod", "arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-detector-prod", config,
            [new ProductionVariantSummary("AllTraffic", blue, pendingConfig is null ? 1 : 0, 1, 1)], pendingConfig is null ? "InService" : "Updating",
            null, At, At, null)
        {
            PendingDeploymentSummary = pendingConfig is null ? null
                : new PendingDeploymentSummary(pendingConfig, [new PendingProductionVariantSummary("AllTraffic", green, 1, 1, 1)], At),
        };

    [Fact]
    public void DuringACanary_TheNewConfigTakesItsPendingWeightOverAll()
    {
        Assert.Equal(0.1, ReleaseTraffic.NewShare(Endpoint("old", 0.9f, "new", 0.1f), "new")!.Value, 3);
    }

    [Fact]
    public void OnceTheEndpointServesTheNewConfig_ItTakesEverything_AndBeforeTheShiftNothing()
    {
        Assert.Equal(1, ReleaseTraffic.NewShare(Endpoint("new", 1), "new"));
        Assert.Equal(0, ReleaseTraffic.NewShare(Endpoint("old", 1), "new"));
        Assert.Equal(0, ReleaseTraffic.NewShare(Endpoint("old", 1, "someone-elses", 0.5f), "new"));
    }

    [Fact]
    public void WithoutWeights_TheShareIsUnknown_NotZero()
    {
        Assert.Null(ReleaseTraffic.NewShare(Endpoint("old", 0, "new", 0), "new"));
    }

    /// <summary>
    /// Found by CI: the console and rc ask for the split while a stage deploys; asked in the moment between the deployment
    /// being recorded and SageMaker having the endpoint, the route answered 500. Now: no split yet.
    /// </summary>
    [Fact]
    public async Task AStageWhoseEndpointSageMakerDoesNotHave_HasNoSplitYet_NotAnError()
    {
        using var harness = new Harness();
        var model = await harness.RegisterAsync("traffic-model", (0.93, 80));
        var release = await harness.ReleaseAsync(model, 1, "dev");
        await harness.WaitForApprovalAsync(release.Id, "dev");
        var deployed = await harness.DeployAsync(release.Id, "dev");
        await harness.SageMaker.DeleteEndpointAsync(harness.SageMaker.Endpoints.Keys.Single());

        var split = await harness.Get<ReleaseTraffic>().GetAsync(release.Id, CancellationToken.None);

        Assert.Equal("dev", split.Environment);
        Assert.Null(split.EndpointStatus);
        Assert.Null(split.NewPercent);
        Assert.False(split.Shifting);
        Assert.NotNull(deployed);
    }
}
