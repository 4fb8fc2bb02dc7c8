using System.Globalization;
using System.Runtime.CompilerServices;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Functions.Tests.Fakes;

// The stores in memory, with the contracts of their DynamoDB adapters: conditional writes (a taken
// key is a ConflictException, a stale revision a ConcurrencyConflictException), once-only markers,
// newest-first listings with a cursor. One lock each: a use case sees the same atomicity it gets
// from a conditional write or a transaction.

internal static class Pages
{
    /// <summary>An offset cursor over an already ordered list.</summary>
    public static Page<T> Of<T>(IReadOnlyList<T> all, int limit, string? cursor)
    {
        var start = 0;
        if (cursor is not null && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > all.Count))
        {
            throw new InvalidCursorException("The cursor was not issued by this listing.");
        }
        var items = all.Skip(start).Take(limit).ToArray();
        var next = start + items.Length;
        return new Page<T>(items, next < all.Count ? next.ToString(CultureInfo.InvariantCulture) : null);
    }
}

public sealed class InMemoryRegistryStore : IRegistryStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Model> _models = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, int), ModelVersion> _versions = [];
    private readonly Dictionary<string, ModelVersion> _onceKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Release> _releases = new(StringComparer.Ordinal);

    /// <summary>Writes a change's record (audit entry, events); the harness points it at <see cref="InMemoryJournal"/>.</summary>
    public Func<ChangeRecord, Task>? Recorder { get; set; }

    private Task RecordAsync(ChangeRecord? record) =>
        record is null ? Task.CompletedTask : (Recorder ?? throw new InvalidOperationException("No recorder: the harness sets one.")).Invoke(record);

    public Task CreateModelAsync(Model model, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            if (!_models.TryAdd(model.Name, model))
            {
                throw new ConflictException($"A model named '{model.Name}' already exists.", "name");
            }
        }
        return RecordAsync(record);
    }

    public Task<Model?> GetModelAsync(string name, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_models.GetValueOrDefault(name));
        }
    }

    public Task<Page<Model>> ListModelsAsync(string? project, int limit, string? cursor, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(Pages.Of(_models.Values.Where(m => project is null || m.Project == project).OrderBy(m => m.Name, StringComparer.Ordinal).ToArray(), limit, cursor));
        }
    }

    public async Task<ModelVersion> AddVersionAsync(ModelVersion version, CancellationToken ct, Func<ModelVersion, ChangeRecord>? record = null)
    {
        ArgumentNullException.ThrowIfNull(version);
        ModelVersion numbered;
        lock (_lock)
        {
            var model = _models.GetValueOrDefault(version.Model) ?? throw new NotFoundException($"Model '{version.Model}' does not exist.");
            numbered = version with { Version = model.LatestVersion + 1 };
            _versions[(numbered.Model, numbered.Version)] = numbered;
            _models[model.Name] = model with { LatestVersion = numbered.Version };
        }
        await RecordAsync(record?.Invoke(numbered)).ConfigureAwait(false);
        return numbered;
    }

    public async Task<ModelVersion> AddVersionOnceAsync(ModelVersion version, string idempotencyKey, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_onceKeys.TryGetValue(idempotencyKey, out var done))
            {
                return done;
            }
        }
        var added = await AddVersionAsync(version, ct).ConfigureAwait(false);
        lock (_lock)
        {
            _onceKeys[idempotencyKey] = added;
        }
        return added;
    }

    public async Task<(ModelVersion Version, bool Created)> AddVersionOnceAsync(ModelVersion version, string idempotencyKey,
        Func<ModelVersion, ChangeRecord> record, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_onceKeys.TryGetValue(idempotencyKey, out var done))
            {
                return (done, false);
            }
        }
        var added = await AddVersionAsync(version, ct, record).ConfigureAwait(false);
        lock (_lock)
        {
            _onceKeys[idempotencyKey] = added;
        }
        return (added, true);
    }

    public Task<ModelVersion?> GetVersionByKeyAsync(string idempotencyKey, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_onceKeys.GetValueOrDefault(idempotencyKey));
        }
    }

    public Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_versions.GetValueOrDefault((model, version)));
        }
    }

    public Task<Page<ModelVersion>> ListVersionsAsync(string model, int limit, string? cursor, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(Pages.Of(_versions.Values.Where(v => v.Model == model).OrderByDescending(v => v.Version).ToArray(), limit, cursor));
        }
    }

    public async Task<ModelVersion> VetoVersionAsync(string model, int version, Veto veto, ChangeRecord record, CancellationToken ct)
    {
        ModelVersion vetoed;
        lock (_lock)
        {
            var current = _versions.GetValueOrDefault((model, version)) ?? throw new NotFoundException($"Model '{model}' has no version {version}.");
            if (current.Veto is not null)
            {
                throw new ConflictException($"A veto stands on {model} v{version} already.");
            }
            _versions[(model, version)] = vetoed = current with { Veto = veto };
        }
        await RecordAsync(record).ConfigureAwait(false);
        return vetoed;
    }

    public async Task<ModelVersion> LiftVetoAsync(string model, int version, Func<Veto, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        ModelVersion lifted;
        Veto standing;
        lock (_lock)
        {
            var current = _versions.GetValueOrDefault((model, version)) ?? throw new NotFoundException($"Model '{model}' has no version {version}.");
            standing = current.Veto ?? throw new ConflictException($"No veto stands on {model} v{version}.");
            _versions[(model, version)] = lifted = current with { Veto = null };
        }
        await RecordAsync(record(standing)).ConfigureAwait(false);
        return lifted;
    }

    public Task CreateReleaseAsync(Release release, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        lock (_lock)
        {
            if (_releases.ContainsKey(release.Id))
            {
                throw new ConflictException($"A release with id '{release.Id}' already exists.");
            }
            if (_versions.GetValueOrDefault((release.Model, release.Version))?.Veto is { } veto)
            {
                throw new VersionVetoedException(release.Model, release.Version, veto);
            }
            _releases.Add(release.Id, release);
        }
        return Task.CompletedTask;
    }

    public Task<Release?> GetReleaseAsync(string id, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_releases.GetValueOrDefault(id));
        }
    }

    public Task<Page<Release>> ListReleasesAsync(string? model, int limit, string? cursor, CancellationToken ct, ReleaseFilter? filter = null)
    {
        lock (_lock)
        {
            var matching = _releases.Values
                .Where(r => model is null || r.Model == model)
                .Where(r => filter?.Status is not { } status || r.Status == status)
                .Where(r => filter?.AnyStatus is not { Count: > 0 } any || any.Contains(r.Status))
                .Where(r => filter?.Environment is not { } env || r.Environments.Contains(env))
                .Where(r => filter?.RequestedBy is not { } by || r.RequestedBy == by)
                .Where(r => filter?.Since is not { } since || r.CreatedAt >= since)
                .Where(r => filter?.Until is not { } until || r.CreatedAt <= until)
                .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
                .ToArray();
            return Task.FromResult(Pages.Of(matching, limit, cursor));
        }
    }

    public Task<Release> UpdateReleaseAsync(Release release, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        lock (_lock)
        {
            if (!_releases.TryGetValue(release.Id, out var stored) || stored.Revision != expectedRevision)
            {
                throw new ConcurrencyConflictException($"Release {release.Id} changed since revision {expectedRevision}.");
            }
            var saved = release with { Revision = expectedRevision + 1 };
            _releases[release.Id] = saved;
            return Task.FromResult(saved);
        }
    }
}

