using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Integration.Tests.Clients;

/// <summary>
/// The launcher's SageMaker stand-in moves traffic from the old config (blue) to the new one
/// (green) over time, as a blue/green UpdateEndpoint does, so a canary can be watched through
/// DescribeEndpoint. Its clock runs RELEASE_CENTER_SAGEMAKER_SPEEDUP (default 300) times faster
/// than the wall clock: a 600 s baking period lasts about 2 s here. The tests poll often and
/// assert the order of what they see, never exact timings.
/// </summary>
[Collection("emulator")]
public sealed class CanaryTrafficTests(EmulatorFixture emulator) : IDisposable
{
    private const string Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:2.0.0";

    private readonly SageMakerClient _client = new(emulator.ClientOptions());

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Canary_GivesGreenItsShare_ThenAllTraffic_ThenServesTheNewConfig()
    {
        var (name, blue, green) = await EndpointWithNextConfigAsync();
        var strategy = new DeploymentStrategy
        {
            Kind = DeploymentStrategyKind.Canary, CanaryPercent = 20, WaitIntervalSeconds = 600, RollbackAlarms = ["fraud-5xx"],
        };

        await _client.UpdateEndpointAsync(new UpdateEndpointRequest(name, green) { DeploymentConfig = DeploymentConfigs.For(strategy) });
        var seen = await WatchAsync(name);

        var first = seen[0];
        Assert.Equal(EndpointStatus.Updating, first.EndpointStatus);
        Assert.Equal(blue, first.EndpointConfigName);
        var stillBlue = Assert.Single(first.ProductionVariants!);
        Assert.Equal(("blue", 0.8f, 0f), (stillBlue.VariantName, Round(stillBlue.CurrentWeight), Round(stillBlue.DesiredWeight)));
        var pending = first.PendingDeploymentSummary!;
        Assert.Equal(green, pending.EndpointConfigName);
        var canary = Assert.Single(pending.ProductionVariants!);
        Assert.Equal(("green", 0.2f, 1f), (canary.VariantName, Round(canary.CurrentWeight), Round(canary.DesiredWeight)));
        Assert.InRange(pending.StartTime!.Value, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));

