using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Drift;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>
/// "Mark as bad" (policies issue, item 6) in the use cases: a vetoed version cannot be released by a person or by
/// retraining, and a release of it already in flight stops at its next environment's door. The emulator tests
/// (Integration.Tests, VetoApiTests) hold the same through the HTTP API and the real state machine.
/// </summary>
public sealed class VetoTests : IDisposable
{
    private readonly Harness _h = new();

    public void Dispose() => _h.Dispose();

    private Task VetoAsync(string model, int version, string reason = "leaks card numbers into its logs") =>
        _h.Registry.VetoVersionAsync(model, version, new Veto(reason, "bob", _h.Clock.GetUtcNow()),
            ReleaseJournal.Registry("fraud", "bob", "model.version-vetoed", $"model/{model}/versions/{version}", new Dictionary<string, string>()),
            CancellationToken.None);

    [Fact]
    public async Task AVetoedVersion_IsRefused_AndNoReleaseIsWritten_UntilTheVetoIsLifted()
    {
        var model = await _h.RegisterAsync("vetoed", (0.93, 80));
        await VetoAsync(model, 1);

        var refused = await Assert.ThrowsAsync<VersionVetoedException>(() => _h.ReleaseAsync(model, 1, "dev"));

        Assert.Equal("version", refused.Field);
        Assert.Contains("bob marked vetoed v1 as bad", refused.Message, StringComparison.Ordinal);
        Assert.Contains("leaks card numbers", refused.Message, StringComparison.Ordinal);
        Assert.Empty((await _h.Registry.ListReleasesAsync(model, 10, null, CancellationToken.None)).Items);
        Assert.Empty(_h.StepFunctions.Executions);

        await _h.Registry.LiftVetoAsync(model, 1, _ => ReleaseJournal.Registry("fraud", "lena", "model.version-veto-lifted", $"model/{model}/versions/1",
            new Dictionary<string, string>()), CancellationToken.None);
        var release = await _h.ReleaseAsync(model, 1, "dev");
        Assert.Equal(ReleaseStatus.Pending, release.Status);
    }

    [Fact]
    public async Task AVersionVetoedInFlight_StopsAtTheNextEnvironmentsDoor_WithoutTouchingItsEndpoint()
    {
        var model = await _h.RegisterAsync("inflight", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "dev", "staging");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);
        await _h.DeployAsync(release.Id, "dev");
        var callsBefore = _h.SageMaker.Calls.Count;

        await VetoAsync(model, 1);
        var stopped = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Step<AcquireLockStep>().RunAsync(release.Id, "staging", CancellationToken.None));

        Assert.Equal(WorkflowErrors.Vetoed, stopped.ErrorType);
        Assert.Contains("bob marked inflight v1 as bad", stopped.Message, StringComparison.Ordinal);
        Assert.Contains("Not deployed to staging", stopped.Message, StringComparison.Ordinal);
        Assert.Null((await _h.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
        Assert.Equal(callsBefore, _h.SageMaker.Calls.Count);
    }

    [Fact]
    public async Task Retraining_NeverReleasesAVetoedVersion_ItsRunFailsSayingWhy()
    {
        var model = await _h.RegisterAsync("retrained", (0.93, 80), (0.95, 70));
        const string report = "drift-20261201-101500-0a1b2c3d";
        await _h.Drift.CreateRunAsync(new RetrainRun(report, model, RetrainStatus.Registered, true, "drift over threshold", _h.Clock.GetUtcNow())
        {
            Version = 2,
        }, CancellationToken.None);
        await _h.Drift.PutRetrainingPolicyAsync(RetrainingPolicy.Off(model) with { ReleaseEnvironments = ["dev"] }, CancellationToken.None);
        await VetoAsync(model, 2, "trained on a corrupted partition");

        var failed = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Step<RetrainOpenReleaseStep>().RunAsync(report, model, CancellationToken.None));

        Assert.Equal(RetrainRuns.VersionVetoed, failed.ErrorType);
        Assert.Contains("trained on a corrupted partition", failed.Message, StringComparison.Ordinal);
        Assert.Null(await _h.Registry.GetReleaseAsync("rel-20261201-101500-0a1b2c3d", CancellationToken.None));
        Assert.Null((await _h.Drift.GetRunAsync(report, CancellationToken.None))!.ReleaseId);
    }
}
