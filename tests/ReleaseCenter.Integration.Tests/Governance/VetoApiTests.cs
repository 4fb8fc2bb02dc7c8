using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Correctness;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// "Mark as bad" (policies issue, item 6) through the HTTP API on the emulator, with the real release state machine: a
/// vetoed version is refused with 409 and nothing is written, until the veto is lifted; both are audited; a release of
/// the version in flight stops at its next environment, visibly in the execution history.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class VetoApiTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    private static StringContent Reason(string reason) => ReleaseDriver.Json(JsonSerializer.Serialize(new { reason }));

    private async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task AVetoedVersion_IsRefusedWith409_NothingIsWritten_UntilTheVetoIsLifted_AndBothAreAudited()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("vetoed"), (0.93, 80));
        var veto = $"/v1/models/{model}/versions/1/veto";

        // Refusals change nothing: no role, no reason, an unknown field, an unknown version or model.
        var before = await Driver.Api.SnapshotAsync();
        using (var reader = await Driver.Api.As("rita", "readers"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync(veto, Reason("looks wrong"))).StatusCode);
        }
        var noReason = await ProblemAsync(await Driver.Alice.PostAsync(veto, ReleaseDriver.Json("{}")), HttpStatusCode.BadRequest);
        Assert.True(noReason.GetProperty("errors").TryGetProperty("reason", out _));
        await ProblemAsync(await Driver.Alice.PostAsync(veto, ReleaseDriver.Json("""{"reason":"x","severity":"high"}""")), HttpStatusCode.BadRequest);
        await ProblemAsync(await Driver.Alice.PostAsync(veto, Reason(new string('x', 2001))), HttpStatusCode.BadRequest);
        await ProblemAsync(await Driver.Alice.PostAsync($"/v1/models/{model}/versions/9/veto", Reason("x")), HttpStatusCode.NotFound);
        await ProblemAsync(await Driver.Alice.PostAsync("/v1/models/no-such-model/versions/1/veto", Reason("x")), HttpStatusCode.NotFound);
        await ProblemAsync(await Driver.Alice.PostAsync($"{veto}/lift", Reason("nothing to lift")), HttpStatusCode.Conflict);
        Assert.Equal(before, await Driver.Api.SnapshotAsync());

        var vetoed = await Driver.Alice.PostAsync(veto, Reason("leaks card numbers into its logs"));
        Assert.True(vetoed.StatusCode == HttpStatusCode.OK, await vetoed.Content.ReadAsStringAsync());
        var mark = (await vetoed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("veto");
        Assert.Equal(("alice", "leaks card numbers into its logs"), (mark.GetProperty("by").GetString(), mark.GetProperty("reason").GetString()));
        Assert.Equal("alice", (await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions/1")).GetProperty("veto").GetProperty("by").GetString());
        await ProblemAsync(await Driver.Alice.PostAsync(veto, Reason("again")), HttpStatusCode.Conflict);

        // The release is refused by the store's own write (a condition on the version item), naming the field and the veto.
        var afterVeto = await Driver.Api.SnapshotAsync();
        var refused = await ProblemAsync(await Driver.Alice.PostAsync("/v1/releases", ReleaseDriver.Json($$"""{"model":"{{model}}","version":1}""")),
            HttpStatusCode.Conflict);
        Assert.Equal("Version vetoed", refused.GetProperty("title").GetString());
        var why = refused.GetProperty("errors").GetProperty("version")[0].GetString()!;
        Assert.Contains($"alice marked {model} v1 as bad", why, StringComparison.Ordinal);
        Assert.Contains("leaks card numbers into its logs", why, StringComparison.Ordinal);
        Assert.Equal(afterVeto, await Driver.Api.SnapshotAsync());

        var lifted = await Driver.Alice.PostAsync($"{veto}/lift", Reason("logging fixed in the image"));
        Assert.True(lifted.StatusCode == HttpStatusCode.OK, await lifted.Content.ReadAsStringAsync());
        Assert.Equal(JsonValueKind.Null, (await lifted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("veto").ValueKind);
        await Driver.ReleaseAsync(model, 1, """["dev"]""");

        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=model/{model}/versions/1&limit=10");
        var entries = audit.GetProperty("items").EnumerateArray()
            .Select(e => (Action: e.GetProperty("action").GetString(), Reason: e.GetProperty("details").TryGetProperty("reason", out var r) ? r.GetString() : null))
            .ToArray();
        Assert.Contains(("model.version-vetoed", "leaks card numbers into its logs"), entries);
        Assert.Contains(("model.version-veto-lifted", "logging fixed in the image"), entries);
    }

    [Fact]
    public async Task AReleaseInFlight_StopsAtItsNextEnvironment_WhenItsVersionIsVetoed_AndTheHistorySaysWhy()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("inflight"), (0.93, 80));
        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"));

        using (var bob = await Driver.Api.As("bob", "ml-engineers"))
        {
            var vetoed = await bob.PostAsync($"/v1/models/{model}/versions/1/veto", Reason("biased on the new-customer slice"));
            Assert.True(vetoed.StatusCode == HttpStatusCode.OK, await vetoed.Content.ReadAsStringAsync());
        }
        await Driver.ApproveAsync(id, "sam", "approvers-staging");

        var release = await Driver.WaitAsync(id, ReleaseDriver.Status("Failed"), seconds: 90);
        Assert.Equal("Released", ReleaseDriver.StageOf(release, "dev").GetProperty("status").GetString());
        var failure = ReleaseDriver.StageOf(release, "staging").GetProperty("failure");
        Assert.Equal("Release.Vetoed", failure.GetProperty("error").GetString());
        Assert.Contains("biased on the new-customer slice", failure.GetProperty("cause").GetString(), StringComparison.Ordinal);
        var history = await Driver.HistoryAsync(id);
        Assert.Contains(history, e => e.TaskFailedEventDetails is { Error: "Release.Vetoed" } f && f.Cause!.Contains($"bob marked {model} v1 as bad", StringComparison.Ordinal));
        Assert.Null(await Driver.EndpointAsync(model, "staging"));
        Assert.Null((await Driver.Workflow.GetLockAsync("staging", CancellationToken.None)).LockedBy);
    }
}
