using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>
/// Drift of the live state (policies issue, item 8) on the emulator with the real release state machine: someone points
/// prod's endpoint at another config behind Release Center's back (through the emulator's SageMaker API); one run of the
/// scheduled check flags it (audited, announced, shown on the environment); a new release into prod waits at the door
/// until a release-admin reconciles it, by restoring the recorded config or by adopting what the endpoint serves.
/// </summary>
[Collection(EmulatorCollections.First)]
public sealed class OutOfBandChangeTests(EmulatorFixture emulator) : DriverTestBase(emulator, TestEnvironments.DevAndProd())
{
    private static StringContent Body(object value) => ReleaseDriver.Json(JsonSerializer.Serialize(value));

    /// <summary>What someone does in the AWS console: a new endpoint config with the same model, and the endpoint pointed at it.</summary>
    private async Task<string> ChangeBehindOurBackAsync(string model)
    {
        using var sageMaker = new SageMakerClient(Emulator.ClientOptions());
        var endpoint = SageMakerNames.Endpoint(model, "prod");
        var current = await sageMaker.DescribeEndpointAsync(endpoint);
        var config = await sageMaker.DescribeEndpointConfigAsync(current.EndpointConfigName!);
        var edited = $"{model}-console-edit-{Guid.NewGuid().ToString("N")[..6]}";
        await sageMaker.CreateEndpointConfigAsync(new CreateEndpointConfigRequest(edited,
            config.ProductionVariants.Select(v => v with { InitialInstanceCount = v.InitialInstanceCount + 1 }).ToArray()));
        await sageMaker.UpdateEndpointAsync(new UpdateEndpointRequest(endpoint, edited));
        Assert.Equal(edited, await Driver.ServedConfigAsync(model, "prod"));
        return edited;
    }

    /// <summary>One run of the scheduled check (in AWS every 5 minutes; the local stack's sweeper runs it every 30 s).</summary>
    private Task<string> CheckOnceAsync() =>
        Driver.Api.App.Services.GetRequiredService<ITaskHandlers>().InvokeAsync(ReleaseWorkflow.CheckLiveStateHandler, "{}", CancellationToken.None);

    private async Task<JsonElement?> FlagAsync(string model)
    {
        var environments = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/environments");
        var prod = environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "prod");
        return prod.GetProperty("outOfBandChanges").EnumerateArray().Where(c => c.GetProperty("model").GetString() == model).Cast<JsonElement?>().FirstOrDefault();
    }

    [Fact]
    public async Task AnEndpointChangedBehindOurBack_IsFlaggedByOneCheck_AndHoldsReleasesUntilRestoredOrAdopted()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("oob"), (0.93, 80), (0.935, 78), (0.94, 75));
        var first = await Driver.ReleaseAsync(model, 1, """["dev","prod"]""");
        await Driver.WaitAsync(first, ReleaseDriver.Status("Released"), seconds: 90);
        var recorded = await Driver.RecordedConfigAsync(model, "prod");

        // Nothing changed: the check flags nothing.
        await CheckOnceAsync();
        Assert.Null(await FlagAsync(model));

        var edited = await ChangeBehindOurBackAsync(model);
        Assert.Contains("\"flagged\":1", await CheckOnceAsync(), StringComparison.Ordinal);
        var flag = (await FlagAsync(model))!.Value;
        Assert.Equal((recorded, edited), (flag.GetProperty("recordedConfig").GetString(), flag.GetProperty("actualConfig").GetString()));
        Assert.Contains("changed outside Release Center", flag.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("\"flagged\":0", await CheckOnceAsync(), StringComparison.Ordinal); // flagged once, announced once

        // A new release waits at prod's door, and says why.
        var second = await Driver.ReleaseAsync(model, 2, """["dev","prod"]""");
        var held = await Driver.WaitAsync(second, r => ReleaseDriver.StageOf(r, "prod").GetProperty("waiting") is { ValueKind: JsonValueKind.Object } w
            && w.GetProperty("kind").GetString() == "out-of-band", seconds: 90);
        Assert.Contains(edited, ReleaseDriver.StageOf(held, "prod").GetProperty("waiting").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(edited, await Driver.ServedConfigAsync(model, "prod")); // nothing deployed over it

        // Only a release-admin of the project reconciles; a bad action changes nothing.
        var reconcile = $"/v1/environments/prod/out-of-band/{model}/reconcile";
        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.Alice.PostAsync(reconcile, Body(new { action = "restore", reason = "mine" }))).StatusCode);
        using var lena = await Driver.Api.As("lena", "payments:release-admins");
        Assert.Equal(HttpStatusCode.BadRequest, (await lena.PostAsync(reconcile, Body(new { action = "ignore", reason = "x" }))).StatusCode);
        Assert.NotNull(await FlagAsync(model));

        // Restore: the recorded config is served again, the flag is gone, the held release goes on.
        var restored = await lena.PostAsync(reconcile, Body(new { action = "restore", reason = "someone scaled prod by hand" }));
        Assert.True(restored.StatusCode == HttpStatusCode.OK, await restored.Content.ReadAsStringAsync());
        Assert.Null(await FlagAsync(model));
        await Driver.WaitAsync(second, ReleaseDriver.Status("Released"), seconds: 90);
        Assert.Equal(await Driver.RecordedConfigAsync(model, "prod"), await Driver.ServedConfigAsync(model, "prod"));

        // Adopt: what the endpoint serves becomes the recorded deployment; the endpoint is left as it is.
        var again = await ChangeBehindOurBackAsync(model);
        await CheckOnceAsync();
        var adopted = await lena.PostAsync(reconcile, Body(new { action = "adopt", reason = "the extra instance stays for the sale" }));
        Assert.True(adopted.StatusCode == HttpStatusCode.OK, await adopted.Content.ReadAsStringAsync());
        Assert.Equal(again, await Driver.RecordedConfigAsync(model, "prod"));
        Assert.Equal(again, await Driver.ServedConfigAsync(model, "prod"));
        var history = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/environments/prod/history?model={model}");
        Assert.Equal("adopted", history.GetProperty("items")[0].GetProperty("kind").GetString());
        Assert.Contains("\"flagged\":0", await CheckOnceAsync(), StringComparison.Ordinal);

        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=environment/prod/endpoint/{SageMakerNames.Endpoint(model, "prod")}&limit=10");
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToArray();
        Assert.Equal(2, actions.Count(a => a == "environment.out-of-band-change"));
        Assert.Equal(2, actions.Count(a => a == "environment.out-of-band-reconciled"));
    }
}
