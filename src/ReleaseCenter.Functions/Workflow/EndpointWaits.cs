using System.Text.Json;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Waiting for a SageMaker endpoint without polling it. A workflow that finds its endpoint still
/// updating parks on a task token (<see cref="ParkAsync"/>); SageMaker's "Endpoint State Change"
/// event, routed here by an EventBridge rule, wakes it (<see cref="OnStateChangeAsync"/>), and the
/// workflow checks the endpoint again. The token task's timeout is the fallback when an event is
/// lost; the environment's deployment bound stays the deadline (checked by the endpoint check).
/// </summary>
public sealed class EndpointWaits(IWorkflowStore store, ISageMaker sageMaker, IStepFunctions stepFunctions)
{
    /// <summary>
    /// How long a parked workflow waits before it checks the endpoint on its own: the fallback interval, but never past the
    /// deployment bound (<paramref name="secondsLeft"/>), so the check that passes the bound comes on time. At least 1 s.
    /// </summary>
    public static int ParkSeconds(int fallbackSeconds, double secondsLeft) =>
        (int)Math.Clamp(Math.Ceiling(Math.Min(fallbackSeconds, secondsLeft + 1)), 1, Math.Max(1, fallbackSeconds));

    /// <summary>While the endpoint is in one of these, the parked workflow stays parked.</summary>
    private static readonly HashSet<string> Moving = new(StringComparer.Ordinal)
    {
        EndpointStatus.Creating, EndpointStatus.Updating, EndpointStatus.SystemUpdating, EndpointStatus.RollingBack,
    };

    /// <summary>
    /// Parks <paramref name="token"/> until <paramref name="endpointName"/> stops moving. If it stopped between the
    /// workflow's check and now (an event that came before the token was stored), wakes the workflow at once.
    /// </summary>
    /// <param name="waiter">Who waits, for operators reading the table: "release rel-… in prod".</param>
    public async Task ParkAsync(string endpointName, string token, string waiter, CancellationToken ct)
    {
        await store.PutEndpointWaiterAsync(endpointName, token, waiter, ct).ConfigureAwait(false);
        var endpoint = await sageMaker.FindEndpointAsync(endpointName, ct).ConfigureAwait(false);
        if (endpoint is null || !Moving.Contains(endpoint.EndpointStatus))
        {
            await WakeAsync(endpointName, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Handles an "Endpoint State Change" event: wakes the workflow waiting for that endpoint, if any.
    /// Returns the endpoint name and whether a workflow was woken; events of endpoints nobody waits for are ignored.
    /// </summary>
    public async Task<(string? Endpoint, bool Woken)> OnStateChangeAsync(JsonElement @event, CancellationToken ct)
    {
        var detail = @event.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        if (detail.ValueKind != JsonValueKind.Object || !detail.TryGetProperty("EndpointName", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return (null, false);
        }
        var endpointName = name.GetString()!;
        return (endpointName, await WakeAsync(endpointName, ct).ConfigureAwait(false));
    }

    /// <summary>Completes the waiting token once; a token whose task already timed out (and so re-checked on its own) is dropped.</summary>
    public async Task<bool> WakeAsync(string endpointName, CancellationToken ct)
    {
        if (await store.TakeEndpointWaiterAsync(endpointName, ct).ConfigureAwait(false) is not { } token)
        {
            return false;
        }
        try
        {
            await stepFunctions.SendTaskSuccessAsync(new SendTaskSuccessRequest(token, "{}"), ct).ConfigureAwait(false);
            return true;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode is "TaskTimedOut" or "TaskDoesNotExist" or "InvalidToken")
        {
            return false;
        }
    }
}
