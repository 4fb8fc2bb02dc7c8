using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Correctness;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// Policies as data (policies issue, item 1) through the HTTP API, with the real release state machine: a forecaster
/// that reports {mape, coverage} can never pass the environments' default gate (auc, latency); its project's policy
/// and its own give it a gate of its own and it releases to prod, under the policy versions it recorded when requested,
/// even when the project's policy changes while it is in flight. Changes are release-admins', versioned, audited with
/// their diff; bad ones are refused naming the field and change nothing.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class PolicyApiTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    private static StringContent Body(string json) => ReleaseDriver.Json(json);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<string> RegisterForecasterAsync(string project)
    {
        var model = Emulator.UniqueName("forecast");
        var created = await Driver.Alice.PostAsync("/v1/models", Body($$"""{"name":"{{model}}","project":"{{project}}"}"""));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var version = await Driver.Alice.PostAsync($"/v1/models/{model}/versions", Body($$"""
            {"artifactUri":"s3://models/{{model}}/1.tar.gz","artifactDigest":"{{ReleaseDriver.Digest}}",
             "image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/prophet:1","metrics":{"mape":0.08,"coverage":0.95} }
            """));
        Assert.True(version.StatusCode == HttpStatusCode.Created, await version.Content.ReadAsStringAsync());
        return model;
    }

    [Fact]
    public async Task AForecasterGetsItsOwnGateThroughTheApi_AndReleasesToProd_UnderThePolicyVersionsItRecorded()
    {
        var project = Emulator.UniqueName("retail");
        var model = await RegisterForecasterAsync(project);
        using var lena = await Driver.Api.As("lena", "release-admins");
        var modelPolicy = $"/v1/models/{model}/policy";

        // Refusals change nothing: not a release-admin; an unknown environment, a bad direction, a missing reason.
        var before = await Driver.Api.SnapshotAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.Alice.PutAsync(modelPolicy, Body("""{"environments":{},"reason":"mine"}"""))).StatusCode);
        var invalid = await ProblemAsync(await lena.PutAsync(modelPolicy, Body("""
            {"environments":{"qa":{},"prod":{"gate":[{"metric":"mape","direction":"Lower"}],"bakeSeconds":-1}}}
            """)), HttpStatusCode.BadRequest);
        var errors = invalid.GetProperty("errors");
        foreach (var field in new[] { "environments.qa", "environments.prod.gate[0].direction", "environments.prod.bakeSeconds", "reason" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"{field} is not named in {errors}");
        }
        await ProblemAsync(await lena.PutAsync(modelPolicy, Body("""{"environments":{},"reason":"x","approvals":2}""")), HttpStatusCode.BadRequest);
        await ProblemAsync(await lena.PutAsync("/v1/models/no-such-model/policy", Body("""{"environments":{},"reason":"x"}""")), HttpStatusCode.NotFound);
        Assert.Equal(before, await Driver.Api.SnapshotAsync());

        // The environments' default gate asks for auc: the forecaster cannot pass it.
        var stuck = await Driver.ReleaseAsync(model, 1, """["dev"]""");
        var rejected = await Driver.WaitAsync(stuck, r => r.GetProperty("status").GetString() is "Rejected" or "Failed", seconds: 60);
        Assert.Contains("metric 'auc' is missing from the candidate", ReleaseDriver.StageOf(rejected, "dev").GetProperty("evaluation").GetRawText(),
            StringComparison.Ordinal);

        // The project: every model must report coverage; prod needs one approval from approvers-prod instead of two.
        var projectV1 = await OkAsync(await lena.PutAsync($"/v1/projects/{project}/policy", Body("""
            {"environments":{
               "staging":{"requiredMetrics":["coverage"]},
               "prod":{"requiredMetrics":["coverage"],"approval":{"required":1,"groups":["approvers-prod"],"timeoutSeconds":3600}}},
             "reason":"retail forecasts ship on one prod approval","expectedVersion":0}
            """)));
        Assert.Equal(1, projectV1.GetProperty("version").GetInt32());

        // The model: its own gate, in its own metrics.
        var modelV1 = await OkAsync(await lena.PutAsync(modelPolicy, Body("""
            {"environments":{
               "dev":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.15}]},
               "staging":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.12},{"metric":"coverage","direction":"HigherIsBetter","threshold":0.9}]},
               "prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.1,"maxRegression":0.01},{"metric":"coverage","direction":"HigherIsBetter","threshold":0.92}]}},
             "reason":"forecasters are judged by MAPE and interval coverage","expectedVersion":0}
            """)));
        Assert.Equal(1, modelV1.GetProperty("version").GetInt32());
        Assert.Contains(modelV1.GetProperty("diff").EnumerateArray(), d => d.GetString()!.StartsWith("prod.gate: (inherited) → [", StringComparison.Ordinal));
        // Someone who read version 0 cannot overwrite version 1 unseen.
        var stale = await ProblemAsync(await lena.PutAsync(modelPolicy, Body("""{"environments":{},"reason":"reset","expectedVersion":0}""")),
            HttpStatusCode.Conflict);
        Assert.True(stale.GetProperty("errors").TryGetProperty("expectedVersion", out _));

        // The effective policy says where each setting came from.
        var effective = await Driver.Alice.GetFromJsonAsync<JsonElement>($"{modelPolicy}?environment=prod");
        var prod = Assert.Single(effective.GetProperty("environments").EnumerateArray());
        Assert.Equal(["mape", "coverage"], prod.GetProperty("gate").EnumerateArray().Select(r => r.GetProperty("metric").GetString()!).ToArray());
        Assert.Equal(1, prod.GetProperty("approval").GetProperty("required").GetInt32());
        var sources = prod.GetProperty("sources");
        Assert.Equal(("model", model, 1), Source(sources, "gate"));
        Assert.Equal(("project", project, 1), Source(sources, "approval"));
        Assert.Equal(("project", project, 1), Source(sources, "requiredMetrics"));
        Assert.Equal("environment", Source(sources, "bakeSeconds").Layer);
        await ProblemAsync(await Driver.Alice.GetAsync($"{modelPolicy}?environment=qa"), HttpStatusCode.BadRequest);

        // The release records the versions it was requested under...
        var id = await Driver.ReleaseAsync(model, 1, """["dev","staging","prod"]""");
        var requested = await Driver.GetAsync(id);
        var pin = requested.GetProperty("policy");
        Assert.Equal((project, 1, 1), (pin.GetProperty("project").GetString(), pin.GetProperty("projectVersion").GetInt32(), pin.GetProperty("modelVersion").GetInt32()));
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("staging", "AwaitingApproval"), seconds: 90);

        // ...and keeps to them: the project now asks three prod approvals of the next releases, this one still needs one.
        await OkAsync(await lena.PutAsync($"/v1/projects/{project}/policy", Body("""
            {"environments":{"prod":{"approval":{"required":3,"groups":["approvers-prod"],"timeoutSeconds":3600}}},"reason":"peak season"}
            """)));
        await Driver.ApproveAsync(id, "sam", "approvers-staging");
        var atProd = await Driver.WaitAsync(id, ReleaseDriver.StageStatus("prod", "AwaitingApproval"), seconds: 90);
        var prodStage = ReleaseDriver.StageOf(atProd, "prod");
        Assert.Equal(1, prodStage.GetProperty("requiredApprovals").GetInt32());
        // The stage carries its own policy's approvers and expiry (the project's v1: one hour), not the environment's default (two days).
        Assert.Equal(["approvers-prod"], prodStage.GetProperty("approverGroups").EnumerateArray().Select(g => g.GetString()!).ToArray());
        Assert.Equal(prodStage.GetProperty("approvalRequestedAt").GetDateTimeOffset().AddHours(1), prodStage.GetProperty("approvalExpiresAt").GetDateTimeOffset());
        await Driver.ApproveAsync(id, "pat", "approvers-prod");
        var released = await Driver.WaitAsync(id, ReleaseDriver.Status("Released"), seconds: 120);
        Assert.All(new[] { "dev", "staging", "prod" }, env => Assert.True(ReleaseDriver.StageOf(released, env).GetProperty("evaluation").GetProperty("passed").GetBoolean()));
        var story = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history");
        Assert.Contains($"under model policy v1 over project {project} policy v1", story.GetRawText(), StringComparison.Ordinal);

        // Every change is audited with its diff, and the history lists the versions newest first.
        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=project/{project}&limit=10");
        var changes = audit.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString() == "policy.changed").ToArray();
        Assert.Equal(2, changes.Length);
        Assert.Contains("prod.approval: {\"required\":1", changes[0].GetProperty("details").GetProperty("diff").GetString(), StringComparison.Ordinal);
        Assert.Equal("lena", changes[0].GetProperty("actor").GetString());
        var history = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/projects/{project}/policy/history");
        Assert.Equal([2, 1], history.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("version").GetInt32()).ToArray());
        Assert.Contains(history.GetProperty("items")[0].GetProperty("diff").EnumerateArray(),
            d => d.GetString() == "staging.requiredMetrics: [\"coverage\"] → (inherited)");

        // Diffs judge by the model's policy: its gate says mape is lower-is-better (by its name alone, an unknown metric is
        // assumed higher-is-better), and prod's threshold is the model's 0.1.
        var v2 = await Driver.Alice.PostAsync($"/v1/models/{model}/versions", Body($$"""
            {"artifactUri":"s3://models/{{model}}/2.tar.gz","artifactDigest":"{{ReleaseDriver.Digest}}",
             "image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/prophet:2","metrics":{"mape":0.06,"coverage":0.95} }
            """));
        Assert.True(v2.StatusCode == HttpStatusCode.Created, await v2.Content.ReadAsStringAsync());
        var next = await Driver.ReleaseAsync(model, 2, """["dev"]""");
        foreach (var query in new[] { $"against={id}", "against=live&environment=prod" })
        {
            var diff = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{next}/diff?{query}");
            var mape = diff.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == "mape");
            Assert.Equal(("LowerIsBetter", "Configured", "improved"),
                (mape.GetProperty("direction").GetString(), mape.GetProperty("directionSource").GetString(), mape.GetProperty("verdict").GetString()));
            if (query.Contains("prod", StringComparison.Ordinal))
            {
                Assert.Equal(0.1, mape.GetProperty("threshold").GetDouble());
            }
        }

        // The rollback preview asks for the approvals the model's policy sets for rollbacks (prod's default: one).
        await OkAsync(await lena.PutAsync(modelPolicy, Body("""
            {"environments":{"prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.1}],
               "rollback":{"approval":{"required":2,"groups":["approvers-prod"],"timeoutSeconds":3600}}}},
             "reason":"two people agree before a forecaster rolls back in prod"}
            """)));
        var preview = await OkAsync(await Driver.Alice.PostAsync("/v1/environments/prod/rollback/preview", Body($$"""{"model":"{{model}}"}""")));
        Assert.Equal(2, preview.GetProperty("requiredApprovals").GetInt32());
    }

    private static (string Layer, string Name, int? Version) Source(JsonElement sources, string setting)
    {
        var source = sources.GetProperty(setting);
        return (source.GetProperty("layer").GetString()!, source.GetProperty("name").GetString()!,
            source.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null);
    }
}
