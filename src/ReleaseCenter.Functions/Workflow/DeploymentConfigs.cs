using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Turns an environment's <see cref="DeploymentStrategy"/> into the DeploymentConfig of
/// SageMaker's UpdateEndpoint: a blue/green update whose traffic routing is the strategy, sizes
/// as a percentage of the fleet, and automatic rollback on the strategy's alarms.
/// </summary>
public static class DeploymentConfigs
{
    /// <summary>The DeploymentConfig for <paramref name="strategy"/>; AutoRollbackConfiguration only when it names alarms (SageMaker takes 1 to 10).</summary>
    /// <exception cref="ArgumentException">A canary without its percent or a linear strategy without its step: <see cref="DeploymentStrategy.Parse"/> never makes one.</exception>
    public static DeploymentConfig For(DeploymentStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        var routing = strategy.Kind switch
        {
            DeploymentStrategyKind.AllAtOnce => new TrafficRoutingConfiguration(TrafficRoutingType.AllAtOnce, strategy.WaitIntervalSeconds),
            DeploymentStrategyKind.Canary => new TrafficRoutingConfiguration(TrafficRoutingType.Canary, strategy.WaitIntervalSeconds)
            {
                CanarySize = new CapacitySize(CapacitySizeType.CapacityPercent,
                    strategy.CanaryPercent ?? throw new ArgumentException("A canary strategy needs its CanaryPercent.", nameof(strategy))),
            },
            DeploymentStrategyKind.Linear => new TrafficRoutingConfiguration(TrafficRoutingType.Linear, strategy.WaitIntervalSeconds)
            {
                LinearStepSize = new CapacitySize(CapacitySizeType.CapacityPercent,
                    strategy.LinearStepPercent ?? throw new ArgumentException("A linear strategy needs its LinearStepPercent.", nameof(strategy))),
            },
            _ => throw new ArgumentException($"Unknown deployment strategy {strategy.Kind}.", nameof(strategy)),
        };
        return new DeploymentConfig
        {
            BlueGreenUpdatePolicy = new BlueGreenUpdatePolicy(routing)
            {
                TerminationWaitInSeconds = strategy.TerminationWaitSeconds,
                MaximumExecutionTimeoutInSeconds = strategy.MaximumExecutionTimeoutSeconds,
            },
            AutoRollbackConfiguration = strategy.RollbackAlarms.Count == 0
                ? null
                : new AutoRollbackConfiguration([.. strategy.RollbackAlarms.Select(alarm => new AlarmReference(alarm))]),
        };
    }
}
