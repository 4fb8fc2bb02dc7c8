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
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 2 (issue 10): the endpoint wait had a fixed retry budget of about twelve minutes
/// (jittered, so often less), shorter than a real canary; when it ran out the stage was marked
/// failed while the endpoint finished the update. An update SageMaker rolled back itself looked
/// like a wait that never ended. Now the workflow parks on a task token that SageMaker's
/// "Endpoint State Change" event completes, looks again on its own after a fallback interval,
/// and only the environment's deployment bound ends the wait.
/// </summary>
[Collection("emulator")]
public sealed class LongRolloutTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    private static JsonElement State(string file, string name)
    {
        var asl = JsonDocument.Parse(LocalHost.ReadResourceForTests(file)).RootElement;
        return asl.GetProperty("States").TryGetProperty(name, out var top) ? top
            : asl.GetProperty("States").GetProperty("Release to each environment").GetProperty("ItemProcessor").GetProperty("States").GetProperty(name);
    }

    [Theory]
    [InlineData("release.asl.json", "Is the endpoint serving the new model?")]
    [InlineData("rollback.asl.json", "Is the endpoint serving the target?")]
    public void EndpointWait_ParksOnATaskToken_AndLooksAgainWhenWokenOrTimedOut(string file, string check)
    {
        const string Wait = "Wait for SageMaker to finish the update";
        var checkState = State(file, check);
        var choice = State(file, "Is the endpoint ready?");
        var wait = State(file, Wait);

        // No retry budget to run out: the check answers "not ready" instead of failing, and only the deployment bound ends the loop.
        Assert.DoesNotContain(checkState.GetProperty("Retry").EnumerateArray().SelectMany(r => r.GetProperty("ErrorEquals").EnumerateArray()),
            e => e.GetString() == WorkflowErrors.EndpointNotReady);
        Assert.Equal("Is the endpoint ready?", checkState.GetProperty("Next").GetString());
        Assert.Equal(Wait, choice.GetProperty("Default").GetString());
        Assert.EndsWith(".waitForTaskToken", wait.GetProperty("Resource").GetString(), StringComparison.Ordinal);
        Assert.Equal("$.endpoint.result.waitSeconds", wait.GetProperty("TimeoutSecondsPath").GetString());
        var onTimeout = wait.GetProperty("Catch")[0];
        Assert.Equal(["States.Timeout"], onTimeout.GetProperty("ErrorEquals").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(check, onTimeout.GetProperty("Next").GetString());
        Assert.Equal(check, wait.GetProperty("Next").GetString());
    }

    [Theory]
    [InlineData(300, 5400, 300)] // a long canary: the fallback interval
    [InlineData(300, 10, 11)] // near the bound: the next look comes just past it, to fail on time
    [InlineData(300, -30, 1)] // past it (the check fails before this matters): never zero
    [InlineData(5, 5400, 5)] // the local stack's short fallback
    public void ParkSeconds_IsTheFallback_ButNeverPastTheBound(int fallback, double secondsLeft, int expected) =>
        Assert.Equal(expected, EndpointWaits.ParkSeconds(fallback, secondsLeft));

    [Fact]
    public void DeploymentBound_CoversProvisioningEveryTrafficStepAndSageMakersOwnTimeout()
    {
        var policies = EnvironmentPolicies.Parse(LocalHost.ReadResourceForTests("environments.json"));
        // prod's shipped canary: 30 minutes to provision, 600 s at 10 %, 600 s more at 100 %, and SageMaker's own hour.
        Assert.Equal(1800 + 3600, policies.Get("prod").Deployment.DeploymentBoundSeconds);
    }

    [Fact]
    public async Task EndpointStillShifting_PastTheEnvironmentsBound_TimesOut_WithinItWaits()
    {
        var (model, second) = await ReleaseTwiceToStagingAsync("slowshift", waitForSecond: false);
        // v2's update shifts staging's traffic linearly (two steps of 300 SageMaker seconds).
        var shifting = await Poll.UntilAsync(() => Driver.EndpointAsync(model, "staging"), e => e?.PendingDeploymentSummary is not null, attempts: 300, delayMilliseconds: 20);
        Assert.NotNull(shifting!.PendingDeploymentSummary);
        var bound = Driver.Api.App.Services.GetRequiredService<EnvironmentPolicies>().Get("staging").Deployment.DeploymentBoundSeconds;

        var steps = (TimeSpan ahead) => ActivatorUtilities.CreateInstance<CheckEndpointStep>(Driver.Api.App.Services, new AheadClock(ahead));
        var within = await steps(TimeSpan.FromSeconds(bound - 60)).RunAsync(second, "staging", CancellationToken.None);
        var past = await Assert.ThrowsAsync<WorkflowErrorException>(() => steps(TimeSpan.FromSeconds(bound + 60)).RunAsync(second, "staging", CancellationToken.None));

        Assert.False(within.Ready);
        Assert.InRange(within.WaitSeconds, 1, Driver.Api.App.Services.GetRequiredService<ReleaseCenterSettings>().EndpointFallbackCheckSeconds);
        Assert.Equal(WorkflowErrors.DeploymentTimedOut, past.ErrorType);
        await Driver.WaitAsync(second, ReleaseDriver.Status("Released"));
    }

    [Fact]
    public async Task SageMakersStateChangeEvent_WakesTheParkedRelease()
    {
        // The emulated update runs 300 times faster than a real one: on a loaded machine it can end before the workflow's
        // first look, and then nothing parks. Up to three updates, until one parks (normally the first).
        var waits = new List<List<string>>();
        for (var attempt = 0; attempt < 3 && waits.Count == 0; attempt++)
        {
            var (_, second) = await ReleaseTwiceToStagingAsync("wakeup", waitForSecond: true);
            waits = WaitOutcomes(await Driver.HistoryAsync(second));
        }

        // Parked while traffic shifted, and woken (TaskSucceeded: by the event's handler, or by the park itself when the
        // update ended while it parked; the history cannot tell those apart). The local fallback is 5 s, so on a loaded
        // machine a look on its own may also come first (TaskTimedOut) before a later park is woken. LostStateChangeEvent
        // shows that without the event a park is ended by the fallback instead.
        Assert.NotEmpty(waits);
        Assert.Contains(waits, w => w.Contains("TaskSucceeded"));
    }

    [Fact]
    public async Task LostStateChangeEvent_TheFallbackTimeoutLooksAgain()
    {
        // Every wake-up of this model's endpoint fails, as if the event never came.
        Faults.Add(new FaultRule("fail", "lambda") { Operation = ReleaseCenter.Aws.Resources.ReleaseWorkflow.EndpointChangedHandler, Match = "lostevent", Count = 100 });

        // A park that finds the update already ended wakes itself (ParkAsync): on a loaded machine the 300-times-faster
        // emulated update can end first. Up to three updates, until one is parked while it moves (normally the first).
        var waits = new List<List<string>>();
        for (var attempt = 0; attempt < 3 && !waits.Any(w => w.Contains("TaskTimedOut")); attempt++)
        {
            var (_, second) = await ReleaseTwiceToStagingAsync("lostevent", waitForSecond: true);
            waits = WaitOutcomes(await Driver.HistoryAsync(second));
        }
        Assert.Contains(waits, w => w.Contains("TaskTimedOut"));
    }

    /// <summary>v1 then v2 of a new model to staging (v2's update shifts traffic linearly); returns the model and v2's release.</summary>
    private async Task<(string Model, string Second)> ReleaseTwiceToStagingAsync(string prefix, bool waitForSecond)
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName(prefix), (0.93, 80), (0.935, 80));
        string second = "";
        foreach (var version in new[] { 1, 2 })
        {
            var id = await Driver.ReleaseAsync(model, version, """["staging"]""");
            await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));
            await Driver.ApproveAsync(id, "sam", "approvers-staging");
            if (version == 1 || waitForSecond)
            {
                await Driver.WaitAsync(id, ReleaseDriver.Status("Released"));
            }
            second = id;
        }
        return (model, second);
    }

    /// <summary>For each time the execution entered the wait state: the history event types until it left it.</summary>
    private static List<List<string>> WaitOutcomes(IReadOnlyList<HistoryEvent> history)
    {
        var visits = new List<List<string>>();
        List<string>? current = null;
        foreach (var e in history)
        {
            if (e.StateEnteredEventDetails?.Name == "Wait for SageMaker to finish the update")
            {
                current = [];
                visits.Add(current);
            }
            else if (e.StateExitedEventDetails?.Name == "Wait for SageMaker to finish the update")
            {
                current = null;
            }
            else
            {
                current?.Add(e.Type);
            }
        }
        return visits;
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
