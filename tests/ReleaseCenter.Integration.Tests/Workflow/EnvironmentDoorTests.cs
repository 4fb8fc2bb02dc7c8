using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>
/// The environment's door in the real release state machine (policies issue, items 4 and 5): prod requires a soak in the
/// environment before it, and a release waits for it visibly (the execution history's "Wait at the environment's door",
/// the stage's <c>waiting</c>, the story); a freeze on prod holds a release at prod's door until it is lifted, while a
/// rollback in prod proceeds. The local stack looks at a closed door every 2 s.
/// </summary>
[Collection(EmulatorCollections.First)]
public sealed class EnvironmentDoorTests(EmulatorFixture emulator) : DriverTestBase(emulator, TestEnvironments.DevAndProd(prodSoakSeconds: SoakSeconds))
{
    private const int SoakSeconds = 3;

    private static StringContent Body(object value) => ReleaseDriver.Json(JsonSerializer.Serialize(value));

    private async Task<JsonElement> StageInProdAsync(string id) => ReleaseDriver.StageOf(await Driver.GetAsync(id), "prod");

    [Fact]
    public async Task ProdWaitsForTheSoak_AndAFreezeHoldsAReleaseAtItsDoorUntilLifted_WhileARollbackProceeds()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("door"), (0.93, 80), (0.935, 78), (0.94, 75));

        // The soak: prod is entered no sooner than SoakSeconds after the release went live in dev, and the history says why it waited.
        var first = await Driver.ReleaseAsync(model, 1, """["dev","prod"]""");
        var released = await Driver.WaitAsync(first, ReleaseDriver.Status("Released"), seconds: 90);
        var liveInDev = ReleaseDriver.StageOf(released, "dev").GetProperty("deployment").GetProperty("completedAt").GetDateTimeOffset();
        var prodStarted = ReleaseDriver.StageOf(released, "prod").GetProperty("deployment").GetProperty("startedAt").GetDateTimeOffset();
        Assert.True(prodStarted - liveInDev >= TimeSpan.FromSeconds(SoakSeconds), $"prod began {prodStarted - liveInDev} after dev went live");
        Assert.Contains("Wait at the environment's door", await Driver.StatesEnteredAsync(first));
        var history = await Driver.HistoryAsync(first);
        Assert.Contains(history, e => e.TaskSucceededEventDetails?.Output?.Contains("Soaking in dev until", StringComparison.Ordinal) == true);
        var story = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{first}/history");
        Assert.Contains("Soaking in dev until", story.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, ReleaseDriver.StageOf(released, "prod").GetProperty("waiting").ValueKind); // cleared once it entered

        var second = await Driver.ReleaseAsync(model, 2, """["dev","prod"]""");
        await Driver.WaitAsync(second, ReleaseDriver.Status("Released"), seconds: 90);

        // A freeze on prod (release-admins only) holds the third release at prod's door, and the release says why.
        using var lena = await Driver.Api.As("lena", "release-admins");
        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.Alice.PostAsync("/v1/environments/prod/freeze", Body(new { reason = "no" }))).StatusCode);
        var frozen = await lena.PostAsync("/v1/environments/prod/freeze", Body(new { reason = "quarter-end close" }));
        Assert.True(frozen.StatusCode == HttpStatusCode.OK, await frozen.Content.ReadAsStringAsync());
        try
        {
            Assert.Equal(HttpStatusCode.Conflict, (await lena.PostAsync("/v1/environments/prod/freeze", Body(new { reason = "again" }))).StatusCode);
            var environments = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/environments");
            Assert.Equal("quarter-end close", environments.GetProperty("items").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == "prod").GetProperty("freeze").GetProperty("reason").GetString());

            var third = await Driver.ReleaseAsync(model, 3, """["dev","prod"]""");
            var held = await Driver.WaitAsync(third, r => ReleaseDriver.StageOf(r, "prod").GetProperty("waiting") is { ValueKind: JsonValueKind.Object } w
                && w.GetProperty("kind").GetString() == "freeze", seconds: 90);
            Assert.Contains("prod is frozen by lena", ReleaseDriver.StageOf(held, "prod").GetProperty("waiting").GetProperty("reason").GetString(), StringComparison.Ordinal);

            // A rollback in the frozen environment proceeds: v2 -> v1.
            var rollback = await Driver.Alice.PostAsync("/v1/environments/prod/rollback", Body(new { model, reason = "v2 misroutes refunds" }));
            Assert.True(rollback.StatusCode == HttpStatusCode.Accepted, await rollback.Content.ReadAsStringAsync());
            var rollbackId = (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
            var done = await Poll.UntilAsync(() => Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
                r => r.GetProperty("status").GetString() is "Completed" or "Failed" or "Rejected" or "Expired");
            Assert.Equal("Completed", done.GetProperty("status").GetString());

            // Still at the door, several looks later.
            var stillHeld = await StageInProdAsync(third);
            Assert.Equal("freeze", stillHeld.GetProperty("waiting").GetProperty("kind").GetString());
            Assert.Equal(JsonValueKind.Null, stillHeld.GetProperty("deployment").ValueKind); // nothing was deployed to prod during the freeze

            var lifted = await lena.PostAsync("/v1/environments/prod/freeze/lift", Body(new { reason = "close done" }));
            Assert.True(lifted.StatusCode == HttpStatusCode.OK, await lifted.Content.ReadAsStringAsync());
            await Driver.WaitAsync(third, ReleaseDriver.Status("Released"), seconds: 90);
            var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/audit?subject=environment/prod&limit=20");
            var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToArray();
            Assert.Contains("environment.frozen", actions);
            Assert.Contains("environment.unfrozen", actions);
        }
        finally
        {
            await lena.PostAsync("/v1/environments/prod/freeze/lift", Body(new { reason = "test cleanup" }));
        }
    }
}
