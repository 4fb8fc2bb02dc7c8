using ReleaseCenter.Domain.Drift;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Drift reports and each model's drift thresholds.</summary>
public interface IDriftStore
{
    /// <summary>The model's thresholds, or null when none were set (the caller applies the defaults).</summary>
    Task<DriftPolicy?> GetPolicyAsync(string model, CancellationToken ct);

    /// <param name="record">The audit entry written in the same transaction (all or nothing).</param>
    Task PutPolicyAsync(DriftPolicy policy, CancellationToken ct, ChangeRecord? record = null);

    /// <summary>Writes the report with its audit entry and events (<paramref name="record"/>) in one transaction, all or nothing.</summary>
    /// <returns>False when a report with that id exists (then nothing is written: the report and its record were written together before).</returns>
    Task<bool> CreateReportAsync(DriftReportRecord report, ChangeRecord record, CancellationToken ct);

    Task<DriftReportRecord?> GetReportAsync(string model, string id, CancellationToken ct);

    /// <summary>A model's reports, newest first.</summary>
    /// <exception cref="InvalidCursorException">the cursor was not issued by this query.</exception>
    Task<Page<DriftReportRecord>> ListReportsAsync(string model, int limit, string? cursor, CancellationToken ct);
}

/// <summary>The retraining half of the drift store: policies, runs, and the atomic cooldown / daily-cap check.</summary>
public interface IRetrainStore
{
    Task<RetrainingPolicy?> GetRetrainingPolicyAsync(string model, CancellationToken ct);

    /// <param name="record">The audit entry written in the same transaction (all or nothing).</param>
    Task PutRetrainingPolicyAsync(RetrainingPolicy policy, CancellationToken ct, ChangeRecord? record = null);

    /// <summary>
    /// Claims a retrain for <paramref name="driftReportId"/> in one conditional write: granted only if
    /// the last start of the model is at least <paramref name="cooldownSeconds"/> old and fewer than
    /// <paramref name="maxPerDay"/> started this UTC day; concurrent claims cannot both win. A claim
    /// already granted to the same report is granted again (retries).
    /// </summary>
    Task<RetrainClaim> TryClaimRetrainAsync(string model, string driftReportId, DateTimeOffset now, int cooldownSeconds, int maxPerDay, CancellationToken ct);

    /// <summary>Creates the run unless one exists for the report; returns the stored run either way.</summary>
    Task<RetrainRun> CreateRunAsync(RetrainRun run, CancellationToken ct);

    Task<RetrainRun?> GetRunAsync(string driftReportId, CancellationToken ct);

    /// <exception cref="ConcurrencyConflictException">someone else changed it first.</exception>
    Task<RetrainRun> UpdateRunAsync(RetrainRun run, long expectedRevision, CancellationToken ct);
}