public sealed class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EnvironmentLock> _locks = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), LiveDeployment> _live = [];
    private readonly List<LiveDeployment> _deployments = [];
    private readonly HashSet<string> _deployedMarkers = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string?, string), TimelineEntry> _timeline = [];
    private readonly Dictionary<(string, string), string> _tokens = [];
    private readonly Dictionary<string, string> _waiters = new(StringComparer.Ordinal);

    /// <summary>Every deployment record, oldest first (a test asserts there is one per release and environment).</summary>
    public IReadOnlyList<LiveDeployment> Deployments
    {
        get
        {
            lock (_lock)
            {
                return [.. _deployments];
            }
        }
    }

    public Task<bool> TryAcquireLockAsync(string environment, string releaseId, DateTimeOffset now, CancellationToken ct, string? executionArn = null)
    {
        lock (_lock)
        {
            var held = _locks.GetValueOrDefault(environment);
            if (held?.LockedBy is { } holder && holder != releaseId)
            {
                return Task.FromResult(false);
            }
            _locks[environment] = new EnvironmentLock(environment, releaseId, held?.LockedAt ?? now) { ExecutionArn = executionArn };
            return Task.FromResult(true);
        }
    }

    public Task<bool> ReleaseLockAsync(string environment, string releaseId, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_locks.GetValueOrDefault(environment)?.LockedBy != releaseId)
            {
                return Task.FromResult(false);
            }
            _locks.Remove(environment);
            return Task.FromResult(true);
        }
    }

    public Task<EnvironmentLock> GetLockAsync(string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_locks.GetValueOrDefault(environment) ?? new EnvironmentLock(environment, null, null));
        }
    }

    public Task<LiveDeployment?> GetLiveAsync(string environment, string model, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_live.GetValueOrDefault((environment, model)));
        }
    }

    public Task<bool> RecordDeploymentAsync(LiveDeployment deployment, CancellationToken ct, string? expectedLiveRelease = null)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        lock (_lock)
        {
            var marker = deployment.Kind switch
            {
                DeploymentKinds.Rollback => $"ROLLBACK#{deployment.RollbackId}",
                DeploymentKinds.Adopted => $"ADOPTED#{deployment.Environment}#{deployment.AdoptedChange}",
                _ => $"RELEASE#{deployment.ReleaseId}#{deployment.Environment}",
            };
            if (_deployedMarkers.Contains(marker))
            {
                return Task.FromResult(false);
            }
            var live = _live.GetValueOrDefault((deployment.Environment, deployment.Model));
            if (expectedLiveRelease is not null && live?.ReleaseId != expectedLiveRelease)
            {
                throw new LiveChangedException($"{deployment.Model} in {deployment.Environment} is now release {live?.ReleaseId ?? "(none)"}, not {expectedLiveRelease}.");
            }
            _deployedMarkers.Add(marker);
            _deployments.Add(deployment);
            _live[(deployment.Environment, deployment.Model)] = deployment;
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<LiveDeployment>> ListDeploymentsAsync(string environment, int limit, CancellationToken ct, DateTimeOffset? atOrBefore = null, string? model = null)
    {
        lock (_lock)
        {
            IReadOnlyList<LiveDeployment> found = _deployments.Where(d => d.Environment == environment && (model is null || d.Model == model)
                && (atOrBefore is null || d.DeployedAt <= atOrBefore)).Reverse().Take(limit).ToArray();
            return Task.FromResult(found);
        }
    }

    public Task<IReadOnlyList<LiveDeployment>> ListLiveAsync(string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            IReadOnlyList<LiveDeployment> found = _live.Where(l => l.Key.Item1 == environment).Select(l => l.Value).ToArray();
            return Task.FromResult(found);
        }
    }

    public Task<bool> AppendTimelineAsync(TimelineEntry entry, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            return Task.FromResult(_timeline.TryAdd((entry.ReleaseId, entry.Environment, entry.Step), entry));
        }
    }

    public Task<IReadOnlyList<TimelineEntry>> ListTimelineAsync(string releaseId, CancellationToken ct)
    {
        lock (_lock)
        {
            IReadOnlyList<TimelineEntry> found = _timeline.Values.Where(e => e.ReleaseId == releaseId).OrderBy(e => e.At).ToArray();
            return Task.FromResult(found);
        }
    }

    public Task PutTaskTokenAsync(string releaseId, string environment, string token, CancellationToken ct)
    {
        lock (_lock)
        {
            _tokens[(releaseId, environment)] = token;
        }
        return Task.CompletedTask;
    }

    public Task<string?> GetTaskTokenAsync(string releaseId, string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_tokens.GetValueOrDefault((releaseId, environment)));
        }
    }

    public Task PutEndpointWaiterAsync(string endpointName, string token, string waiter, CancellationToken ct)
    {
        lock (_lock)
        {
            _waiters[endpointName] = token;
        }
        return Task.CompletedTask;
    }

    public Task<string?> TakeEndpointWaiterAsync(string endpointName, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_waiters.Remove(endpointName, out var token) ? token : null);
        }
    }
}

