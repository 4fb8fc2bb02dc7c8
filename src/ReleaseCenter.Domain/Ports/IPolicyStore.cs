using ReleaseCenter.Domain.Policies;

namespace ReleaseCenter.Domain.Ports;

/// <summary>
/// Versions of project and model policies (<see cref="PolicyDocument"/>): immutable, numbered from 1. Each change is
/// written with its audit entry and events.
/// </summary>
public interface IPolicyStore
{
    /// <summary>The newest version, or null when none was ever written.</summary>
    Task<PolicyDocument?> GetCurrentAsync(PolicyScope scope, string name, CancellationToken ct);

    Task<PolicyDocument?> GetVersionAsync(PolicyScope scope, string name, int version, CancellationToken ct);

    /// <summary>The newest versions first.</summary>
    Task<IReadOnlyList<PolicyDocument>> ListVersionsAsync(PolicyScope scope, string name, int limit, CancellationToken ct);

    /// <summary>
    /// Writes the version after the current one: <paramref name="change"/> is given the current version (null for none) and
    /// returns the next and its record; when another writer made that version first, it is called again with theirs.
    /// </summary>
    /// <exception cref="ConflictException">thrown by <paramref name="change"/> (the version the caller expected is gone).</exception>
    Task<PolicyDocument> PutAsync(PolicyScope scope, string name, Func<PolicyDocument?, (PolicyDocument Next, ChangeRecord Record)> change, CancellationToken ct);
}
