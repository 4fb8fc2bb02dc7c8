using System.Globalization;
using ReleaseCenter.Domain.Errors;

namespace ReleaseCenter.Domain.Registry;

/// <summary>
/// A version marked as bad ("mark as bad", Kargo's manual verification failure): while it stands, no release of the
/// version may start (every path creates its release through the same conditional write), and a release of it in flight stops at
/// the next environment's door. Lifting it is a change of its own; both are audited.
/// </summary>
public sealed record Veto(string Reason, string By, DateTimeOffset At)
{
    /// <summary>"bob marked fraud-detector v3 as bad at 2026-12-01 14:20 UTC: leaks PII in logs".</summary>
    public string Describe(string model, int version) =>
        $"{By} marked {model} v{version} as bad at {At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC: {Reason}";
}

/// <summary>A release of a vetoed version was asked for (409, naming <c>version</c>).</summary>
public sealed class VersionVetoedException(string model, int version, Veto veto)
    : RequestRefusedException(RefusalKind.Conflict, "Version vetoed",
        $"{veto.Describe(model, version)}. Lift the veto (POST /v1/models/{model}/versions/{version}/veto/lift) before releasing it.", "version")
{
    public Veto Veto { get; } = veto;
}