public sealed class InMemoryRollbackStore : IRollbackStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Rollback> _rollbacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);
    private readonly List<Consumer> _consumers = [];

    public Task CreateAsync(Rollback rollback, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        lock (_lock)
        {
            if (!_rollbacks.TryAdd(rollback.Id, rollback))
            {
                throw new ConflictException($"Rollback '{rollback.Id}' exists.");
            }
        }
        return Task.CompletedTask;
    }

    public Task<Rollback?> GetAsync(string id, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_rollbacks.GetValueOrDefault(id));
        }
    }

    public Task<Rollback> UpdateAsync(Rollback rollback, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(rollback);
        lock (_lock)
        {
            if (!_rollbacks.TryGetValue(rollback.Id, out var stored) || stored.Revision != expectedRevision)
            {
                throw new ConcurrencyConflictException($"Rollback {rollback.Id} changed since revision {expectedRevision}.");
            }
            var saved = rollback with { Revision = expectedRevision + 1 };
            _rollbacks[rollback.Id] = saved;
            return Task.FromResult(saved);
        }
    }

    public Task PutTaskTokenAsync(string rollbackId, string token, CancellationToken ct)
    {
        lock (_lock)
        {
            _tokens[rollbackId] = token;
        }
        return Task.CompletedTask;
    }

    public Task<string?> GetTaskTokenAsync(string rollbackId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_tokens.GetValueOrDefault(rollbackId));
        }
    }

    /// <summary>Writes a change's record (audit entry, events); the harness points it at <see cref="InMemoryJournal"/>.</summary>
    public Func<ChangeRecord, Task>? Recorder { get; set; }

    private Task RecordAsync(ChangeRecord? record) =>
        record is null ? Task.CompletedTask : (Recorder ?? throw new InvalidOperationException("No recorder: the harness sets one.")).Invoke(record);

    public Task AddConsumerAsync(Consumer consumer, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        lock (_lock)
        {
            if (_consumers.Any(c => c.Environment == consumer.Environment && c.Model == consumer.Model && c.Name == consumer.Name))
            {
                throw new ConflictException($"'{consumer.Name}' is already registered as a consumer of {consumer.Model} in {consumer.Environment}.");
            }
            _consumers.Add(consumer);
        }
        return RecordAsync(record);
    }

    public Task<IReadOnlyList<Consumer>> ListConsumersAsync(string environment, string? model, CancellationToken ct)
    {
        lock (_lock)
        {
            IReadOnlyList<Consumer> found = _consumers.Where(c => c.Environment == environment && (model is null || c.Model == model))
                .OrderBy(c => c.Model, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal).ToArray();
            return Task.FromResult(found);
        }
    }

    public async Task<bool> RemoveConsumerAsync(string environment, string model, string name, CancellationToken ct, ChangeRecord? record = null)
    {
        bool removed;
        lock (_lock)
        {
            removed = _consumers.RemoveAll(c => c.Environment == environment && c.Model == model && c.Name == name) > 0;
        }
        if (removed)
        {
            await RecordAsync(record).ConfigureAwait(false);
        }
        return removed;
    }
}

