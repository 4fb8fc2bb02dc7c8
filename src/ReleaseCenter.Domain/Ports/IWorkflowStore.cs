using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

/// <summary>What is live for a model in an environment.</summary>
public sealed record LiveDeployment(string Environment, string Model, string ReleaseId, int Version, string EndpointName, string EndpointConfigName, DateTimeOffset DeployedAt);

/// <summary>An environment's lock: at most one release deploys to an environment at a time.</summary>
public sealed record EnvironmentLock(string Environment, string? LockedBy, DateTimeOffset? LockedAt);

/// <summary>
/// Workflow state outside the release item. Every write is conditional so that a retried task
/// (Step Functions retries) changes nothing the first attempt already changed.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>True if the lock is now held by <paramref name="releaseId"/> (newly or already); false if another release holds it.</summary>
    Task<bool> TryAcquireLockAsync(string environment, string releaseId, DateTimeOffset now, CancellationToken ct);

    /// <summary>Releases the lock only if <paramref name="releaseId"/> holds it; returns whether it did.</summary>
    Task<bool> ReleaseLockAsync(string environment, string releaseId, CancellationToken ct);

    Task<EnvironmentLock> GetLockAsync(string environment, CancellationToken ct);

    Task<LiveDeployment?> GetLiveAsync(string environment, string model, CancellationToken ct);

    /// <summary>Records a completed deployment and makes it live, once: a second call for the same release and environment changes nothing.</summary>
    Task<bool> RecordDeploymentAsync(LiveDeployment deployment, CancellationToken ct);

    /// <summary>Deployments to an environment, newest first.</summary>
    Task<IReadOnlyList<LiveDeployment>> ListDeploymentsAsync(string environment, int limit, CancellationToken ct);

    /// <summary>Appends a step to the release's timeline unless that (environment, step) is already there; returns whether it was new.</summary>
    Task<bool> AppendTimelineAsync(TimelineEntry entry, CancellationToken ct);

    Task<IReadOnlyList<TimelineEntry>> ListTimelineAsync(string releaseId, CancellationToken ct);

    /// <summary>The waiting approval task's token. Kept apart from the release item so that no read of a release can leak it.</summary>
    Task PutTaskTokenAsync(string releaseId, string environment, string token, CancellationToken ct);

    Task<string?> GetTaskTokenAsync(string releaseId, string environment, CancellationToken ct);
}
