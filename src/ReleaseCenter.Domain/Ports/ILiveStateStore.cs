using ReleaseCenter.Domain.Environments;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Flags of out-of-band changes (<see cref="OutOfBandChange"/>): at most one per environment and model. Every change is written with its audit entry and events.</summary>
public interface ILiveStateStore
{
    /// <summary>The flags that stand in the environment.</summary>
    Task<IReadOnlyList<OutOfBandChange>> ListAsync(string environment, CancellationToken ct);

    /// <summary>Raises the flag; false (and nothing written) when one stands already for that endpoint.</summary>
    Task<bool> FlagAsync(OutOfBandChange change, ChangeRecord record, CancellationToken ct);

    /// <summary>Clears the flag that stands (the record is built from it).</summary>
    /// <exception cref="ConflictException">no flag stands (reconciled already).</exception>
    Task<OutOfBandChange> ClearAsync(string environment, string model, Func<OutOfBandChange, ChangeRecord> record, CancellationToken ct);
}
