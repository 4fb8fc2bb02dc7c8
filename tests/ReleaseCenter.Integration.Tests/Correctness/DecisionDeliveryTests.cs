using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 4 (issue 10): the deciding vote was stored, then audited, then the waiting task was
/// completed; a failure in between left the release waiting until it expired. Delivery is now
/// at least once: the vote stands, and the reconciler (or a later vote) delivers it.
/// </summary>
[Collection("emulator")]
public sealed class DecisionDeliveryTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task DecidingVote_WhoseDeliveryFails_IsDeliveredByTheReconciler_AndAuditedOnce()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("deliver"), (0.93, 80));
        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
        Faults.Add(new FaultRule("error", "states") { Operation = "SendTaskSuccess", Count = 50 });

        var vote = await Driver.VoteAsync(id, "sam", "approvers-staging");

        Assert.True(vote.IsSuccessStatusCode, await vote.Content.ReadAsStringAsync());
        Assert.Equal("approved", (await vote.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("decision").GetString());
        Assert.True(Faults.Injected["error"] >= 1);
        var stuck = await Driver.GetAsync(id);
        Assert.Equal("AwaitingApproval", ReleaseDriver.StageOf(stuck, "staging").GetProperty("status").GetString());

        Faults.Clear();
        var delivered = await Driver.Api.App.Services.GetRequiredService<ReleaseService>().DeliverDecisionsAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(1, delivered);
        await Driver.WaitAsync(id, ReleaseDriver.Status("Released"));
        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=release/{id}&limit=100");
        Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "release.approved");
        // Nothing is left to deliver: a second sweep does nothing.
        Assert.Equal(0, await Driver.Api.App.Services.GetRequiredService<ReleaseService>().DeliverDecisionsAsync(TimeSpan.Zero, CancellationToken.None));
    }
}
