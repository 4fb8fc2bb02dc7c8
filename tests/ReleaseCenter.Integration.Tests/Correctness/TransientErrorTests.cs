using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 7 (issue 10): Release.Transient was declared in the state machines but never raised,
/// so a throttled SageMaker call that outlasted the SDK's own retries failed the stage.
/// </summary>
[Collection("emulator")]
public sealed class TransientErrorTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task SageMakerThrottling_BeyondTheSdkRetries_IsRetriedByTheWorkflow_AndTheReleaseLands()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("throttled"), (0.93, 80));
        // Six throttles: more than one step attempt's SDK retries absorb, fewer than the workflow's retries.
        Faults.Add(new FaultRule("throttle", "sagemaker") { Operation = "CreateEndpoint", Match = model, Count = 6 });

        var id = await Driver.ReleaseAsync(model, 1, """["dev"]""");
        var release = await Driver.WaitAsync(id, r => r.GetProperty("status").GetString() is "Released" or "Failed", seconds: 90);

        Assert.Equal("Released", release.GetProperty("status").GetString());
        Assert.Equal(6, Faults.Injected["throttle"]);
        var history = await Driver.HistoryAsync(id);
        var failures = history.Where(e => e.Type.EndsWith("Failed", StringComparison.Ordinal)).Select(e => e.Type).ToArray();
        Assert.True(failures.Length >= 1, $"the deploy step should have failed and been retried: {string.Join(", ", history.Select(e => e.Type))}");
        var config = ReleaseDriver.StageOf(release, "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString();
        Assert.Equal(config, await Driver.ServedConfigAsync(model, "dev"));
        Assert.Equal(config, await Driver.RecordedConfigAsync(model, "dev"));
    }

    [Fact]
    public async Task FaultRoute_ArmsListsAndClears_AndRefusesNonsense()
    {
        using var lena = await Driver.Api.As("lena", "release-admins");
        var bad = await lena.PostAsync("/v1/local/faults", ReleaseDriver.Json("""{"kind":"explode","service":"sagemaker"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Empty(Faults.Rules);

        var armed = await lena.PostAsync("/v1/local/faults", ReleaseDriver.Json("""{"kind":"latency","service":"dynamodb","operation":"Query","latencyMilliseconds":5,"count":2}"""));
        Assert.True(armed.StatusCode == HttpStatusCode.OK, await armed.Content.ReadAsStringAsync());
        var listed = await lena.GetFromJsonAsync<JsonElement>("/v1/local/faults");
        Assert.Equal("latency", listed.GetProperty("rules")[0].GetProperty("rule").GetProperty("kind").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await lena.DeleteAsync("/v1/local/faults")).StatusCode);
        Assert.Empty(Faults.Rules);
    }
}
