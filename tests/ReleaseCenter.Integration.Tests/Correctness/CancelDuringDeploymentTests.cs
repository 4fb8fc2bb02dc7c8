using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Environments;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 3 (issue 10): a cancel that landed while prod shifted canary traffic freed the lock and
/// said Cancelled, while the endpoint went on to serve the cancelled model.
/// </summary>
[Collection("emulator")]
public sealed class CancelDuringDeploymentTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    private static string ConfigOf(JsonElement release) =>
        ReleaseDriver.StageOf(release, "prod").GetProperty("deployment").GetProperty("endpointConfigName").GetString()!;

    [Fact]
    public async Task CancelWhileProdShiftsCanaryTraffic_LeavesProdOnTheEarlierRelease_InTheRecordAndOnTheEndpoint()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("cxl"), (0.93, 80), (0.935, 80));
        var first = await Driver.ReleaseAsync(model, 1, """["prod"]""");
        await Driver.WaitAsync(first, ReleaseDriver.StageStatus("prod", "AwaitingApproval"));
        await Driver.ApproveAsync(first, "pat", "approvers-prod");
        await Driver.ApproveAsync(first, "quinn", "approvers-prod");
        var firstConfig = ConfigOf(await Driver.WaitAsync(first, ReleaseDriver.Status("Released"), seconds: 90));

        var second = await Driver.ReleaseAsync(model, 2, """["prod"]""");
        await Driver.WaitAsync(second, ReleaseDriver.StageStatus("prod", "AwaitingApproval"));
        await Driver.ApproveAsync(second, "pat", "approvers-prod");
        await Driver.ApproveAsync(second, "quinn", "approvers-prod");
        var shifting = await Poll.UntilAsync(() => Driver.EndpointAsync(model, "prod"), e => e?.PendingDeploymentSummary is not null, attempts: 300, delayMilliseconds: 20);
        Assert.NotNull(shifting!.PendingDeploymentSummary); // the canary takes part of prod's traffic now

        var cancelled = await Driver.Alice.PostAsync($"/v1/releases/{second}/cancel", ReleaseDriver.Json("""{"reason":"wrong feature set"}"""));

        Assert.True(cancelled.IsSuccessStatusCode, await cancelled.Content.ReadAsStringAsync());
        Assert.Equal("Cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(firstConfig, await Driver.RecordedConfigAsync(model, "prod"));
        Assert.Equal(second, (await Driver.Workflow.GetLockAsync("prod", CancellationToken.None)).LockedBy); // held until the endpoint is put back

        // The reconciler puts the endpoint back once SageMaker lets it change (the scheduled one waits the task timeout first).
        var locks = Driver.Api.App.Services.GetRequiredService<EnvironmentLocks>();
        var freed = await Poll.UntilAsync(() => locks.FreeAbandonedAsync(TimeSpan.Zero, CancellationToken.None), n => n == 1, attempts: 100, delayMilliseconds: 200);

        Assert.Equal(1, freed);
        Assert.Equal(firstConfig, await Driver.ServedConfigAsync(model, "prod"));
        Assert.Equal(firstConfig, await Driver.RecordedConfigAsync(model, "prod"));
        var reverted = ReleaseDriver.StageOf(await Driver.GetAsync(second), "prod").GetProperty("deployment").GetProperty("reverted");
        Assert.Equal(firstConfig, reverted.GetProperty("servingConfig").GetString());
        Assert.Null((await Driver.Workflow.GetLockAsync("prod", CancellationToken.None)).LockedBy);
    }

    [Fact]
    public async Task LockStep_OfACancelledRelease_TakesNoLock()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("cxlock"), (0.93, 80));
        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
        Assert.True((await Driver.Alice.PostAsync($"/v1/releases/{id}/cancel", ReleaseDriver.Json("""{"reason":"not now"}"""))).IsSuccessStatusCode);

        // A lock task that was already in flight when the cancel landed.
        var handlers = Driver.Api.App.Services.GetRequiredService<ITaskHandlers>();
        var error = await Assert.ThrowsAsync<WorkflowErrorException>(() =>
            handlers.InvokeAsync("acquire-lock", $$"""{"releaseId":"{{id}}","environment":"staging"}""", CancellationToken.None));

        Assert.Equal(WorkflowErrors.Cancelled, error.ErrorType);
        Assert.Null((await Driver.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
    }
}