/// <summary>
/// The journal in memory: timeline entries, the audit entry and the events of a change, once per step (a timeline entry or
/// idempotency key that exists means it was recorded). <see cref="Events"/> is what the relay would publish.
/// </summary>
public sealed class InMemoryJournal(InMemoryWorkflowStore workflow, InMemoryAuditLog audit) : IJournal
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ReleaseCenter.Domain.Events.ReleaseCenterEvent> _events = new(StringComparer.Ordinal);

    public IReadOnlyList<ReleaseCenter.Domain.Events.ReleaseCenterEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events.Values];
            }
        }
    }

    public async Task<bool> RecordAsync(ChangeRecord change, IReadOnlyList<TimelineEntry> timeline, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(timeline);
        if (change.Audit.IdempotencyKey is { } key && audit.HasKey(key))
        {
            return false;
        }
        foreach (var entry in timeline)
        {
            if (!await workflow.AppendTimelineAsync(entry, ct).ConfigureAwait(false))
            {
                return false;
            }
        }
        await audit.AppendAsync(change.Audit, ct).ConfigureAwait(false);
        await PublishAsync(change.Events, ct).ConfigureAwait(false);
        return true;
    }

    public Task PublishAsync(IReadOnlyList<ReleaseCenter.Domain.Events.ReleaseCenterEvent> events, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        lock (_lock)
        {
            foreach (var e in events)
            {
                _events.TryAdd(e.Id, e);
            }
        }
        return Task.CompletedTask;
    }
}

