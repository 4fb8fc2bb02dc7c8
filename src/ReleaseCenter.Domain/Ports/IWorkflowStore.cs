using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

/// <summary>
/// What is live for a model in an environment, and each change of it: the deployment history is
/// a list of these, newest first. A release's deployment and a rollback each make one.
/// </summary>
public sealed record LiveDeployment(string Environment, string Model, string ReleaseId, int Version, string EndpointName, string EndpointConfigName, DateTimeOffset DeployedAt)
{
    /// <summary><see cref="DeploymentKinds.Release"/> (a release reached the environment) or <see cref="DeploymentKinds.Rollback"/> (a rollback restored <see cref="ReleaseId"/>).</summary>
    public string Kind { get; init; } = DeploymentKinds.Release;

    /// <summary>The rollback that made this live (rollbacks only).</summary>
    public string? RollbackId { get; init; }

    /// <summary>The out-of-band change this adopts (adopted deployments only): it is recorded once.</summary>
    public string? AdoptedChange { get; init; }

    /// <summary>The release that was live before this one, if any; for a rollback, the release rolled back.</summary>
    public string? ReplacedRelease { get; init; }
}

public static class DeploymentKinds
{
    public const string Release = "release";
    public const string Rollback = "rollback";

    /// <summary>An out-of-band change to the endpoint, adopted as what is live (<see cref="Environments.OutOfBandChange"/>).</summary>
    public const string Adopted = "adopted";
}

/// <summary>A rollback found that what is live is no longer what it was asked to roll back from.</summary>
public sealed class LiveChangedException(string message) : Exception(message);

/// <summary>
/// An environment's lock: at most one release (or rollback) deploys to an environment at a time.
/// <see cref="ExecutionArn"/> is the holder's workflow execution, so a lock whose execution has
/// ended can be told apart from one in use.
/// </summary>
public sealed record EnvironmentLock(string Environment, string? LockedBy, DateTimeOffset? LockedAt)
{
    public string? ExecutionArn { get; init; }
}

/// <summary>
/// Workflow state outside the release item. Every write is conditional so that a retried task
/// (Step Functions retries) changes nothing the first attempt already changed.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>True if the lock is now held by <paramref name="releaseId"/> (newly or already); false if another release holds it.</summary>
    /// <param name="executionArn">The holder's execution, kept on the lock.</param>
    Task<bool> TryAcquireLockAsync(string environment, string releaseId, DateTimeOffset now, CancellationToken ct, string? executionArn = null);

    /// <summary>Releases the lock only if <paramref name="releaseId"/> holds it; returns whether it did.</summary>
    Task<bool> ReleaseLockAsync(string environment, string releaseId, CancellationToken ct);

    Task<EnvironmentLock> GetLockAsync(string environment, CancellationToken ct);

    Task<LiveDeployment?> GetLiveAsync(string environment, string model, CancellationToken ct);

    /// <summary>
    /// Records a completed deployment and makes it live, once: a second call for the same release
    /// and environment (or the same rollback) changes nothing and returns false. With
    /// <paramref name="expectedLiveRelease"/>, the live pointer moves only if that release is still
    /// live, in the same transaction.
    /// </summary>
    /// <exception cref="LiveChangedException">something other than <paramref name="expectedLiveRelease"/> is live now.</exception>
    Task<bool> RecordDeploymentAsync(LiveDeployment deployment, CancellationToken ct, string? expectedLiveRelease = null);

    /// <summary>
    /// Deployments to an environment, newest first: at most <paramref name="limit"/>, only those of
    /// <paramref name="model"/> if given, only those made at or before <paramref name="atOrBefore"/> if given.
    /// </summary>
    Task<IReadOnlyList<LiveDeployment>> ListDeploymentsAsync(string environment, int limit, CancellationToken ct, DateTimeOffset? atOrBefore = null, string? model = null);

    /// <summary>What is live now in an environment, one entry per model.</summary>
    Task<IReadOnlyList<LiveDeployment>> ListLiveAsync(string environment, CancellationToken ct);

    /// <summary>Appends a step to the release's timeline unless that (environment, step) is already there; returns whether it was new.</summary>
    Task<bool> AppendTimelineAsync(TimelineEntry entry, CancellationToken ct);

    Task<IReadOnlyList<TimelineEntry>> ListTimelineAsync(string releaseId, CancellationToken ct);

    /// <summary>The waiting approval task's token. Kept apart from the release item so that no read of a release can leak it.</summary>
    Task PutTaskTokenAsync(string releaseId, string environment, string token, CancellationToken ct);

    Task<string?> GetTaskTokenAsync(string releaseId, string environment, CancellationToken ct);

    /// <summary>
    /// Remembers the task token of a workflow waiting for <paramref name="endpointName"/> to finish an update
    /// (one waiter per endpoint: the environment lock lets one workflow at a time change it).
    /// </summary>
    Task PutEndpointWaiterAsync(string endpointName, string token, string waiter, CancellationToken ct);

    /// <summary>Removes and returns the token of the workflow waiting for <paramref name="endpointName"/>, once: a second caller gets null.</summary>
    Task<string?> TakeEndpointWaiterAsync(string endpointName, CancellationToken ct);
}
