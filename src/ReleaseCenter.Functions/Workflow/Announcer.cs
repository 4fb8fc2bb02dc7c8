using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Publishes product events to the bus (docs/events.md). Events carry ids and outcomes, never
/// tokens or secrets. Every event that names a model also names its project, so that
/// notification rules can route per project.
/// </summary>
public sealed class Announcer(IEventBridge events, ReleaseCenterSettings settings, ModelProjects projects)
{
    public const string Source = ResourceNames.EventSource;

    public async Task AnnounceAsync(string detailType, Dictionary<string, string> detail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(detail);
        if (detail.TryGetValue("model", out var model) && !detail.ContainsKey("project") && await projects.FindAsync(model, ct).ConfigureAwait(false) is { } project)
        {
            detail["project"] = project;
        }
        var json = JsonSerializer.Serialize(detail, WorkflowJsonContext.Default.DictionaryStringString);
        await events.PutEventsAsync([new PutEventsEntry(Source, detailType, json) { EventBusName = settings.EventBusName }], ct).ConfigureAwait(false);
    }
}
