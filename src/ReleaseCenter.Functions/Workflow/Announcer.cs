using System.Text.Json;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>Publishes product events to the bus (docs/events.md). Events carry ids and outcomes, never tokens or secrets.</summary>
public sealed class Announcer(EventBridgeClient events, ReleaseCenterSettings settings)
{
    public const string Source = "release-center";

    public async Task AnnounceAsync(string detailType, Dictionary<string, string> detail, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(detail, WorkflowJsonContext.Default.DictionaryStringString);
        await events.PutEventsAsync([new PutEventsEntry(Source, detailType, json) { EventBusName = settings.EventBusName }], ct).ConfigureAwait(false);
    }
}
