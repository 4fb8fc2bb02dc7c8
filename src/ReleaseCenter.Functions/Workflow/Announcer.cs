using System.Collections.Concurrent;
using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Publishes product events to the bus (docs/events.md). Events carry ids and outcomes, never
/// tokens or secrets. Every event that names a model also names its project, so that
/// notification rules can route per project.
/// </summary>
public sealed class Announcer(EventBridgeClient events, ReleaseCenterSettings settings, IRegistryStore registry)
{
    public const string Source = "release-center";

    private readonly ConcurrentDictionary<string, string> _projects = new(StringComparer.Ordinal);

    public async Task AnnounceAsync(string detailType, Dictionary<string, string> detail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (detail.TryGetValue("model", out var model) && !detail.ContainsKey("project") && await ProjectOfAsync(model, ct).ConfigureAwait(false) is { } project)
        {
            detail["project"] = project;
        }
        var json = JsonSerializer.Serialize(detail, WorkflowJsonContext.Default.DictionaryStringString);
        await events.PutEventsAsync([new PutEventsEntry(Source, detailType, json) { EventBusName = settings.EventBusName }], ct).ConfigureAwait(false);
    }

    /// <summary>A model's project never changes, so one lookup per model serves the process.</summary>
    private async Task<string?> ProjectOfAsync(string model, CancellationToken ct)
    {
        if (_projects.TryGetValue(model, out var project))
        {
            return project;
        }
        var found = await registry.GetModelAsync(model, ct).ConfigureAwait(false);
        return found is null ? null : _projects[model] = found.Project;
    }
}