        AssertShiftsThrough(seen, blue, green, [0.2f, 1f]);
        var done = seen[^1];
        Assert.Equal((EndpointStatus.InService, green), (done.EndpointStatus, done.EndpointConfigName));
        Assert.Null(done.PendingDeploymentSummary);
        Assert.Equal("green", Assert.Single(done.ProductionVariants!).VariantName);
        var routing = done.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration;
        Assert.Equal(TrafficRoutingType.Canary, routing?.Type);
        Assert.Equal(new CapacitySize(CapacitySizeType.CapacityPercent, 20), routing?.CanarySize);
        Assert.Equal("fraud-5xx", Assert.Single(done.LastDeploymentConfig!.AutoRollbackConfiguration!.Alarms).AlarmName);
    }

    [Fact]
    public async Task Linear_MovesTrafficInEqualSteps_ThenServesTheNewConfig()
    {
        var (name, blue, green) = await EndpointWithNextConfigAsync();
        var strategy = new DeploymentStrategy { Kind = DeploymentStrategyKind.Linear, LinearStepPercent = 50, WaitIntervalSeconds = 600 };

        await _client.UpdateEndpointAsync(new UpdateEndpointRequest(name, green) { DeploymentConfig = DeploymentConfigs.For(strategy) });
        var seen = await WatchAsync(name);

        Assert.Equal(EndpointStatus.Updating, seen[0].EndpointStatus);
        AssertShiftsThrough(seen, blue, green, [0.5f, 1f]);
        var done = seen[^1];
        Assert.Equal((EndpointStatus.InService, green), (done.EndpointStatus, done.EndpointConfigName));
        Assert.Null(done.PendingDeploymentSummary);
        Assert.Equal(TrafficRoutingType.Linear, done.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration.Type);
        Assert.Null(done.LastDeploymentConfig?.AutoRollbackConfiguration);
    }

    [Fact]
    public async Task Update_WhileADeploymentIsInProgress_IsRefusedAsInSageMaker()
    {
        var (name, blue, green) = await EndpointWithNextConfigAsync();
        var slow = new DeploymentStrategy { Kind = DeploymentStrategyKind.Canary, CanaryPercent = 10, WaitIntervalSeconds = 3600 };
        await _client.UpdateEndpointAsync(new UpdateEndpointRequest(name, green) { DeploymentConfig = DeploymentConfigs.For(slow) });

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.UpdateEndpointAsync(new UpdateEndpointRequest(name, blue)));

        Assert.Equal(SageMakerErrors.Validation, error.ErrorCode);
        Assert.StartsWith("Cannot update in-progress endpoint", error.Message, StringComparison.Ordinal);
        Assert.Equal(green, (await _client.DescribeEndpointAsync(name)).PendingDeploymentSummary?.EndpointConfigName);
    }

    [Fact]
    public async Task Update_WithoutADeploymentConfig_SwitchesAtOnce()
    {
        var (name, _, green) = await EndpointWithNextConfigAsync();

        await _client.UpdateEndpointAsync(new UpdateEndpointRequest(name, green));
        var endpoint = await _client.DescribeEndpointAsync(name);

        Assert.Equal((EndpointStatus.InService, green), (endpoint.EndpointStatus, endpoint.EndpointConfigName));
        Assert.Null(endpoint.PendingDeploymentSummary);
    }

    /// <summary>While Updating: blue stays the endpoint's config, the two shares add up to all traffic, and green's share only grows, through exactly <paramref name="steps"/>.</summary>
    private static void AssertShiftsThrough(IReadOnlyList<DescribeEndpointResponse> seen, string blue, string green, float[] steps)
    {
        var updating = seen.Where(e => e.EndpointStatus == EndpointStatus.Updating).ToList();
        Assert.All(updating, e =>
        {
            Assert.Equal(blue, e.EndpointConfigName);
            Assert.Equal(green, e.PendingDeploymentSummary?.EndpointConfigName);
            Assert.Equal(1f, Round(e.ProductionVariants!.Sum(v => v.CurrentWeight ?? 0) + e.PendingDeploymentSummary!.ProductionVariants!.Sum(v => v.CurrentWeight ?? 0)));
        });
        var greenShares = updating.Select(e => Round(e.PendingDeploymentSummary!.ProductionVariants!.Sum(v => v.CurrentWeight ?? 0))).ToList();
        Assert.True(greenShares.Zip(greenShares.Skip(1)).All(pair => pair.First <= pair.Second), $"green's share went down: {string.Join(", ", greenShares)}");
        Assert.Equal(steps, greenShares.Distinct());
        Assert.Equal(seen.Count - 1, updating.Count); // then it ended, once
    }

    /// <summary>Describes the endpoint every 50 ms until it leaves Updating (at most a minute); every answer, in order.</summary>
    private async Task<List<DescribeEndpointResponse>> WatchAsync(string name)
    {
        var seen = new List<DescribeEndpointResponse>();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(1);
        do
        {
            seen.Add(await _client.DescribeEndpointAsync(name));
            if (seen[^1].EndpointStatus != EndpointStatus.Updating)
            {
                return seen;
            }
            await Task.Delay(50);
        }
        while (DateTimeOffset.UtcNow < deadline);
        Assert.Fail($"Endpoint {name} was still Updating after a minute ({seen.Count} reads).");
        return seen;
    }

    private static float Round(float? weight) => MathF.Round(weight ?? float.NaN, 3);

    /// <summary>An InService endpoint on a "blue" config, and a "green" config to move it to.</summary>
    private async Task<(string Endpoint, string Blue, string Green)> EndpointWithNextConfigAsync()
    {
        emulator.RequireLocal(); // the traffic shift is our launcher's stand-in for SageMaker
        var name = emulator.UniqueName("fraud");
        var blue = await CreateConfigAsync("blue");
        await _client.CreateEndpointAsync(new CreateEndpointRequest(name, blue));
        var endpoint = await Poll.UntilAsync(() => _client.DescribeEndpointAsync(name), e => e.EndpointStatus != EndpointStatus.Creating);
        Assert.Equal(EndpointStatus.InService, endpoint.EndpointStatus);
        return (name, blue, await CreateConfigAsync("green"));
    }

    private async Task<string> CreateConfigAsync(string variant)
    {
        var model = emulator.UniqueName($"fraud-{variant}");
        await _client.CreateModelAsync(new CreateModelRequest(model, emulator.RoleArn("sagemaker"), new ContainerDefinition(Image)
        {
            ModelDataUrl = $"s3://release-center-models/fraud/{variant}/model.tar.gz",
        }));
        var config = emulator.UniqueName($"fraud-{variant}-config");
        await _client.CreateEndpointConfigAsync(new CreateEndpointConfigRequest(
            config, [new ProductionVariant(variant, model, 1, "ml.m5.large") { InitialVariantWeight = 1 }]));
        return config;
    }
}