/// <summary>The audit log in memory: one chain per project, sealed by <see cref="AuditChain"/>, idempotency keys honoured.</summary>
public sealed class InMemoryAuditLog(TimeProvider clock) : IAuditLog
{
    private readonly Lock _lock = new();
    private readonly List<AuditEntry> _entries = [];
    private readonly Dictionary<string, AuditEntry> _byKey = new(StringComparer.Ordinal);

    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return [.. _entries];
            }
        }
    }

    public Task<AuditEntry?> GetEntryAsync(string project, long seq, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.FirstOrDefault(e => e.Project == project && e.Seq == seq));
        }
    }

    public Task<IReadOnlyList<(string Project, AuditHead Head)>> ListHeadsAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            IReadOnlyList<(string, AuditHead)> heads = _entries.GroupBy(e => e.Project, StringComparer.Ordinal)
                .Select(g => (g.Key, new AuditHead(g.Last().Seq, g.Last().Hash))).ToArray();
            return Task.FromResult(heads);
        }
    }

    public bool HasKey(string key)
    {
        lock (_lock)
        {
            return _byKey.ContainsKey(key);
        }
    }

    public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        AuditChain.Validate(record);
        lock (_lock)
        {
            if (record.IdempotencyKey is { } key && _byKey.TryGetValue(key, out var done))
            {
                return Task.FromResult(done);
            }
            var last = _entries.LastOrDefault(e => e.Project == record.Project);
            var entry = AuditChain.Seal(record, last is null ? AuditHead.Empty : new AuditHead(last.Seq, last.Hash), clock.GetUtcNow());
            _entries.Add(entry);
            if (record.IdempotencyKey is { } newKey)
            {
                _byKey[newKey] = entry;
            }
            return Task.FromResult(entry);
        }
    }

    public Task<Page<AuditEntry>> ListAsync(AuditFilter filter, int limit, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_lock)
        {
            return Task.FromResult(Pages.Of(Matching(filter).Reverse().ToArray(), limit, cursor));
        }
    }

    public async IAsyncEnumerable<IReadOnlyList<AuditEntry>> ExportAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        AuditEntry[] all;
        lock (_lock)
        {
            all = Matching(filter).ToArray();
        }
        await Task.Yield();
        yield return all;
    }

    public Task<AuditVerification> VerifyAsync(string? project, CancellationToken ct)
    {
        lock (_lock)
        {
            var projects = project is null ? _entries.Select(e => e.Project).Distinct(StringComparer.Ordinal).ToArray() : [project];
            var checkedCount = 0L;
            foreach (var p in projects)
            {
                var result = AuditChainVerifier.Verify(_entries.Where(e => e.Project == p).ToArray(), project: p);
                if (!result.Valid)
                {
                    return Task.FromResult(result);
                }
                checkedCount += result.EntriesChecked;
            }
            return Task.FromResult(new AuditVerification(true, checkedCount));
        }
    }

    private IEnumerable<AuditEntry> Matching(AuditFilter f) => _entries.Where(e =>
        (f.Since is null || e.At >= f.Since) && (f.Until is null || e.At <= f.Until) && (f.Actor is null || e.Actor == f.Actor)
        && (f.Action is null || e.Action == f.Action) && (f.Subject is null || e.Subject == f.Subject) && (f.Project is null || e.Project == f.Project));
}

