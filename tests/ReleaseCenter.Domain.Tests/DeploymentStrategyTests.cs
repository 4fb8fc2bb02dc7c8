using System.Text.Json;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Tests;

public sealed class DeploymentStrategyTests
{
    private const int BakeSeconds = 120;

    private static DeploymentStrategy Parse(string json, int defaultWaitSeconds = BakeSeconds)
    {
        using var doc = JsonDocument.Parse(json);
        return DeploymentStrategy.Parse(doc.RootElement, "prod", defaultWaitSeconds);
    }

    private static FormatException Rejected(string json, int defaultWaitSeconds = BakeSeconds) =>
        Assert.Throws<FormatException>(() => Parse(json, defaultWaitSeconds));

    [Fact]
    public void Canary_WithEveryField_IsReadAsWritten()
    {
        var strategy = Parse("""
            {"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":600,"terminationWaitSeconds":60,
             "maximumExecutionTimeoutSeconds":1800,"rollbackAlarms":["fraud-5xx","fraud-latency"]}
            """);

        Assert.Equal(new DeploymentStrategy
        {
            Kind = DeploymentStrategyKind.Canary,
            CanaryPercent = 10,
            WaitIntervalSeconds = 600,
            TerminationWaitSeconds = 60,
            MaximumExecutionTimeoutSeconds = 1800,
            RollbackAlarms = ["fraud-5xx", "fraud-latency"],
        }, strategy);
        Assert.Null(strategy.LinearStepPercent);
    }

    [Fact]
    public void Linear_WithoutOptionalFields_TakesTheDefaults()
    {
        var strategy = Parse("""{"strategy":"linear","linearStepPercent":25,"waitIntervalSeconds":300}""");

        Assert.Equal(DeploymentStrategyKind.Linear, strategy.Kind);
        Assert.Equal(25, strategy.LinearStepPercent);
        Assert.Null(strategy.CanaryPercent);
        Assert.Equal(300, strategy.WaitIntervalSeconds);
        Assert.Equal(0, strategy.TerminationWaitSeconds);
        Assert.Null(strategy.MaximumExecutionTimeoutSeconds);
        Assert.Empty(strategy.RollbackAlarms);
    }

    [Fact]
    public void AllAtOnce_WithoutAWaitInterval_BakesForTheEnvironmentsBakeTime()
    {
        var strategy = Parse("""{"strategy":"all-at-once"}""");

        Assert.Equal(DeploymentStrategyKind.AllAtOnce, strategy.Kind);
        Assert.Equal(BakeSeconds, strategy.WaitIntervalSeconds);
        Assert.NotEqual(DeploymentStrategy.AllAtOnce, strategy);
        Assert.Equal(DeploymentStrategy.AllAtOnce, Parse("""{"strategy":"all-at-once"}""", defaultWaitSeconds: 0));
    }

