using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>
/// Auto-promotion with a hold after rollback (policies issue, item 7), with the real release state machine: a model whose
/// policy promotes it automatically into prod enters prod without approval once its gate passes; after a manual rollback
/// in prod, the next release waits at prod's door until someone lifts the hold (it would quietly undo the rollback).
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class AutoPromotionTests(EmulatorFixture emulator) : DriverTestBase(emulator, TestEnvironments.DevAndProd(prodApprovals: true))
{
    private static StringContent Body(object value) => ReleaseDriver.Json(JsonSerializer.Serialize(value));

    [Fact]
    public async Task AnAutoPromotedModel_EntersProdWithoutApproval_UntilAManualRollbackHoldsIt_AndTheHoldIsLifted()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("auto"), (0.93, 80), (0.935, 78), (0.94, 75));
        using var lena = await Driver.Api.As("lena", "release-admins");
        var policy = await lena.PutAsync($"/v1/models/{model}/policy", Body(new { environments = new { prod = new { autoPromote = true } }, reason = "a low-risk model" }));
        Assert.True(policy.StatusCode == HttpStatusCode.OK, await policy.Content.ReadAsStringAsync());

        // Into prod without anyone's approval: the gate passed, and the story says why nobody was asked.
        var first = await Driver.ReleaseAsync(model, 1, """["dev","prod"]""");
        var released = await Driver.WaitAsync(first, ReleaseDriver.Status("Released"), seconds: 90);
        var prod = ReleaseDriver.StageOf(released, "prod");
        Assert.True(prod.GetProperty("autoPromoted").GetBoolean());
        Assert.Empty(prod.GetProperty("approvals").EnumerateArray());
        Assert.DoesNotContain("Wait for approval", await Driver.StatesEnteredAsync(first));
        Assert.Contains("prod promotes automatically", (await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{first}/history")).GetRawText(),
            StringComparison.Ordinal);
        var second = await Driver.ReleaseAsync(model, 2, """["dev","prod"]""");
        await Driver.WaitAsync(second, ReleaseDriver.Status("Released"), seconds: 90);

        // A person rolls prod back (v2 -> v1): auto-promotion of the model into prod now holds.
        var rollback = await Driver.Alice.PostAsync("/v1/environments/prod/rollback", Body(new { model, reason = "v2 misroutes refunds" }));
        Assert.True(rollback.StatusCode == HttpStatusCode.Accepted, await rollback.Content.ReadAsStringAsync());
        var rollbackId = (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
        var done = await Poll.UntilAsync(() => Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
            r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Rejected" or "Expired");
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        var hold = await Poll.UntilAsync(async () => (await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/environments")).GetProperty("items").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == "prod").GetProperty("holds").EnumerateArray().FirstOrDefault(h => h.GetProperty("model").GetString() == model),
            h => h.ValueKind == JsonValueKind.Object);
        Assert.Equal((rollbackId, "alice"), (hold.GetProperty("rollbackId").GetString(), hold.GetProperty("by").GetString()));

        // The next release passes dev and waits at prod's door, saying why; the endpoint keeps serving v1.
        var third = await Driver.ReleaseAsync(model, 3, """["dev","prod"]""");
        var held = await Driver.WaitAsync(third, r => ReleaseDriver.StageOf(r, "prod").GetProperty("waiting") is { ValueKind: JsonValueKind.Object } w
            && w.GetProperty("kind").GetString() == "hold", seconds: 90);
        Assert.Contains("rolled it back", ReleaseDriver.StageOf(held, "prod").GetProperty("waiting").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await Driver.Workflow.GetLiveAsync("prod", model, CancellationToken.None))!.Version);

        // Lifting it: release-admins of the project only, with a reason; then the release goes on by itself.
        var lift = $"/v1/environments/prod/holds/{model}/lift";
        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.Alice.PostAsync(lift, Body(new { reason = "mine" }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await lena.PostAsync(lift, Body(new { reason = "" }))).StatusCode);
        var lifted = await lena.PostAsync(lift, Body(new { reason = "refund routing fixed in v3" }));
        Assert.True(lifted.StatusCode == HttpStatusCode.OK, await lifted.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await lena.PostAsync(lift, Body(new { reason = "again" }))).StatusCode);
        await Driver.WaitAsync(third, ReleaseDriver.Status("Released"), seconds: 90);
        Assert.Equal(3, (await Driver.Workflow.GetLiveAsync("prod", model, CancellationToken.None))!.Version);

        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=environment/prod/model/{model}&limit=10");
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToArray();
        Assert.Contains("environment.auto-promotion-held", actions);
        Assert.Contains("environment.auto-promotion-resumed", actions);
    }
}
