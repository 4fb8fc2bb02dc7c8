using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

/// <summary>A page of results and an opaque cursor for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Persistence of models, versions and releases. One adapter (DynamoDB). Every read is a get or
/// an index query; every change is a conditional write.
/// </summary>
public interface IRegistryStore
{
    /// <exception cref="ConflictException">a model of that name exists.</exception>
    /// <param name="record">The audit entry and events written in the same transaction (all or nothing).</param>
    Task CreateModelAsync(Model model, CancellationToken ct, ChangeRecord? record = null);

    Task<Model?> GetModelAsync(string name, CancellationToken ct);

    /// <exception cref="InvalidCursorException">the cursor was not issued by this query.</exception>
    Task<Page<Model>> ListModelsAsync(string? project, int limit, string? cursor, CancellationToken ct);

    /// <summary>Stores <paramref name="version"/> under the next free number of its model and returns it numbered.</summary>
    /// <exception cref="NotFoundException">the model does not exist.</exception>
    /// <param name="record">Given the numbered version, the audit entry and events written in the same transaction (all or nothing).</param>
    Task<ModelVersion> AddVersionAsync(ModelVersion version, CancellationToken ct, Func<ModelVersion, ChangeRecord>? record = null);

    /// <summary>
    /// Like <see cref="AddVersionAsync"/>, once per <paramref name="idempotencyKey"/>: a second call
    /// with the same key returns the version the first one registered and adds nothing.
    /// </summary>
    Task<ModelVersion> AddVersionOnceAsync(ModelVersion version, string idempotencyKey, CancellationToken ct);

    /// <summary>
    /// Like <see cref="AddVersionOnceAsync(ModelVersion, string, CancellationToken)"/>, with the audit entry and events of
    /// <paramref name="record"/> in the same transaction. <c>Created</c> is false when the key had registered a version before.
    /// </summary>
    Task<(ModelVersion Version, bool Created)> AddVersionOnceAsync(ModelVersion version, string idempotencyKey, Func<ModelVersion, ChangeRecord> record,
        CancellationToken ct);

    /// <summary>The version a keyed registration made, or null when none did.</summary>
    Task<ModelVersion?> GetVersionByKeyAsync(string idempotencyKey, CancellationToken ct);

    Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct);

    Task<Page<ModelVersion>> ListVersionsAsync(string model, int limit, string? cursor, CancellationToken ct);

    /// <summary>Places <paramref name="veto"/> on the version, with the change's audit entry and events in the same transaction; returns the version vetoed.</summary>
    /// <exception cref="NotFoundException">the version does not exist.</exception>
    /// <exception cref="ConflictException">a veto stands on the version already.</exception>
    Task<ModelVersion> VetoVersionAsync(string model, int version, Veto veto, ChangeRecord record, CancellationToken ct);

    /// <summary>Lifts the veto that stands on the version (the record is built from it), in one transaction with the record; returns the version.</summary>
    /// <exception cref="NotFoundException">the version does not exist.</exception>
    /// <exception cref="ConflictException">no veto stands on the version.</exception>
    Task<ModelVersion> LiftVetoAsync(string model, int version, Func<Veto, ChangeRecord> record, CancellationToken ct);

    /// <summary>Writes a new release, on condition (in the same write) that no veto stands on its version.</summary>
    /// <exception cref="ConflictException">a release with that id exists.</exception>
    /// <exception cref="VersionVetoedException">the release's version is vetoed.</exception>
    Task CreateReleaseAsync(Release release, CancellationToken ct);

    Task<Release?> GetReleaseAsync(string id, CancellationToken ct);

    /// <summary>Releases, newest first, optionally narrowed by <paramref name="filter"/>.</summary>
    Task<Page<Release>> ListReleasesAsync(string? model, int limit, string? cursor, CancellationToken ct, ReleaseFilter? filter = null);

    /// <summary>Writes <paramref name="release"/> if the stored revision is still <paramref name="expectedRevision"/>; returns it with the next revision.</summary>
    /// <exception cref="ConcurrencyConflictException">someone else changed the release first.</exception>
    Task<Release> UpdateReleaseAsync(Release release, long expectedRevision, CancellationToken ct);
}

/// <summary>Catalog filters; each is optional. Time bounds are inclusive and apply to creation time.</summary>
public sealed record ReleaseFilter(ReleaseStatus? Status = null, string? Environment = null, string? RequestedBy = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    /// <summary>Free text, matched case-insensitively within the release id, the model name and the notes.</summary>
    public string? Text { get; init; }

    /// <summary>Any of these statuses (one listing for, say, every unfinished release); narrows further when <see cref="Status"/> is also given.</summary>
    public IReadOnlyList<ReleaseStatus>? AnyStatus { get; init; }
}

/// <summary>The item already exists or changed under the writer's condition; <paramref name="field"/> names the request field that clashes, if one does.</summary>
public sealed class ConflictException(string message, string? field = null) : RequestRefusedException(RefusalKind.Conflict, "Conflict", message, field);

public sealed class NotFoundException(string message) : RequestRefusedException(RefusalKind.NotFound, "Not found", message);

public sealed class ConcurrencyConflictException(string message) : Exception(message);

/// <summary>A paging cursor that this store did not hand out (or that no longer fits the query); the API answers 400 naming <c>cursor</c>.</summary>
public sealed class InvalidCursorException(string message) : Exception(message);