    [Fact]
    public void TheDefault_IsAllAtOnceWithoutWaitsOrAlarms()
    {
        var strategy = DeploymentStrategy.AllAtOnce;

        Assert.Equal(DeploymentStrategyKind.AllAtOnce, strategy.Kind);
        Assert.Equal((0, 0, null), (strategy.WaitIntervalSeconds, strategy.TerminationWaitSeconds, strategy.MaximumExecutionTimeoutSeconds));
        Assert.Empty(strategy.RollbackAlarms);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(50)]
    public void CanaryPercent_WithinOneToFifty_IsAccepted(int percent) =>
        Assert.Equal(percent, Parse($$"""{"strategy":"canary","canaryPercent":{{percent}}}""").CanaryPercent);

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public void CanaryPercent_OutsideOneToFifty_IsRejectedNamingEnvironmentAndField(int percent)
    {
        var error = Rejected($$"""{"strategy":"canary","canaryPercent":{{percent}}}""");

        Assert.StartsWith("prod: deployment.canaryPercent must be 1 to 50 (SageMaker: at most 50% of the fleet)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    public void LinearStep_WithinTenToFifty_IsAccepted(int percent) =>
        Assert.Equal(percent, Parse($$"""{"strategy":"linear","linearStepPercent":{{percent}}}""").LinearStepPercent);

    [Theory]
    [InlineData(9)]
    [InlineData(51)]
    public void LinearStep_OutsideTenToFifty_IsRejected(int percent) =>
        Assert.StartsWith("prod: deployment.linearStepPercent must be 10 to 50",
            Rejected($$"""{"strategy":"linear","linearStepPercent":{{percent}}}""").Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0)]
    [InlineData(3600)]
    public void WaitInterval_WithinZeroToAnHour_IsAccepted(int seconds) =>
        Assert.Equal(seconds, Parse($$"""{"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":{{seconds}}}""").WaitIntervalSeconds);

    [Theory]
    [InlineData(-1)]
    [InlineData(3601)]
    public void WaitInterval_OutsideZeroToAnHour_IsRejected(int seconds) =>
        Assert.StartsWith("prod: deployment.waitIntervalSeconds must be 0 to 3600",
            Rejected($$"""{"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":{{seconds}}}""").Message, StringComparison.Ordinal);

    [Fact]
    public void WaitInterval_DefaultedFromABakeTimeLongerThanAnHour_IsRejectedSayingWhereItCameFrom()
    {
        Assert.Equal(3600, Parse("""{"strategy":"all-at-once"}""", defaultWaitSeconds: 3600).WaitIntervalSeconds);

        var error = Rejected("""{"strategy":"all-at-once"}""", defaultWaitSeconds: 3601);

        Assert.StartsWith("prod: deployment.waitIntervalSeconds (defaulted to the environment's bakeSeconds, 3601) must be 0 to 3600", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3600)]
    public void TerminationWait_WithinZeroToAnHour_IsAccepted(int seconds) =>
        Assert.Equal(seconds, Parse($$"""{"strategy":"all-at-once","terminationWaitSeconds":{{seconds}}}""").TerminationWaitSeconds);

    [Theory]
    [InlineData(-1)]
    [InlineData(3601)]
    public void TerminationWait_OutsideZeroToAnHour_IsRejected(int seconds) =>
        Assert.StartsWith("prod: deployment.terminationWaitSeconds must be 0 to 3600",
            Rejected($$"""{"strategy":"all-at-once","terminationWaitSeconds":{{seconds}}}""").Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(600)]
    [InlineData(28800)]
    public void ExecutionTimeout_WithinTenMinutesToEightHours_IsAccepted(int seconds) =>
        Assert.Equal(seconds, Parse($$"""{"strategy":"all-at-once","waitIntervalSeconds":0,"maximumExecutionTimeoutSeconds":{{seconds}}}""").MaximumExecutionTimeoutSeconds);

    [Theory]
    [InlineData(599)]
    [InlineData(28801)]
    public void ExecutionTimeout_OutsideTenMinutesToEightHours_IsRejected(int seconds) =>
        Assert.StartsWith("prod: deployment.maximumExecutionTimeoutSeconds must be 600 to 28800",
            Rejected($$"""{"strategy":"all-at-once","waitIntervalSeconds":0,"maximumExecutionTimeoutSeconds":{{seconds}}}""").Message, StringComparison.Ordinal);

    [Theory]
    // Linear 25%: four steps, each baked for 300 s, plus 60 s before the old fleet goes: 1260 s.
    [InlineData("""{"strategy":"linear","linearStepPercent":25,"waitIntervalSeconds":300,"terminationWaitSeconds":60,"maximumExecutionTimeoutSeconds":1261}""", true)]
    [InlineData("""{"strategy":"linear","linearStepPercent":25,"waitIntervalSeconds":300,"terminationWaitSeconds":60,"maximumExecutionTimeoutSeconds":1260}""", false)]
    // Canary: the canary's bake and the final bake, 2 x 600 s.
    [InlineData("""{"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":600,"maximumExecutionTimeoutSeconds":1201}""", true)]
    [InlineData("""{"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":600,"maximumExecutionTimeoutSeconds":1200}""", false)]
    public void ExecutionTimeout_MustBeLargerThanEveryWaitTogether(string json, bool accepted)
    {
        if (accepted)
        {
            Assert.NotNull(Parse(json).MaximumExecutionTimeoutSeconds);
        }
        else
        {
            Assert.StartsWith("prod: deployment.maximumExecutionTimeoutSeconds must be larger than the deployment's total waiting time", Rejected(json).Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(DeploymentStrategyKind.AllAtOnce, null, 1)]
    [InlineData(DeploymentStrategyKind.Canary, null, 2)]
    [InlineData(DeploymentStrategyKind.Linear, 50, 2)]
    [InlineData(DeploymentStrategyKind.Linear, 33, 4)] // 33, 66, 99, 100
    [InlineData(DeploymentStrategyKind.Linear, 10, 10)]
    public void TotalWait_IsABakingPeriodPerStepPlusTheTerminationWait(DeploymentStrategyKind kind, int? linearStep, int steps)
    {
        var strategy = new DeploymentStrategy
        {
            Kind = kind,
            CanaryPercent = kind == DeploymentStrategyKind.Canary ? 10 : null,
            LinearStepPercent = linearStep,
            WaitIntervalSeconds = 100,
            TerminationWaitSeconds = 7,
        };

        Assert.Equal(steps, strategy.Steps);
        Assert.Equal((steps * 100) + 7, strategy.TotalWaitSeconds);
    }

    [Fact]
    public void RollbackAlarms_TenAreAccepted_ElevenAreRejected()
    {
        static string Alarms(int count) => JsonSerializer.Serialize(Enumerable.Range(1, count).Select(i => $"alarm-{i}"));

        Assert.Equal(10, Parse($$"""{"strategy":"all-at-once","rollbackAlarms":{{Alarms(10)}}}""").RollbackAlarms.Count);
        Assert.StartsWith("prod: deployment.rollbackAlarms must name at most 10 alarms",
            Rejected($$"""{"strategy":"all-at-once","rollbackAlarms":{{Alarms(11)}}}""").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RollbackAlarmName_Of255CharactersIsAccepted_LongerOrBlankIsRejected()
    {
        var longest = new string('a', 255);
        Assert.Equal(longest, Parse($$"""{"strategy":"all-at-once","rollbackAlarms":["{{longest}}"]}""").RollbackAlarms.Single());

        foreach (var bad in new[] { $"\"{longest}a\"", "\"\"", "\"   \"", "42" })
        {
            Assert.StartsWith("prod: deployment.rollbackAlarms[1] must be an alarm name of 1 to 255 characters",
                Rejected($$"""{"strategy":"all-at-once","rollbackAlarms":["ok",{{bad}}]}""").Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void RollbackAlarms_NotAList_IsRejected() =>
        Assert.StartsWith("prod: deployment.rollbackAlarms must be a list",
            Rejected("""{"strategy":"all-at-once","rollbackAlarms":"fraud-5xx"}""").Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"strategy":"canary","canaryPercent":10,"canarySize":10}""", "prod: deployment.canarySize is not a known field")]
    [InlineData("""{"strategy":"blue-green"}""", "prod: deployment.strategy must be 'all-at-once', 'canary' or 'linear'")]
    [InlineData("""{"strategy":"Canary","canaryPercent":10}""", "prod: deployment.strategy must be")]
    [InlineData("""{"canaryPercent":10}""", "prod: deployment.strategy is required")]
    [InlineData("""{"strategy":"linear","linearStepPercent":20,"canaryPercent":10}""", "prod: deployment.canaryPercent belongs to the canary strategy, not linear")]
    [InlineData("""{"strategy":"all-at-once","linearStepPercent":20}""", "prod: deployment.linearStepPercent belongs to the linear strategy, not all-at-once")]
    [InlineData("""{"strategy":"canary"}""", "prod: deployment.canaryPercent is required for the canary strategy")]
    [InlineData("""{"strategy":"linear"}""", "prod: deployment.linearStepPercent is required for the linear strategy")]
    [InlineData("""{"strategy":"canary","canaryPercent":"10"}""", "prod: deployment.canaryPercent must be a whole number")]
    [InlineData("""{"strategy":"canary","canaryPercent":10.5}""", "prod: deployment.canaryPercent must be a whole number")]
    [InlineData("""{"strategy":"canary","canaryPercent":10,"canaryPercent":20}""", "prod: deployment.canaryPercent appears more than once")]
    [InlineData("""["canary"]""", "prod: deployment must be a JSON object")]
    public void MalformedConfiguration_IsRejectedNamingEnvironmentAndField(string json, string expected) =>
        Assert.StartsWith(expected, Rejected(json).Message, StringComparison.Ordinal);

    [Fact]
    public void Strategies_WithTheSameAlarms_AreEqual()
    {
        var a = Parse("""{"strategy":"canary","canaryPercent":10,"rollbackAlarms":["x","y"]}""");
        var b = Parse("""{"strategy":"canary","canaryPercent":10,"rollbackAlarms":["x","y"]}""");
        var c = Parse("""{"strategy":"canary","canaryPercent":10,"rollbackAlarms":["y","x"]}""");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }
}
