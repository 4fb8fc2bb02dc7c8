using System.Globalization;

namespace ReleaseCenter.Domain.Environments;

/// <summary>
/// Drift of the live state (policies issue, item 8): an endpoint that serves something other than what the record says
/// is live, because someone changed it outside Release Center (the AWS console, a script). A scheduled check compares
/// each live deployment's endpoint (DescribeEndpoint) with the record and flags the difference; while a flag stands,
/// releases wait at the environment's door, until someone reconciles it: adopts what the endpoint serves as a recorded
/// deployment, or restores the recorded config.
/// </summary>
/// <param name="ActualConfig">The endpoint config the endpoint serves; null when the endpoint is gone.</param>
public sealed record OutOfBandChange(
    string Environment, string Model, string EndpointName, string RecordedConfig, string? ActualConfig, string LiveRelease, int LiveVersion, DateTimeOffset DetectedAt)
{
    public const string Adopt = "adopt";
    public const string Restore = "restore";

    /// <summary>"fraud-detector-prod serves cfg-x, not cfg-y (fraud-detector v3, release rel-…): changed outside Release Center; seen 2026-12-01 18:20:00 UTC".</summary>
    public string Describe() => (ActualConfig is null
        ? $"{EndpointName} is gone, but the record says it serves {RecordedConfig}"
        : $"{EndpointName} serves {ActualConfig}, not {RecordedConfig}")
        + string.Create(CultureInfo.InvariantCulture, $" ({Model} v{LiveVersion}, release {LiveRelease}): changed outside Release Center; seen {Freeze.Format(DetectedAt)}");
}