public sealed class InMemoryDriftStore : IDriftStore, IRetrainStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DriftPolicy> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), DriftReportRecord> _reports = [];
    private readonly Dictionary<string, RetrainingPolicy> _retrainPolicies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RetrainRun> _runs = new(StringComparer.Ordinal);
    private readonly List<(string Model, DateTimeOffset At)> _claims = [];

    public Task<DriftPolicy?> GetPolicyAsync(string model, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_policies.GetValueOrDefault(model));
        }
    }

    /// <summary>Writes a change's record (audit entry, events); the harness points it at <see cref="InMemoryJournal"/>.</summary>
    public Func<ChangeRecord, Task>? Recorder { get; set; }

    private Task RecordAsync(ChangeRecord? record) =>
        record is null ? Task.CompletedTask : (Recorder ?? throw new InvalidOperationException("No recorder: the harness sets one.")).Invoke(record);

    public Task PutPolicyAsync(DriftPolicy policy, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            _policies[policy.Model] = policy;
        }
        return RecordAsync(record);
    }

    public async Task<bool> CreateReportAsync(DriftReportRecord report, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_lock)
        {
            if (!_reports.TryAdd((report.Model, report.Id), report))
            {
                return false;
            }
        }
        await RecordAsync(record).ConfigureAwait(false);
        return true;
    }

    public Task<DriftReportRecord?> GetReportAsync(string model, string id, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_reports.GetValueOrDefault((model, id)));
        }
    }

    public Task<Page<DriftReportRecord>> ListReportsAsync(string model, int limit, string? cursor, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(Pages.Of(_reports.Values.Where(r => r.Model == model).OrderByDescending(r => r.Id, StringComparer.Ordinal).ToArray(), limit, cursor));
        }
    }

    public Task<RetrainingPolicy?> GetRetrainingPolicyAsync(string model, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_retrainPolicies.GetValueOrDefault(model));
        }
    }

    public Task PutRetrainingPolicyAsync(RetrainingPolicy policy, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_lock)
        {
            _retrainPolicies[policy.Model] = policy;
        }
        return RecordAsync(record);
    }

    public Task<RetrainClaim> TryClaimRetrainAsync(string model, string driftReportId, DateTimeOffset now, int cooldownSeconds, int maxPerDay, CancellationToken ct)
    {
        lock (_lock)
        {
            var mine = _claims.Where(c => c.Model == model).ToArray();
            if (mine.Length > 0 && (now - mine.Max(c => c.At)).TotalSeconds < cooldownSeconds)
            {
                return Task.FromResult(new RetrainClaim(false, $"Cooling down: the last retrain of {model} started less than {cooldownSeconds} s ago."));
            }
            if (mine.Count(c => c.At > now.AddDays(-1)) >= maxPerDay)
            {
                return Task.FromResult(new RetrainClaim(false, $"{model} has had its {maxPerDay} retrains today."));
            }
            _claims.Add((model, now));
            return Task.FromResult(new RetrainClaim(true, "Policy allows a retrain."));
        }
    }

    public Task<RetrainRun> CreateRunAsync(RetrainRun run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_lock)
        {
            return Task.FromResult(_runs.TryAdd(run.DriftReportId, run) ? run : _runs[run.DriftReportId]);
        }
    }

    public Task<RetrainRun?> GetRunAsync(string driftReportId, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_runs.GetValueOrDefault(driftReportId));
        }
    }

    public Task<RetrainRun> UpdateRunAsync(RetrainRun run, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_lock)
        {
            if (!_runs.TryGetValue(run.DriftReportId, out var stored) || stored.Revision != expectedRevision)
            {
                throw new ConcurrencyConflictException($"The retrain of {run.DriftReportId} changed since revision {expectedRevision}.");
            }
            var saved = run with { Revision = expectedRevision + 1 };
            _runs[run.DriftReportId] = saved;
            return Task.FromResult(saved);
        }
    }
}

