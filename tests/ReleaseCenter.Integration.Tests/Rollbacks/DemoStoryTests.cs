using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Rollbacks;

/// <summary>
/// The demo a new user runs, then what issue 5 asks them to see on it: the prod preview names the
/// live release, the target and the metric deltas; executing it makes the target live; history
/// "at" a time before the rollback answers the earlier release; the diff of the demo's two prod
/// releases shows a metric regressed beyond tolerance. The demo's model name is fixed, so this is
/// the only test that runs it.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class DemoStoryTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task Demo_LeavesSomethingToRollBackTo_AndTheRollbackDoesWhatThePreviewSaid()
    {
        emulator.RequireLocal();
        await using var api = await ApiHost.StartAsync(emulator);
        using var output = new StringWriter(CultureInfo.InvariantCulture);

        Assert.True(await new Demo(api.Client.BaseAddress!, output).RunAsync(CancellationToken.None), output.ToString());

        using var alice = await api.As("alice", "ml-engineers");
        var releases = (await alice.GetFromJsonAsync<JsonElement>($"/v1/releases?model={Demo.Model}")).GetProperty("items").EnumerateArray()
            .ToDictionary(r => r.GetProperty("version").GetInt32(), r => r.GetProperty("id").GetString()!);
        var (v1, v2) = (releases[1], releases[2]);

        var diff = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{v2}/diff?against={v1}");
        var latency = diff.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "latency_p95_ms");
        Assert.Equal(("regressed beyond tolerance", 6.0), (latency.GetProperty("verdict").GetString(), latency.GetProperty("delta").GetDouble()));

        var preview = await (await alice.PostAsync("/v1/environments/prod/rollback/preview", Json("{}"))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((v2, v1), (preview.GetProperty("live").GetProperty("release").GetString(), preview.GetProperty("target").GetProperty("release").GetString()));
        var auc = preview.GetProperty("diff").GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "auc");
        Assert.Equal(-0.013, auc.GetProperty("delta").GetDouble(), 9);
        Assert.Equal("regressed beyond tolerance", auc.GetProperty("verdict").GetString()); // prod tolerates 0.01 of auc
        Assert.Equal("checkout-service", preview.GetProperty("consumers")[0].GetProperty("name").GetString());
        var before = DateTimeOffset.UtcNow;
        await Task.Delay(20);

        var started = await alice.PostAsync("/v1/environments/prod/rollback", Json("""{"reason":"p95 latency over budget since v2"}"""));
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString();
        // The shipped prod policy wants one approver from approvers-prod for a rollback.
        await Poll.UntilAsync(() => alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{id}"), r => r.GetProperty("status").GetString() == "AwaitingApproval",
            attempts: 300, delayMilliseconds: 100);
        using var pat = await api.As("pat", "approvers-prod");
        Assert.Equal(HttpStatusCode.OK, (await pat.PostAsync($"/v1/rollbacks/{id}/approvals", Json("""{"decision":"approve"}"""))).StatusCode);
        var done = await Poll.UntilAsync(() => alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{id}"),
            r => r.GetProperty("status").GetString() is "Completed" or "Failed", attempts: 300, delayMilliseconds: 100);
        Assert.Equal("Completed", done.GetProperty("status").GetString());

        var prod = (await alice.GetFromJsonAsync<JsonElement>("/v1/environments")).GetProperty("items").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == "prod");
        Assert.Equal(v1, prod.GetProperty("liveRelease").GetString());
        var then = await alice.GetFromJsonAsync<JsonElement>(
            $"/v1/environments/prod/history?at={Uri.EscapeDataString(before.ToString("O", CultureInfo.InvariantCulture))}");
        Assert.Equal(v2, then.GetProperty("liveAt").EnumerateArray().Single().GetProperty("release").GetString());
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
