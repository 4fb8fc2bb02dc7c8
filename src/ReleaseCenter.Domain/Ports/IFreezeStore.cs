using ReleaseCenter.Domain.Environments;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Freezes of environments (<see cref="Freeze"/>): at most one per environment. Every change is written with its audit entry and events.</summary>
public interface IFreezeStore
{
    /// <summary>The environment's freeze, if one was placed and not lifted (it may have ended by its own <c>until</c>).</summary>
    Task<Freeze?> GetFreezeAsync(string environment, CancellationToken ct, string? project = null);

    /// <summary>Every freeze placed in the environment: the environment's own and each project's.</summary>
    Task<IReadOnlyList<Freeze>> ListFreezesAsync(string environment, CancellationToken ct);

    /// <summary>Places the freeze; a freeze that ended by its own <c>until</c> is replaced.</summary>
    /// <exception cref="ConflictException">a freeze holds the environment already.</exception>
    Task<Freeze> FreezeAsync(Freeze freeze, ChangeRecord record, CancellationToken ct);

    /// <summary>Lifts the environment's freeze (the record is built from it).</summary>
    /// <exception cref="ConflictException">no freeze was placed on the environment.</exception>
    Task<Freeze> LiftFreezeAsync(string environment, Func<Freeze, ChangeRecord> record, CancellationToken ct, string? project = null);

    /// <summary>The auto-promotion holds that stand in the environment (<see cref="AutoPromotionHold"/>).</summary>
    Task<IReadOnlyList<AutoPromotionHold>> ListHoldsAsync(string environment, CancellationToken ct);

    /// <summary>Places the hold; false (nothing written) when one stands already for the model.</summary>
    Task<bool> PlaceHoldAsync(AutoPromotionHold hold, ChangeRecord record, CancellationToken ct);

    /// <summary>Lifts the model's hold (the record is built from it).</summary>
    /// <exception cref="ConflictException">no hold stands.</exception>
    Task<AutoPromotionHold> LiftHoldAsync(string environment, string model, Func<AutoPromotionHold, ChangeRecord> record, CancellationToken ct);
}
