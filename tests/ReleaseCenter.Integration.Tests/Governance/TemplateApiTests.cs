using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Integration.Tests.Correctness;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// Release templates (policies issue, item 2) through the HTTP API with the real release state machine: a project saves
/// its release settings once (path, an approval chain that asks more than the policy, who to notify, required assets);
/// one call then releases a model with them. A vetoed version is refused with 409 from a template as from every path, and
/// refusals change nothing.
/// </summary>
[Collection(EmulatorCollections.First)]
public sealed class TemplateApiTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    private static StringContent Body(string json) => ReleaseDriver.Json(json);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string? field = null)
    {
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{field} is not named in {problem}");
        }
        return problem;
    }

    [Fact]
    public async Task ATemplateReleasesAModelInOneCall_WithItsApprovalChain_AndAVetoedVersionIsRefusedWith409()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("tmpl"), (0.93, 80), (0.94, 78));
        var name = Emulator.UniqueName("hotfix");
        var template = $"/v1/projects/payments/templates/{name}";

        // Refusals change nothing: no role; environments out of order; an approval outside the path; a bad channel; an unknown asset.
        var before = await Driver.Api.SnapshotAsync();
        using (var reader = await Driver.Api.As("rita", "readers"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await reader.PutAsync(template, Body("{}"))).StatusCode);
        }
        await ProblemAsync(await Driver.Alice.PutAsync(template, Body("""{"environments":["prod","dev"]}""")), HttpStatusCode.BadRequest, "environments");
        await ProblemAsync(await Driver.Alice.PutAsync(template, Body("""
            {"environments":["dev","prod"],"approvals":{"staging":{"required":1,"groups":["approvers-staging"],"timeoutSeconds":60}}}
            """)), HttpStatusCode.BadRequest, "approvals.staging");
        await ProblemAsync(await Driver.Alice.PutAsync(template, Body("""{"notify":["#payments ml"]}""")), HttpStatusCode.BadRequest, "notify[0]");
        await ProblemAsync(await Driver.Alice.PutAsync(template, Body("""{"requiredAssets":["modelCard"]}""")), HttpStatusCode.BadRequest, "requiredAssets[0]");
        await ProblemAsync(await Driver.Alice.PostAsync($"{template}/releases", Body($$"""{"model":"{{model}}","version":1}""")), HttpStatusCode.NotFound);
        Assert.Equal(before, await Driver.Api.SnapshotAsync());

        // The template: dev then prod; dev, which needs no approval by policy, needs one from approvers-staging with it.
        var saved = await Driver.Alice.PutAsync(template, Body("""
            {"description":"Hotfixes skip staging but not a second pair of eyes","environments":["dev","prod"],
             "approvals":{"dev":{"required":1,"groups":["approvers-staging"],"timeoutSeconds":3600}},
             "notify":["#payments-ml","oncall@example.com"]}
            """));
        Assert.True(saved.StatusCode == HttpStatusCode.OK, await saved.Content.ReadAsStringAsync());
        var listed = await Driver.Alice.GetFromJsonAsync<JsonElement>("/v1/projects/payments/templates");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), t => t.GetProperty("name").GetString() == name);

        // One call.
        var accepted = await Driver.Alice.PostAsync($"{template}/releases", Body($$"""{"model":"{{model}}","version":1,"notes":"fix rounding"}"""));
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var release = await Driver.GetAsync(id);
        Assert.Equal(["dev", "prod"], release.GetProperty("stages").EnumerateArray().Select(s => s.GetProperty("environment").GetString()!).ToArray());
        Assert.Equal(name, release.GetProperty("template").GetProperty("name").GetString());
        Assert.Equal(["#payments-ml", "oncall@example.com"], release.GetProperty("template").GetProperty("notify").EnumerateArray().Select(n => n.GetString()!).ToArray());

        // The template's approval in dev holds: the author may not approve, an approver of staging may.
        var atDev = await Driver.WaitAsync(id, ReleaseDriver.StageStatus("dev", "AwaitingApproval"), seconds: 60);
        Assert.Equal(1, ReleaseDriver.StageOf(atDev, "dev").GetProperty("requiredApprovals").GetInt32());
        Assert.Equal(HttpStatusCode.Forbidden, (await Driver.VoteAsync(id, "pat", "approvers-prod")).StatusCode);
        await Driver.ApproveAsync(id, "sam", "approvers-staging");
        await Driver.WaitAsync(id, ReleaseDriver.StageStatus("prod", "AwaitingApproval"), seconds: 90);
        await Driver.ApproveAsync(id, "pat", "approvers-prod");
        await Driver.ApproveAsync(id, "quinn", "approvers-prod");
        await Driver.WaitAsync(id, ReleaseDriver.Status("Released"), seconds: 90);
        var story = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history");
        Assert.Contains($"from template {name}", story.GetRawText(), StringComparison.Ordinal);

        // A template that requires datasets refuses a version without them, naming the version and what it lacks.
        var strict = $"/v1/projects/payments/templates/{Emulator.UniqueName("strict")}";
        Assert.Equal(HttpStatusCode.OK, (await Driver.Alice.PutAsync(strict, Body("""{"environments":["dev"],"requiredAssets":["datasets"]}"""))).StatusCode);
        var lacking = await ProblemAsync(await Driver.Alice.PostAsync($"{strict}/releases", Body($$"""{"model":"{{model}}","version":2}""")),
            HttpStatusCode.BadRequest, "version");
        Assert.Contains("datasets", lacking.GetProperty("errors").GetProperty("version")[0].GetString(), StringComparison.Ordinal);

        // A vetoed version: 409 from the template too, and nothing is written.
        var vetoed = await Driver.Alice.PostAsync($"/v1/models/{model}/versions/2/veto", Body("""{"reason":"double-charges on retry"}"""));
        Assert.True(vetoed.StatusCode == HttpStatusCode.OK, await vetoed.Content.ReadAsStringAsync());
        var afterVeto = await Driver.Api.SnapshotAsync();
        var refused = await ProblemAsync(await Driver.Alice.PostAsync($"{template}/releases", Body($$"""{"model":"{{model}}","version":2}""")),
            HttpStatusCode.Conflict, "version");
        Assert.Contains("double-charges on retry", refused.GetProperty("errors").GetProperty("version")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(afterVeto, await Driver.Api.SnapshotAsync());

        var audit = await Driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=project/payments/templates/{name}&limit=10");
        Assert.Equal("release-template.created", Assert.Single(audit.GetProperty("items").EnumerateArray()).GetProperty("action").GetString());
    }
}