/// <summary>Freezes, one per environment, with the same refusals as the table's.</summary>
public sealed class InMemoryFreezeStore(TimeProvider clock) : IFreezeStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Environment, string Project), Freeze> _freezes = [];

    public Func<ChangeRecord, Task>? Recorder { get; set; }

    public Task<Freeze?> GetFreezeAsync(string environment, CancellationToken ct, string? project = null)
    {
        lock (_lock)
        {
            return Task.FromResult(_freezes.GetValueOrDefault((environment, project ?? "")));
        }
    }

    public Task<IReadOnlyList<Freeze>> ListFreezesAsync(string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<Freeze>>(_freezes.Where(f => f.Key.Environment == environment).Select(f => f.Value).ToArray());
        }
    }

    public async Task<Freeze> FreezeAsync(Freeze freeze, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freeze);
        lock (_lock)
        {
            if (_freezes.GetValueOrDefault((freeze.Environment, freeze.Project ?? "")) is { } current && current.HoldsAt(clock.GetUtcNow()))
            {
                throw new ConflictException($"{current.Describe()}.");
            }
            _freezes[(freeze.Environment, freeze.Project ?? "")] = freeze;
        }
        await (Recorder?.Invoke(record) ?? Task.CompletedTask).ConfigureAwait(false);
        return freeze;
    }

    public async Task<Freeze> LiftFreezeAsync(string environment, Func<Freeze, ChangeRecord> record, CancellationToken ct, string? project = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        Freeze lifted;
        lock (_lock)
        {
            if (!_freezes.Remove((environment, project ?? ""), out lifted!))
            {
                throw new ConflictException($"{environment} is not frozen.");
            }
        }
        await (Recorder?.Invoke(record(lifted)) ?? Task.CompletedTask).ConfigureAwait(false);
        return lifted;
    }

    private readonly Dictionary<(string, string), AutoPromotionHold> _holds = [];

    public Task<IReadOnlyList<AutoPromotionHold>> ListHoldsAsync(string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<AutoPromotionHold>>(_holds.Values.Where(h => h.Environment == environment).ToArray());
        }
    }

    public async Task<bool> PlaceHoldAsync(AutoPromotionHold hold, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        lock (_lock)
        {
            if (!_holds.TryAdd((hold.Environment, hold.Model), hold))
            {
                return false;
            }
        }
        await (Recorder?.Invoke(record) ?? Task.CompletedTask).ConfigureAwait(false);
        return true;
    }

    public async Task<AutoPromotionHold> LiftHoldAsync(string environment, string model, Func<AutoPromotionHold, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        AutoPromotionHold lifted;
        lock (_lock)
        {
            if (!_holds.Remove((environment, model), out lifted!))
            {
                throw new ConflictException($"Auto-promotion of {model} into {environment} is not held.");
            }
        }
        await (Recorder?.Invoke(record(lifted)) ?? Task.CompletedTask).ConfigureAwait(false);
        return lifted;
    }
}

