using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>Defect 2's event-driven wait: a parked workflow is woken by SageMaker's state-change event, exactly once.</summary>
public sealed class EndpointWaitTests : IDisposable
{
    private readonly Harness _h = new();

    public void Dispose() => _h.Dispose();

    private static JsonElement StateChange(string endpoint, string status = "IN_SERVICE") => JsonDocument.Parse($$$"""
        {"source":"aws.sagemaker","detail-type":"SageMaker Endpoint State Change","detail":{"EndpointName":"{{{endpoint}}}","EndpointStatus":"{{{status}}}"}}
        """).RootElement;

    private async Task<string> UpdatingEndpointAsync()
    {
        _h.SageMaker.HoldUpdates = true;
        await _h.SageMaker.CreateEndpointConfigAsync(new CreateEndpointConfigRequest("cfg-1", [new ProductionVariant("primary", "m-1", 1, "ml.m5.large")]));
        await _h.SageMaker.CreateEndpointConfigAsync(new CreateEndpointConfigRequest("cfg-2", [new ProductionVariant("primary", "m-2", 1, "ml.m5.large")]));
        await _h.SageMaker.CreateEndpointAsync(new CreateEndpointRequest("fraud-prod", "cfg-1"));
        await _h.SageMaker.UpdateEndpointAsync(new UpdateEndpointRequest("fraud-prod", "cfg-2"));
        return "fraud-prod";
    }

    [Fact]
    public async Task AParkedWorkflow_IsWokenByTheEvent_Once()
    {
        var endpoint = await UpdatingEndpointAsync();
        var waits = _h.Get<EndpointWaits>();
        await waits.ParkAsync(endpoint, "token-1", "release rel-1 in prod", CancellationToken.None);
        Assert.Empty(_h.StepFunctions.Succeeded); // still updating: it stays parked

        _h.SageMaker.FinishUpdate(endpoint);
        var first = await waits.OnStateChangeAsync(StateChange(endpoint), CancellationToken.None);
        var second = await waits.OnStateChangeAsync(StateChange(endpoint), CancellationToken.None); // SageMaker may send an event twice

        Assert.Equal((endpoint, true), first);
        Assert.Equal((endpoint, false), second);
        Assert.Equal(["token-1"], _h.StepFunctions.Succeeded.Select(s => s.Token));
    }

    [Fact]
    public async Task AnEventThatCameBeforeTheWorkflowParked_IsNotMissed()
    {
        var endpoint = await UpdatingEndpointAsync();
        var waits = _h.Get<EndpointWaits>();
        _h.SageMaker.FinishUpdate(endpoint);
        await waits.OnStateChangeAsync(StateChange(endpoint), CancellationToken.None); // nobody waits yet

        await waits.ParkAsync(endpoint, "token-late", "release rel-1 in prod", CancellationToken.None);

        Assert.Equal(["token-late"], _h.StepFunctions.Succeeded.Select(s => s.Token));
    }

    [Fact]
    public async Task AWakeAfterTheTokenTimedOut_IsDropped_AndEventsOfOtherEndpointsWakeNobody()
    {
        var endpoint = await UpdatingEndpointAsync();
        var waits = _h.Get<EndpointWaits>();
        await waits.ParkAsync(endpoint, "token-old", "release rel-1 in prod", CancellationToken.None);
        _h.StepFunctions.ExpireToken("token-old"); // the fallback timeout went first

        var other = await waits.OnStateChangeAsync(StateChange("someone-elses"), CancellationToken.None);
        var late = await waits.OnStateChangeAsync(StateChange(endpoint), CancellationToken.None);
        var malformed = await waits.OnStateChangeAsync(JsonDocument.Parse("""{"detail":{}}""").RootElement, CancellationToken.None);

        Assert.Equal(("someone-elses", false), other);
        Assert.Equal((endpoint, false), late);
        Assert.Equal((null, false), malformed);
        Assert.Empty(_h.StepFunctions.Succeeded);
    }

    [Fact]
    public async Task TheCheckAndThePark_ThroughTheTaskHandlers_AsTheStateMachineCallsThem()
    {
        var endpoint = await UpdatingEndpointAsync();

        var answer = await _h.Handlers.InvokeAsync("await-endpoint",
            $$"""{"releaseId":"rel-1","environment":"prod","endpointName":"{{endpoint}}","taskToken":"token-h"}""", CancellationToken.None);
        _h.SageMaker.FinishUpdate(endpoint);
        var woke = await _h.Handlers.InvokeAsync("endpoint-changed", StateChange(endpoint).GetRawText(), CancellationToken.None);

        Assert.Equal("{}", answer);
        Assert.Equal($$"""{"endpoint":"{{endpoint}}","woken":"true"}""", woke);
    }
}
