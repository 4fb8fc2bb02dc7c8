using ReleaseCenter.Domain.Delivery;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Tests.Delivery;

public sealed class DeliveryMetricsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static LiveDeployment Live(string release, int version, double hours, string kind = DeploymentKinds.Release, string? replaced = null,
        string env = "prod") =>
        new(env, "fraud", release, version, "fraud-prod", $"cfg-{release}", T0.AddHours(hours)) { Kind = kind, ReplacedRelease = replaced };

    private static DeploymentAttempt Attempt(string release, int version, double startHours, double? endHours, ReleaseStatus outcome, string env = "prod") =>
        new(env, "fraud", release, version, T0.AddHours(startHours), endHours is null ? null : T0.AddHours(endHours.Value), outcome);

    private static DateTimeOffset? Registered(string model, int version) => T0.AddHours(version * 10 - 10); // v1 at T0, v2 at T0+10h, v3 at T0+20h

    [Fact]
    public void FourFigures_FromReleasesAutomaticAndManualRollbacks()
    {
        // v1 live at 2h; v2 live at 12h and rolled back by hand at 15h (v1 again); v3 failed verification: 21h -> undone at 21.5h.
        LiveDeployment[] deployments =
        [
            Live("rb-1", 1, 15, DeploymentKinds.Rollback, replaced: "r2"),
            Live("r2", 2, 12),
            Live("r1", 1, 2),
        ];
        DeploymentAttempt[] attempts =
        [
            Attempt("r1", 1, 1.5, 2, ReleaseStatus.Released),
            Attempt("r2", 2, 11.5, 12, ReleaseStatus.Released),
            Attempt("r3", 3, 21, 21.5, ReleaseStatus.RolledBack),
        ];

        var figures = Assert.Single(DeliveryMetrics.Compute(deployments, attempts, Registered, T0, T0.AddDays(2)));

        Assert.Equal(("fraud", "prod", 2), (figures.Model, figures.Environment, figures.Deployments));
        Assert.Equal(1.0, figures.DeploymentsPerDay, 9); // 2 deployments of changes in 2 days; the rollback is not one
        Assert.Equal(new DurationStats(2, 7200, 7200), figures.LeadTime); // v1: 2h after registration; v2: 12h - 10h
        Assert.Equal(new FailureRate(3, 2, 2.0 / 3), figures.ChangeFailureRate); // r2 rolled back by hand, r3 automatically
        // r3: 0.5 h from the start of its deployment to the automatic rollback; r2: live at 12h, restored at 15h.
        Assert.Equal(new DurationStats(2, (1800 + 10800) / 2.0, (1800 + 10800) / 2.0), figures.TimeToRestore);
    }

    [Fact]
    public void OnlyTheWindowCounts_AndEmptyFiguresAreNull()
    {
        LiveDeployment[] deployments = [Live("r2", 2, 30), Live("r1", 1, 2)];

        var figures = Assert.Single(DeliveryMetrics.Compute(deployments, [], Registered, T0.AddHours(24), T0.AddHours(48)));

        Assert.Equal(1, figures.Deployments);
        Assert.Equal(new DurationStats(1, 20 * 3600, 20 * 3600), figures.LeadTime);
        Assert.Equal(new FailureRate(1, 0, 0), figures.ChangeFailureRate);
        Assert.Equal(new DurationStats(0, null, null), figures.TimeToRestore);
        Assert.Empty(DeliveryMetrics.Compute(deployments, [], Registered, T0.AddDays(10), T0.AddDays(11)));
    }

    [Fact]
    public void EnvironmentsAreSeparate_AndMediansOfEvenCountsAverageTheMiddlePair()
    {
        LiveDeployment[] deployments = [Live("a", 1, 1, env: "dev"), Live("b", 1, 3, env: "dev"), Live("c", 1, 6, env: "dev"), Live("d", 1, 10, env: "dev"), Live("a", 1, 5)];

        var figures = DeliveryMetrics.Compute(deployments, [], Registered, T0, T0.AddDays(1));

        Assert.Equal(["dev", "prod"], figures.Select(f => f.Environment).ToArray());
        Assert.Equal(new DurationStats(4, 4.5 * 3600, 5 * 3600), figures[0].LeadTime);
        Assert.Throws<ArgumentException>(() => DeliveryMetrics.Compute(deployments, [], Registered, T0, T0));
    }
}
