using System.Collections.Concurrent;
using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Functions;

/// <summary>
/// Which project a model belongs to: the audit chain its steps go to and the routing key of its
/// events. A model's project never changes, so one lookup per model serves the process.
/// </summary>
public sealed class ModelProjects(IRegistryStore registry)
{
    private readonly ConcurrentDictionary<string, string> _projects = new(StringComparer.Ordinal);

    /// <summary>The model's project, or null when no such model is registered.</summary>
    public async Task<string?> FindAsync(string model, CancellationToken ct)
    {
        if (_projects.TryGetValue(model, out var project))
        {
            return project;
        }
        var found = await registry.GetModelAsync(model, ct).ConfigureAwait(false);
        return found is null ? null : _projects[model] = found.Project;
    }

    /// <exception cref="InvalidOperationException">the model does not exist.</exception>
    public async Task<string> GetAsync(string model, CancellationToken ct) =>
        await FindAsync(model, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"Model '{model}' does not exist.");
}
