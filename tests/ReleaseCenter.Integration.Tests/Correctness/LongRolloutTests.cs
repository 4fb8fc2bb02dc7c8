using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 2 (issue 10): the endpoint wait had a fixed retry budget of about twelve minutes
/// (jittered, so often less), shorter than a real canary; when it ran out the stage was marked
/// failed while the endpoint finished the update. An update SageMaker rolled back itself looked
/// like a wait that never ended.
/// </summary>
[Collection("emulator")]
public sealed class LongRolloutTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    /// <summary>The least time the Retry of a state on <paramref name="error"/> keeps trying (jitter can only shorten it, so there must be none).</summary>
    private static double RetryBudgetSeconds(JsonElement state, string error)
    {
        var retry = state.GetProperty("Retry").EnumerateArray().Single(r => r.GetProperty("ErrorEquals").EnumerateArray().Any(e => e.GetString() == error));
        Assert.False(retry.TryGetProperty("JitterStrategy", out _), "a jittered poll may wait far less than its budget");
        var (interval, rate, max) = (retry.GetProperty("IntervalSeconds").GetDouble(), retry.GetProperty("BackoffRate").GetDouble(), retry.GetProperty("MaxDelaySeconds").GetDouble());
        return Enumerable.Range(0, retry.GetProperty("MaxAttempts").GetInt32()).Sum(k => Math.Min(interval * Math.Pow(rate, k), max));
    }

    private static JsonElement State(string file, string name)
    {
        var asl = JsonDocument.Parse(LocalHost.ReadResourceForTests(file)).RootElement;
        return asl.GetProperty("States").TryGetProperty(name, out var top) ? top
            : asl.GetProperty("States").GetProperty("Release to each environment").GetProperty("ItemProcessor").GetProperty("States").GetProperty(name);
    }

    [Fact]
    public void EndpointWait_OutlastsTheLongestDeploymentAnyEnvironmentMayTake()
    {
        var policies = EnvironmentPolicies.Parse(LocalHost.ReadResourceForTests("environments.json"));
        var longest = Math.Max(policies.All.Max(p => p.Deployment.DeploymentBoundSeconds),
            DeploymentStrategy.ProvisioningSeconds + DeploymentStrategy.MaxExecutionTimeoutSeconds);

        Assert.True(RetryBudgetSeconds(State("release.asl.json", "Wait until the endpoint is in service"), WorkflowErrors.EndpointNotReady) > longest);
        Assert.True(RetryBudgetSeconds(State("rollback.asl.json", "Wait until the endpoint is in service"), WorkflowErrors.EndpointNotReady) > DeploymentStrategy.ProvisioningSeconds);
        // prod's shipped canary: 30 minutes to provision, 600 s at 10 %, 600 s more at 100 %, and SageMaker's own hour.
        Assert.Equal(1800 + 3600, policies.Get("prod").Deployment.DeploymentBoundSeconds);
    }

    [Fact]
    public async Task EndpointStillShifting_PastTheEnvironmentsBound_TimesOut_WithinItWaits()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("slowshift"), (0.93, 80), (0.935, 80));
        foreach (var version in new[] { 1, 2 })
        {
            var id = await Driver.ReleaseAsync(model, version, """["staging"]""");
            await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
            await Driver.ApproveAsync(id, "sam", "approvers-staging");
            if (version == 1)
            {
                await Driver.WaitAsync(id, ReleaseDriver.Status("Released"));
            }
        }
        var second = (await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases?model={model}")).GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("version").GetInt32() == 2).GetProperty("id").GetString()!;
        // v2's update shifts staging's traffic linearly (two steps of 300 SageMaker seconds).
        var shifting = await Poll.UntilAsync(() => Driver.EndpointAsync(model, "staging"), e => e?.PendingDeploymentSummary is not null, attempts: 300, delayMilliseconds: 20);
        Assert.NotNull(shifting!.PendingDeploymentSummary);
        var bound = Driver.Api.App.Services.GetRequiredService<EnvironmentPolicies>().Get("staging").Deployment.DeploymentBoundSeconds;

        var steps = (TimeSpan ahead) => ActivatorUtilities.CreateInstance<ReleaseSteps>(Driver.Api.App.Services, new AheadClock(ahead));
        var within = await Assert.ThrowsAsync<WorkflowErrorException>(() => steps(TimeSpan.FromSeconds(bound - 60)).CheckEndpointAsync(second, "staging", CancellationToken.None));
        var past = await Assert.ThrowsAsync<WorkflowErrorException>(() => steps(TimeSpan.FromSeconds(bound + 60)).CheckEndpointAsync(second, "staging", CancellationToken.None));

        Assert.Equal(WorkflowErrors.EndpointNotReady, within.ErrorType);
        Assert.Equal(WorkflowErrors.DeploymentTimedOut, past.ErrorType);
        await Driver.WaitAsync(second, ReleaseDriver.Status("Released"));
    }

    [Fact]
    public async Task UpdateThatSageMakerRolledBack_IsARolledBackStage_NotAnEndlessWait()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("autorb"), (0.93, 80), (0.935, 80));
        var first = await Driver.ReleaseAsync(model, 1, """["dev"]""");
        var firstConfig = ReleaseDriver.StageOf(await Driver.WaitAsync(first, ReleaseDriver.Status("Released")), "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString()!;
        var second = await Driver.ReleaseAsync(model, 2, """["dev"]""");
        var secondRelease = await Driver.WaitAsync(second, ReleaseDriver.Status("Released"));
        var endpointName = ReleaseDriver.StageOf(secondRelease, "dev").GetProperty("deployment").GetProperty("endpointName").GetString()!;

        // What SageMaker's AutoRollbackConfiguration does when an alarm goes off during the update: the old config serves again.
        using var sageMaker = new SageMakerClient(Emulator.ClientOptions());
        await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(endpointName, firstConfig));
        var handlers = Driver.Api.App.Services.GetRequiredService<ITaskHandlers>();
        var error = await Assert.ThrowsAsync<WorkflowErrorException>(() =>
            handlers.InvokeAsync("check-endpoint", $$"""{"releaseId":"{{second}}","environment":"dev"}""", CancellationToken.None));

        Assert.Equal(WorkflowErrors.AutoRolledBack, error.ErrorType);
        Assert.Contains(firstConfig, error.Message, StringComparison.Ordinal);
    }
}
