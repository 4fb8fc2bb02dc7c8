using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>The mapping from an environment's strategy to UpdateEndpoint's DeploymentConfig; no emulator needed.</summary>
public sealed class DeploymentConfigsTests
{
    private static DeploymentConfig For(string deployment, int bakeSeconds = 0)
    {
        using var doc = JsonDocument.Parse(deployment);
        return DeploymentConfigs.For(DeploymentStrategy.Parse(doc.RootElement, "prod", bakeSeconds));
    }

    [Fact]
    public void Canary_IsABlueGreenCanaryOfThatPercent_WithItsWaitsAndAlarms()
    {
        var config = For("""
            {"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":600,"terminationWaitSeconds":60,
             "maximumExecutionTimeoutSeconds":1800,"rollbackAlarms":["fraud-5xx","fraud-latency"]}
            """);

        var policy = config.BlueGreenUpdatePolicy!;
        Assert.Equal(new TrafficRoutingConfiguration(TrafficRoutingType.Canary, 600)
        {
            CanarySize = new CapacitySize(CapacitySizeType.CapacityPercent, 10),
        }, policy.TrafficRoutingConfiguration);
        Assert.Equal((60, 1800), (policy.TerminationWaitInSeconds, policy.MaximumExecutionTimeoutInSeconds));
        Assert.Equal(["fraud-5xx", "fraud-latency"], config.AutoRollbackConfiguration!.Alarms.Select(a => a.AlarmName));
    }

    [Fact]
    public void Linear_IsABlueGreenLinearOfThatStep_WithoutRollbackWhenNoAlarms()
    {
        var config = For("""{"strategy":"linear","linearStepPercent":25,"waitIntervalSeconds":300}""");

        var policy = config.BlueGreenUpdatePolicy!;
        Assert.Equal(new TrafficRoutingConfiguration(TrafficRoutingType.Linear, 300)
        {
            LinearStepSize = new CapacitySize(CapacitySizeType.CapacityPercent, 25),
        }, policy.TrafficRoutingConfiguration);
        Assert.Equal(0, policy.TerminationWaitInSeconds);
        Assert.Null(policy.MaximumExecutionTimeoutInSeconds);
        Assert.Null(config.AutoRollbackConfiguration);
    }

    [Fact]
    public void AllAtOnce_BakesForTheEnvironmentsBakeTime_AndSetsNoSizes()
    {
        var config = For("""{"strategy":"all-at-once","rollbackAlarms":["fraud-5xx"]}""", bakeSeconds: 120);

        Assert.Equal(new TrafficRoutingConfiguration(TrafficRoutingType.AllAtOnce, 120), config.BlueGreenUpdatePolicy!.TrafficRoutingConfiguration);
        Assert.Equal("fraud-5xx", Assert.Single(config.AutoRollbackConfiguration!.Alarms).AlarmName);
    }

    [Fact]
    public void TheDefaultStrategy_IsAnImmediateAllAtOnceSwitch()
    {
        var config = DeploymentConfigs.For(DeploymentStrategy.AllAtOnce);

        Assert.Equal(new BlueGreenUpdatePolicy(new TrafficRoutingConfiguration(TrafficRoutingType.AllAtOnce, 0)) { TerminationWaitInSeconds = 0 },
            config.BlueGreenUpdatePolicy);
        Assert.Null(config.AutoRollbackConfiguration);
    }

    [Theory]
    [InlineData(DeploymentStrategyKind.Canary)]
    [InlineData(DeploymentStrategyKind.Linear)]
    public void AStrategyWithoutItsSize_IsRefused(DeploymentStrategyKind kind) =>
        Assert.Throws<ArgumentException>("strategy", () => DeploymentConfigs.For(new DeploymentStrategy { Kind = kind, WaitIntervalSeconds = 60 }));
}
