using System.Text.Json;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Wait for SageMaker to finish the update (release and rollback workflows): parks the task token until
/// SageMaker's "Endpoint State Change" event wakes it (<see cref="EndpointChangedStep"/>) or its timeout passes.
/// </summary>
public sealed class AwaitEndpointStep(EndpointWaits waits) : ITaskStep
{
    public string Handler => ReleaseWorkflow.AwaitEndpointHandler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var waiter = Payload.OptionalText(payload, "rollbackId") is { } rollbackId
            ? $"rollback {rollbackId}"
            : $"release {Payload.ReleaseId(payload)} in {Payload.Environment(payload)}";
        await waits.ParkAsync(Payload.Text(payload, "endpointName"), Payload.Text(payload, "taskToken"), waiter, ct).ConfigureAwait(false);
        return Payload.Empty;
    }
}

/// <summary>Not a state machine task: the target of the EventBridge rule on SageMaker's "Endpoint State Change" events.</summary>
public sealed class EndpointChangedStep(EndpointWaits waits) : ITaskStep
{
    public string Handler => ReleaseWorkflow.EndpointChangedHandler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (endpoint, woken) = await waits.OnStateChangeAsync(payload, ct).ConfigureAwait(false);
        return Payload.Json(new Dictionary<string, string> { ["endpoint"] = endpoint ?? "", ["woken"] = woken ? "true" : "false" },
            WorkflowJsonContext.Default.DictionaryStringString);
    }
}
