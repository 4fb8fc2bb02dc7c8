namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// The CloudWatch metrics the functions write in embedded metric format (Functions/Telemetry/ReleaseMetrics), by name,
/// unit and dimensions. The CDK app's dashboard and alarms read them from here, so a renamed metric cannot leave a
/// widget graphing nothing. docs/operations.md lists them.
/// </summary>
public static class ProductMetrics
{
    public const string Namespace = "MLReleaseCenter";

    /// <summary>Every metric's first dimension: the deployed stage (dev, prod), so two stages in one account stay apart.</summary>
    public const string StageDimension = "Stage";

    public const string ReleasesStarted = "ReleasesStarted";
    public const string ReleasesEnded = "ReleasesEnded";
    public const string GateRejections = "GateRejections";
    public const string ApprovalWaitSeconds = "ApprovalWaitSeconds";
    public const string DeployDurationSeconds = "DeployDurationSeconds";
    public const string Rollbacks = "Rollbacks";
    public const string EventsRelayed = "EventsRelayed";
    public const string EventRelayLagSeconds = "EventRelayLagSeconds";
    public const string EventsRelayFailed = "EventsRelayFailed";

    /// <summary>Name, unit, and the dimensions after <see cref="StageDimension"/>.</summary>
    public static IReadOnlyList<(string Name, string Unit, string[] Dimensions)> Catalog { get; } =
    [
        (ReleasesStarted, "Count", []),
        (ReleasesEnded, "Count", ["Outcome"]),
        (GateRejections, "Count", ["Environment", "Gate"]),
        (ApprovalWaitSeconds, "Seconds", ["Environment", "Decision"]),
        (DeployDurationSeconds, "Seconds", ["Environment"]),
        (Rollbacks, "Count", ["Environment", "Kind"]),
        (EventsRelayed, "Count", []),
        (EventRelayLagSeconds, "Seconds", []),
        (EventsRelayFailed, "Count", []),
    ];
}
