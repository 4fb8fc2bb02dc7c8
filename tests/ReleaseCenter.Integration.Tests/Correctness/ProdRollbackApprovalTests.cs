using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 10 (issue 10): with the shipped configuration, anyone who may request a rollback could
/// change what prod serves with nobody else looking. Now a prod rollback waits for one approver
/// from approvers-prod, who is never its requester.
/// </summary>
[Collection("emulator")]
public sealed class ProdRollbackApprovalTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task ProdRollback_WaitsForAnApproverFromApproversProd_AndNeverCountsTheRequester()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("prb"), (0.93, 80), (0.935, 80));
        var first = await Driver.ReleaseToProdAsync(model, 1);
        await Driver.ReleaseToProdAsync(model, 2);

        var requested = await Driver.Alice.PostAsync("/v1/environments/prod/rollback",
            ReleaseDriver.Json($$"""{"model":"{{model}}","reason":"p95 latency over budget"}"""));
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var rollbackId = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
        var waiting = await Poll.UntilAsync(() => Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
            r => r.GetProperty("status").GetString() == "AwaitingApproval", attempts: 200, delayMilliseconds: 100);
        Assert.Equal("AwaitingApproval", waiting.GetProperty("status").GetString());

        // The requester, even as a member of approvers-prod, does not count.
        using var aliceApprover = await Driver.Api.As("alice", "ml-engineers", "approvers-prod");
        Assert.Equal(HttpStatusCode.Forbidden,
            (await aliceApprover.PostAsync($"/v1/rollbacks/{rollbackId}/approvals", ReleaseDriver.Json("""{"decision":"approve"}"""))).StatusCode);
        using var pat = await Driver.Api.As("pat", "approvers-prod");
        Assert.True((await pat.PostAsync($"/v1/rollbacks/{rollbackId}/approvals", ReleaseDriver.Json("""{"decision":"approve"}"""))).IsSuccessStatusCode);

        var done = await Poll.UntilAsync(() => Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
            r => r.GetProperty("status").GetString() is "Completed" or "Failed", attempts: 300, delayMilliseconds: 100);
        Assert.Equal("Completed", done.GetProperty("status").GetString());
        var firstConfig = ReleaseDriver.StageOf(await Driver.GetAsync(first), "prod").GetProperty("deployment").GetProperty("endpointConfigName").GetString();
        Assert.Equal(firstConfig, await Driver.RecordedConfigAsync(model, "prod"));
        Assert.Equal(firstConfig, await Driver.ServedConfigAsync(model, "prod"));
    }
}
