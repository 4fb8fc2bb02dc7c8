using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Rollbacks and the consumers registered per environment. Every change is a conditional write.</summary>
public interface IRollbackStore
{
    /// <exception cref="ConflictException">a rollback with that id exists.</exception>
    Task CreateAsync(Rollback rollback, CancellationToken ct);

    Task<Rollback?> GetAsync(string id, CancellationToken ct);

    /// <summary>Writes <paramref name="rollback"/> if the stored revision is still <paramref name="expectedRevision"/>.</summary>
    /// <exception cref="ConcurrencyConflictException">someone else changed it first.</exception>
    Task<Rollback> UpdateAsync(Rollback rollback, long expectedRevision, CancellationToken ct);

    /// <summary>The waiting approval task's token, kept apart from the rollback item so that no read of a rollback can leak it.</summary>
    Task PutTaskTokenAsync(string rollbackId, string token, CancellationToken ct);

    Task<string?> GetTaskTokenAsync(string rollbackId, CancellationToken ct);

    /// <exception cref="ConflictException">a consumer of that name is registered for that model and environment.</exception>
    /// <param name="record">The audit entry written in the same transaction (all or nothing).</param>
    Task AddConsumerAsync(Consumer consumer, CancellationToken ct, ChangeRecord? record = null);

    /// <summary>Consumers in an environment, by model then name; only <paramref name="model"/>'s if given.</summary>
    Task<IReadOnlyList<Consumer>> ListConsumersAsync(string environment, string? model, CancellationToken ct);

    /// <summary>Returns whether a consumer was removed.</summary>
    Task<bool> RemoveConsumerAsync(string environment, string model, string name, CancellationToken ct, ChangeRecord? record = null);
}