/// <summary>Policy versions, each written once, like the table's conditional put.</summary>
public sealed class InMemoryPolicyStore : IPolicyStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(PolicyScope, string), List<PolicyDocument>> _versions = [];

    public Func<ChangeRecord, Task>? Recorder { get; set; }

    public Task<PolicyDocument?> GetCurrentAsync(PolicyScope scope, string name, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_versions.GetValueOrDefault((scope, name))?.LastOrDefault());
        }
    }

    public Task<PolicyDocument?> GetVersionAsync(PolicyScope scope, string name, int version, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_versions.GetValueOrDefault((scope, name))?.FirstOrDefault(v => v.Version == version));
        }
    }

    public Task<IReadOnlyList<PolicyDocument>> ListVersionsAsync(PolicyScope scope, string name, int limit, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<PolicyDocument>>((_versions.GetValueOrDefault((scope, name)) ?? []).AsEnumerable().Reverse().Take(limit).ToArray());
        }
    }

    public async Task<PolicyDocument> PutAsync(PolicyScope scope, string name, Func<PolicyDocument?, (PolicyDocument Next, ChangeRecord Record)> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        (PolicyDocument Next, ChangeRecord Record) written;
        lock (_lock)
        {
            var list = _versions.TryGetValue((scope, name), out var l) ? l : _versions[(scope, name)] = [];
            written = change(list.LastOrDefault());
            list.Add(written.Next);
        }
        await (Recorder?.Invoke(written.Record) ?? Task.CompletedTask).ConfigureAwait(false);
        return written.Next;
    }
}

/// <summary>Release templates, saved like the table's conditional put.</summary>
public sealed class InMemoryTemplateStore : ITemplateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), ReleaseTemplate> _templates = [];

    public Func<ChangeRecord, Task>? Recorder { get; set; }

    public Task<ReleaseTemplate?> GetAsync(string project, string name, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult(_templates.GetValueOrDefault((project, name)));
        }
    }

    public Task<IReadOnlyList<ReleaseTemplate>> ListAsync(string project, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ReleaseTemplate>>(_templates.Values.Where(t => t.Project == project).OrderBy(t => t.Name, StringComparer.Ordinal).ToArray());
        }
    }

    public async Task<ReleaseTemplate> SaveAsync(string project, string name, Func<ReleaseTemplate?, (ReleaseTemplate Next, ChangeRecord Record)> change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        (ReleaseTemplate Next, ChangeRecord Record) saved;
        lock (_lock)
        {
            saved = change(_templates.GetValueOrDefault((project, name)));
            _templates[(project, name)] = saved.Next;
        }
        await (Recorder?.Invoke(saved.Record) ?? Task.CompletedTask).ConfigureAwait(false);
        return saved.Next;
    }
}

/// <summary>Out-of-band change flags, one per environment and model, with the table's refusals.</summary>
public sealed class InMemoryLiveStateStore : ILiveStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), OutOfBandChange> _flags = [];

    public Func<ChangeRecord, Task>? Recorder { get; set; }

    public Task<IReadOnlyList<OutOfBandChange>> ListAsync(string environment, CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<OutOfBandChange>>(_flags.Values.Where(f => f.Environment == environment).ToArray());
        }
    }

    public async Task<bool> FlagAsync(OutOfBandChange change, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            if (!_flags.TryAdd((change.Environment, change.Model), change))
            {
                return false;
            }
        }
        await (Recorder?.Invoke(record) ?? Task.CompletedTask).ConfigureAwait(false);
        return true;
    }

    public async Task<OutOfBandChange> ClearAsync(string environment, string model, Func<OutOfBandChange, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        OutOfBandChange cleared;
        lock (_lock)
        {
            if (!_flags.Remove((environment, model), out cleared!))
            {
                throw new ConflictException($"No out-of-band change of {model} is flagged in {environment}.");
            }
        }
        await (Recorder?.Invoke(record(cleared)) ?? Task.CompletedTask).ConfigureAwait(false);
        return cleared;
    }
}
