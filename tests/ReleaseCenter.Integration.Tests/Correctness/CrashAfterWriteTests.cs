using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// A handler whose process dies right after its first write (the fault switch's "crash"): the write
/// stands, nothing after it happened, the state machine retries the step, and the retry must finish
/// the job without doing anything twice. One release to dev per step that writes.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class CrashAfterWriteTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Theory]
    [InlineData("evaluate")]
    [InlineData("acquire-lock")]
    [InlineData("deploy")]
    [InlineData("record-deployment")]
    [InlineData("finish")]
    public async Task AStepThatDiesAfterItsFirstWrite_IsRetried_AndTheReleaseLandsOnce(string handler)
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("crash-" + handler), (0.93, 80));
        // The payloads carry the release id, unknown until the release is created: the first invocation of the handler crashes.
        Faults.Add(new FaultRule("crash", "lambda") { Operation = handler, Count = 1 });

        var id = await Driver.ReleaseAsync(model, 1, """["dev"]""");
        var release = await Driver.WaitAsync(id, r => r.GetProperty("status").GetString() is "Released" or "Failed", seconds: 90);
        // A crash in "finish" leaves the status written and the rest to the retry: look once the execution ended.
        Assert.Equal("SUCCEEDED", (await Driver.EndedExecutionAsync(id, seconds: 90)).Status);

        Assert.Equal(1, Faults.Injected.GetValueOrDefault("crash"));
        Assert.Equal("Released", release.GetProperty("status").GetString());
        var history = await Driver.HistoryAsync(id);
        Assert.Contains(history, e => e.Type == "TaskFailed"); // the crash, then the retry
        var config = ReleaseDriver.StageOf(release, "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString();
        Assert.Equal(config, await Driver.ServedConfigAsync(model, "dev"));
        Assert.Equal(config, await Driver.RecordedConfigAsync(model, "dev"));
        Assert.Single(await Driver.Workflow.ListDeploymentsAsync("dev", 10, CancellationToken.None, model: model));
        Assert.Null((await Driver.Workflow.GetLockAsync("dev", CancellationToken.None)).LockedBy);
        // The story is whole: a step's entry is not lost with the attempt that died after its first write.
        var steps = (await Driver.Workflow.ListTimelineAsync(id, CancellationToken.None)).Select(e => e.Step).ToArray();
        Assert.Equal(["requested", "evaluated", "lock-acquired", "deployment-started", "verified", "deployed", "finished"],
            steps.Where(s => s is "requested" or "evaluated" or "lock-acquired" or "deployment-started" or "verified" or "deployed" or "finished"));
    }
}
