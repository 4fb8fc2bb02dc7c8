using ReleaseCenter.Domain.Drift;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Drift reports and each model's drift thresholds.</summary>
public interface IDriftStore
{
    /// <summary>The model's thresholds, or null when none were set (the caller applies the defaults).</summary>
    Task<DriftPolicy?> GetPolicyAsync(string model, CancellationToken ct);

    Task PutPolicyAsync(DriftPolicy policy, CancellationToken ct);

    /// <exception cref="ConflictException">a report with that id exists.</exception>
    Task CreateReportAsync(DriftReportRecord report, CancellationToken ct);

    Task<DriftReportRecord?> GetReportAsync(string model, string id, CancellationToken ct);

    /// <summary>A model's reports, newest first.</summary>
    /// <exception cref="InvalidCursorException">the cursor was not issued by this query.</exception>
    Task<Page<DriftReportRecord>> ListReportsAsync(string model, int limit, string? cursor, CancellationToken ct);
}
