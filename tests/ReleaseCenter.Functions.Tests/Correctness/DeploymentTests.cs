using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Tests.Fakes;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests.Correctness;

/// <summary>Defects 1, 2 and 7 of issue 10, as use cases over the fakes (the emulator tests prove the wiring).</summary>
public sealed class DeploymentTests : IDisposable
{
    private readonly Harness _h = new();

    public void Dispose() => _h.Dispose();

    private async Task<string> ReleasedToDevAsync(string model, int version)
    {
        var release = await _h.ReleaseAsync(model, version, "dev");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);
        await _h.DeployAsync(release.Id, "dev");
        Assert.True((await _h.Step<CheckEndpointStep>().RunAsync(release.Id, "dev", CancellationToken.None)).Ready);
        Assert.True((await _h.Step<VerifyStep>().RunAsync(release.Id, "dev", CancellationToken.None)).Healthy);
        await _h.Step<RecordDeploymentStep>().RunAsync(release.Id, "dev", CancellationToken.None);
        return release.Id;
    }

    [Fact]
    public async Task Defect1_ASageMakerModelOfThatNameServingSomethingElse_IsACollision_NotASuccess()
    {
        var model = await _h.RegisterAsync("fraud-detector", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "dev");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);
        await _h.SageMaker.CreateModelAsync(new CreateModelRequest(SageMakerNames.Model(model, 1, release.Id), "role", new ContainerDefinition("someone/else:7")));

        var error = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.DeployAsync(release.Id, "dev"));

        Assert.Equal(WorkflowErrors.NameCollision, error.ErrorType);
        Assert.Empty(_h.SageMaker.Endpoints);
    }

    [Fact]
    public async Task Defect1_ASixtyCharacterModelName_DeploysTwice_WithDistinctNamesThatFit()
    {
        var model = await _h.RegisterAsync(new string('m', 50) + "-detector", (0.93, 80), (0.935, 80));

        var first = await ReleasedToDevAsync(model, 1);
        var second = await ReleasedToDevAsync(model, 2);

        var configs = new[] { first, second }.Select(id => _h.GetReleaseAsync(id).Result.Stage("dev").Deployment!.EndpointConfigName).ToArray();
        Assert.NotEqual(configs[0], configs[1]);
        Assert.All(configs.Append(SageMakerNames.Endpoint(model, "dev")), name => Assert.InRange(name.Length, 1, 63));
        Assert.Equal(configs[1], _h.SageMaker.Endpoints[SageMakerNames.Endpoint(model, "dev")].EndpointConfigName);
    }

    [Fact]
    public async Task Defect2_WhileSageMakerShiftsTraffic_TheCheckWaits_UntilTheBound_ThenTimesOut()
    {
        var model = await _h.RegisterAsync("slow", (0.93, 80), (0.935, 80));
        await ReleasedToDevAsync(model, 1);
        _h.SageMaker.HoldUpdates = true;
        var second = await _h.ReleaseAsync(model, 2, "dev");
        await _h.Step<EvaluateStep>().RunAsync(second.Id, CancellationToken.None);
        await _h.DeployAsync(second.Id, "dev");
        var check = _h.Step<CheckEndpointStep>();
        var bound = _h.Get<EnvironmentPolicies>().Get("dev").Deployment.DeploymentBoundSeconds;

        _h.Clock.Advance(TimeSpan.FromSeconds(bound - 10));
        var near = await check.RunAsync(second.Id, "dev", CancellationToken.None);
        _h.Clock.Advance(TimeSpan.FromSeconds(20));
        var past = await Assert.ThrowsAsync<WorkflowErrorException>(() => check.RunAsync(second.Id, "dev", CancellationToken.None));

        Assert.False(near.Ready);
        Assert.Equal(11, near.WaitSeconds); // the next look comes just past the bound, not five minutes later
        Assert.Equal(WorkflowErrors.DeploymentTimedOut, past.ErrorType);
    }

    [Fact]
    public async Task Defect2_AnUpdateSageMakerRolledBack_IsAutoRolledBack_AndStoppingTheStageRecordsWhatServes()
    {
        var model = await _h.RegisterAsync("alarmed", (0.93, 80), (0.935, 80));
        var first = await ReleasedToDevAsync(model, 1);
        _h.SageMaker.HoldUpdates = true;
        var second = await _h.ReleaseAsync(model, 2, "dev");
        await _h.Step<EvaluateStep>().RunAsync(second.Id, CancellationToken.None);
        var deployed = await _h.DeployAsync(second.Id, "dev");
        _h.SageMaker.AutoRollBack(deployed.EndpointName, "latency-alarm went off");

        var error = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Step<CheckEndpointStep>().RunAsync(second.Id, "dev", CancellationToken.None));
        var stop = await _h.Step<StopStageStep>().RunAsync(second.Id, "dev", error.ErrorType, error.Message, CancellationToken.None);

        Assert.Equal(WorkflowErrors.AutoRolledBack, error.ErrorType);
        Assert.Equal(WorkflowErrors.RolledBack, stop.Error);
        var stage = (await _h.GetReleaseAsync(second.Id)).Stage("dev");
        Assert.Equal(ReleaseStatus.RolledBack, stage.Status);
        var firstConfig = (await _h.GetReleaseAsync(first)).Stage("dev").Deployment!.EndpointConfigName;
        Assert.Equal(firstConfig, stage.Deployment!.Reverted!.ServingConfig);
        Assert.Equal(firstConfig, _h.SageMaker.Endpoints[deployed.EndpointName].EndpointConfigName);
        Assert.Null((await _h.Workflow.GetLockAsync("dev", CancellationToken.None)).LockedBy);
    }

    [Fact]
    public async Task Defect2_AStageThatFailsAfterTheUpdate_PutsThePreviousConfigBack()
    {
        var model = await _h.RegisterAsync("unhealthy", (0.93, 80), (0.935, 80));
        var first = await ReleasedToDevAsync(model, 1);
        var second = await _h.ReleaseAsync(model, 2, "dev");
        await _h.Step<EvaluateStep>().RunAsync(second.Id, CancellationToken.None);
        var deployed = await _h.DeployAsync(second.Id, "dev");
        Assert.NotEqual((await _h.GetReleaseAsync(first)).Stage("dev").Deployment!.EndpointConfigName, _h.SageMaker.Endpoints[deployed.EndpointName].EndpointConfigName);

        await _h.Step<StopStageStep>().RunAsync(second.Id, "dev", "Release.Transient", "SageMaker kept throttling", CancellationToken.None);

        var firstConfig = (await _h.GetReleaseAsync(first)).Stage("dev").Deployment!.EndpointConfigName;
        Assert.Equal(firstConfig, _h.SageMaker.Endpoints[deployed.EndpointName].EndpointConfigName);
        Assert.Equal(first, (await _h.Workflow.GetLiveAsync("dev", model, CancellationToken.None))!.ReleaseId);
        Assert.Contains(_h.Audit.Entries, e => e.Action == "release.reverted" && e.Subject == $"release/{second.Id}");
    }

    [Fact]
    public async Task Defect7_ThrottledSageMaker_IsReleaseTransient_AndTheRetryCreatesEachResourceOnce()
    {
        var model = await _h.RegisterAsync("throttled", (0.93, 80));
        var release = await _h.ReleaseAsync(model, 1, "dev");
        await _h.Step<EvaluateStep>().RunAsync(release.Id, CancellationToken.None);
        await _h.Step<AcquireLockStep>().RunAsync(release.Id, "dev", CancellationToken.None);
        _h.SageMaker.Fail("CreateEndpoint", AwsErrors.Throttling("CreateEndpoint"));
        var payload = $$"""{"releaseId":"{{release.Id}}","environment":"dev"}""";

        var error = await Assert.ThrowsAsync<WorkflowErrorException>(() => _h.Handlers.InvokeAsync("deploy", payload, CancellationToken.None));
        await _h.Handlers.InvokeAsync("deploy", payload, CancellationToken.None);

        Assert.Equal(WorkflowErrors.Transient, error.ErrorType);
        Assert.Equal(1, _h.SageMaker.Calls.Count(c => c == "CreateModel"));
        Assert.Equal(1, _h.SageMaker.Calls.Count(c => c == "CreateEndpointConfig"));
        Assert.Equal(2, _h.SageMaker.Calls.Count(c => c == "CreateEndpoint"));
        Assert.Single(_h.SageMaker.Endpoints);
    }
}
