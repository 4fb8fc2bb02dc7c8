using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Ports;

/// <summary>Release templates (<see cref="ReleaseTemplate"/>), by project and name. Every save is written with its audit entry and events.</summary>
public interface ITemplateStore
{
    Task<ReleaseTemplate?> GetAsync(string project, string name, CancellationToken ct);

    /// <summary>The project's templates, by name.</summary>
    Task<IReadOnlyList<ReleaseTemplate>> ListAsync(string project, CancellationToken ct);

    /// <summary>
    /// Saves the template: <paramref name="change"/> is given the one stored now (null for none) and returns the template
    /// to store, with its revision one past the stored one, and the change's record; it is called again if another save won.
    /// </summary>
    Task<ReleaseTemplate> SaveAsync(string project, string name, Func<ReleaseTemplate?, (ReleaseTemplate Next, ChangeRecord Record)> change, CancellationToken ct);
}
