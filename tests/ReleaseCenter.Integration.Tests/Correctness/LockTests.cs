using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Functions.Environments;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 5 (issue 10): a workflow that failed where it frees its lock kept the environment
/// locked until someone edited DynamoDB. Locks now name their execution; a sweeper frees those
/// whose execution ended, and release-admins can unlock by hand, with a reason, both audited.
/// </summary>
[Collection("emulator")]
public sealed class LockTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    /// <summary>A release whose staging stage fails where it records, where it stops and where it finishes: its execution ends FAILED holding the staging lock.</summary>
    private async Task<string> ReleaseThatDiesHoldingTheLockAsync(string model)
    {
        await Driver.RegisterAsync(model, (0.93, 80));
        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
        foreach (var handler in new[] { "record-deployment", "stop-stage", "finish" })
        {
            Faults.Add(new FaultRule("fail", "lambda") { Operation = handler, Match = id, Count = 100 });
        }
        await Driver.ApproveAsync(id, "sam", "approvers-staging");
        Assert.Equal("FAILED", (await Driver.EndedExecutionAsync(id, seconds: 90)).Status);
        var held = await Driver.Workflow.GetLockAsync("staging", CancellationToken.None);
        Assert.Equal(id, held.LockedBy);
        Assert.EndsWith($":{id}", held.ExecutionArn, StringComparison.Ordinal);
        return id;
    }

    [Fact]
    public async Task LockLeftByAFailedExecution_IsFreedByAReleaseAdmin_AndTheAuditSaysWhoAndWhy()
    {
        var model = Emulator.UniqueName("stuck");
        var id = await ReleaseThatDiesHoldingTheLockAsync(model);
        var before = await Driver.Api.SnapshotAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.Alice.PostAsync("/v1/environments/staging/unlock",
            ReleaseDriver.Json("""{"reason":"stuck"}"""))).StatusCode);
        using var lena = await Driver.Api.As("lena", "release-admins");
        var noReason = await lena.PostAsync("/v1/environments/staging/unlock", ReleaseDriver.Json("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.True((await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await lena.PostAsync("/v1/environments/nowhere/unlock", ReleaseDriver.Json("""{"reason":"x"}"""))).StatusCode);
        Assert.Equal(before, await Driver.Api.SnapshotAsync());

        var response = await lena.PostAsync("/v1/environments/staging/unlock", ReleaseDriver.Json("""{"reason":"record step failed; endpoint checked by hand"}"""));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((id, "FAILED"), (result.GetProperty("freedFrom").GetString(), result.GetProperty("executionStatus").GetString()));
        Assert.Null((await Driver.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit?subject=environment/staging&limit=10");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal(("environment.unlocked", "lena"), (entry.GetProperty("action").GetString(), entry.GetProperty("actor").GetString()));
        Assert.Equal("record step failed; endpoint checked by hand", entry.GetProperty("details").GetProperty("reason").GetString());
        // The deployment it never recorded was undone first: nothing served in staging before it, so the endpoint is gone.
        Assert.StartsWith("Deleted ", entry.GetProperty("details").GetProperty("endpoint").GetString(), StringComparison.Ordinal);
        Assert.Null(await Driver.EndpointAsync(model, "staging"));
        Assert.Equal(HttpStatusCode.Conflict, (await lena.PostAsync("/v1/environments/staging/unlock", ReleaseDriver.Json("""{"reason":"again"}"""))).StatusCode);
    }

    [Fact]
    public async Task Sweeper_FreesLocksOfEndedExecutions_AndLeavesThoseOfRunningOnes()
    {
        var ended = await ReleaseThatDiesHoldingTheLockAsync(Emulator.UniqueName("swept"));
        var locks = Driver.Api.App.Services.GetRequiredService<EnvironmentLocks>();

        // The scheduled reconciler waits the task timeout after an execution ended; the test does not.
        Assert.Equal(1, await locks.FreeAbandonedAsync(TimeSpan.Zero, CancellationToken.None));

        Assert.Null((await Driver.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit?subject=environment/staging&limit=10");
        var entry = Assert.Single(audit.GetProperty("items").EnumerateArray());
        Assert.Equal(("lock-sweeper", ended), (entry.GetProperty("actor").GetString(), entry.GetProperty("details").GetProperty("lockedBy").GetString()));

        // A lock whose holder still runs (here: a release waiting for staging approval) stays, and only force frees it by hand.
        var model = await Driver.RegisterAsync(Emulator.UniqueName("running"), (0.93, 80));
        var running = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        var waiting = await Driver.WaitAsync(running, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
        Assert.True(await Driver.Workflow.TryAcquireLockAsync("prod", running, DateTimeOffset.UtcNow, CancellationToken.None,
            waiting.GetProperty("executionArn").GetString()));
        Assert.Equal(0, await locks.FreeAbandonedAsync(TimeSpan.Zero, CancellationToken.None));
        using var lena = await Driver.Api.As("lena", "release-admins");
        Assert.Equal(HttpStatusCode.Conflict, (await lena.PostAsync("/v1/environments/prod/unlock", ReleaseDriver.Json("""{"reason":"try"}"""))).StatusCode);
        Assert.Equal(running, (await Driver.Workflow.GetLockAsync("prod", CancellationToken.None)).LockedBy);
        var forced = await lena.PostAsync("/v1/environments/prod/unlock", ReleaseDriver.Json("""{"reason":"operator override","force":true}"""));
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
        Assert.True((await forced.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("forced").GetBoolean());
    }
}
