using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// "Mark as bad" and environment freezes as a person meets them (policies issue, items 5 and 6): from the version's page, with a reason; the page then
/// says who vetoed it and why, and nothing offers to release it (the version page, the model's table, the new release
/// form) until the veto is lifted the same way.
/// </summary>
[Collection(BrowserCollections.Second)]
public sealed class GovernanceConsoleTests(ConsoleFixture stack)
{
    [Fact]
    public Task MarkAsBad_StopsEveryReleaseButton_UntilTheVetoIsLifted() => stack.OnPageAsync("veto", "alice", ["ml-engineers"], async page =>
    {
        var model = await stack.RegisteredModelAsync();
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        await page.GotoAsync($"/models/{model}/versions/1");
        var release = page.GetByRole(AriaRole.Button, new() { Name = "Release this version" });
        await Expect(release).ToBeEnabledAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Mark as bad" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Mark as bad" }).ClickAsync();
        await Expect(dialog).ToContainTextAsync("'reason' is required");
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("leaks card numbers into its logs");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Mark as bad" }).ClickAsync();

        await Expect(dialog).ToHaveCountAsync(0);
        var alert = page.GetByText(new Regex("alice marked this version as bad .*leaks card numbers into its logs"));
        await Expect(alert).ToBeVisibleAsync();
        await Expect(release).ToBeDisabledAsync();
        var version = await api.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions/1");
        Assert.Equal("leaks card numbers into its logs", version.GetProperty("veto").GetProperty("reason").GetString());
        await stack.ScreenshotAsync(page, "veto-version");

        await page.GotoAsync($"/models/{model}");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "v1" })).ToContainTextAsync("Marked as bad by alice");

        await page.GotoAsync($"/releases/new?model={model}&version=1");
        await Expect(page.GetByText(new Regex("alice marked this version as bad: leaks card numbers"))).ToBeVisibleAsync();

        await page.GotoAsync($"/models/{model}/versions/1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Lift veto" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("logging fixed in the image");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Lift veto" }).ClickAsync();

        await Expect(alert).ToHaveCountAsync(0);
        await Expect(release).ToBeEnabledAsync();
        Assert.Equal(JsonValueKind.Null, (await api.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions/1")).GetProperty("veto").ValueKind);
    });

    [Fact]
    public Task Freeze_AnAdminFreezesAnEnvironment_EveryoneSeesWhy_AndLiftsItTheSameWay() => stack.OnPageAsync("freeze", "lena", ["release-admins"], async page =>
    {
        using var api = await stack.ApiAsync("lena", "release-admins");
        try
        {
            await page.GotoAsync("/environments");
            await page.GetByRole(AriaRole.Button, new() { Name = "Freeze staging" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("load test in staging");
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Until" }).FillAsync("not a time");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Freeze" }).ClickAsync();
            await Expect(dialog).ToContainTextAsync("'until' must be an ISO-8601 timestamp");
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Until" }).FillAsync("");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Freeze" }).ClickAsync();

            await Expect(dialog).ToHaveCountAsync(0);
            var alert = page.GetByText(new Regex("lena froze it .*until it is lifted.*: load test in staging"));
            await Expect(alert).ToBeVisibleAsync();
            var staging = (await api.GetFromJsonAsync<JsonElement>("/v1/environments")).GetProperty("items").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == "staging");
            Assert.Equal("load test in staging", staging.GetProperty("freeze").GetProperty("reason").GetString());
            await stack.ScreenshotAsync(page, "freeze-environment");

            await page.GetByRole(AriaRole.Button, new() { Name = "Lift the freeze on staging" }).ClickAsync();
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("load test done");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Lift freeze" }).ClickAsync();
            await Expect(alert).ToHaveCountAsync(0);
        }
        finally
        {
            await api.PostAsJsonAsync("/v1/environments/staging/freeze/lift", new { reason = "test cleanup" });
        }
    });

    [Fact]
    public Task ModelPage_ShowsTheEffectivePolicy_WithWhereEachSettingCameFrom() => stack.OnPageAsync("policy", "alice", ["ml-engineers"], async page =>
    {
        var model = await stack.RegisteredModelAsync();
        using var admin = await stack.ApiAsync("lena", "release-admins");
        var written = await admin.PutAsync($"/v1/models/{model}/policy", ConsoleFixture.Json("""
            {"environments":{"prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.1}],"requiredSoakSeconds":60}},"reason":"a forecaster"}
            """));
        Assert.True(written.IsSuccessStatusCode, await written.Content.ReadAsStringAsync());

        await page.GotoAsync($"/models/{model}");
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Release policy" });
        await Expect(table).ToBeVisibleAsync();
        await Expect(page.GetByText("A release requested now runs under model policy v1.")).ToBeVisibleAsync();
        var prod = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "prod" });
        await Expect(prod).ToContainTextAsync("mape ≤ 0.1");
        await Expect(prod).ToContainTextAsync("from model policy v1");
        await Expect(prod).ToContainTextAsync("1 min");
        var dev = table.GetByRole(AriaRole.Row).Filter(new() { HasText = "dev" });
        await Expect(dev).ToContainTextAsync("auc ≥ 0.8");
        await Expect(dev).Not.ToContainTextAsync("from model policy");
        await stack.ScreenshotAsync(page, "model-policy");
    });

    [Fact]
    public async Task AnEndpointChangedOutsideReleaseCenter_IsShownOnItsEnvironment_AndAnAdminReconcilesIt()
    {
        // A host of its own (own table): the out-of-band change is seeded on a live deployment of a fresh model, so the shared demo stays as it is.
        var (app, url) = await stack.StartHostAsync(_ => { });
        var page = await stack.PageAsync(url, "lena", ["release-admins"]);
        var failed = true;
        try
        {
            var model = $"oob-ui-{Guid.NewGuid().ToString("N")[..8]}";
            using (var api = await stack.ApiAsync(url, "lena", "release-admins"))
            {
                (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
            }
            var now = DateTimeOffset.UtcNow;
            var endpoint = $"{model}-staging";
            await app.Services.GetRequiredService<IWorkflowStore>().RecordDeploymentAsync(
                new LiveDeployment("staging", model, "rel-oob-ui", 1, endpoint, $"{endpoint}-cfg-1", now), CancellationToken.None);
            await app.Services.GetRequiredService<ILiveStateStore>().FlagAsync(
                new OutOfBandChange("staging", model, endpoint, $"{endpoint}-cfg-1", $"{endpoint}-edited", "rel-oob-ui", 1, now),
                ChangeRecord.Of(new AuditRecord("payments", "release-center", "environment.out-of-band-change", $"environment/staging/endpoint/{endpoint}"), "oob-ui"),
                CancellationToken.None);

            await page.GotoAsync("/environments");
            var alert = page.GetByText($"{endpoint} was changed outside Release Center");
            await Expect(alert).ToBeVisibleAsync();
            await Expect(page.GetByText(new Regex($"{endpoint} serves {endpoint}-edited, not {endpoint}-cfg-1"))).ToBeVisibleAsync();
            await stack.ScreenshotAsync(page, "out-of-band-change");

            await page.GetByRole(AriaRole.Button, new() { Name = $"Reconcile {endpoint}" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await dialog.GetByRole(AriaRole.Radio, new() { Name = $"Adopt {endpoint}-edited" }).CheckAsync();
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Adopt" }).ClickAsync();
            await Expect(dialog).ToContainTextAsync("'reason' is required");
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("the extra instance stays");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Adopt" }).ClickAsync();
            await Expect(dialog).ToHaveCountAsync(0);
            await Expect(alert).ToHaveCountAsync(0);
            var live = await app.Services.GetRequiredService<IWorkflowStore>().GetLiveAsync("staging", model, CancellationToken.None);
            Assert.Equal(($"{endpoint}-edited", "adopted"), (live!.EndpointConfigName, live.Kind));
            failed = false;
        }
        finally
        {
            await stack.CloseAsync(page, "out-of-band-change", failed);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task AHoldOnAutoPromotion_IsShownOnItsEnvironment_AndAnAdminLiftsIt()
    {
        var (app, url) = await stack.StartHostAsync(_ => { });
        var page = await stack.PageAsync(url, "lena", ["release-admins"]);
        var failed = true;
        try
        {
            var model = $"hold-ui-{Guid.NewGuid().ToString("N")[..8]}";
            using (var api = await stack.ApiAsync(url, "lena", "release-admins"))
            {
                (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
            }
            await app.Services.GetRequiredService<IFreezeStore>().PlaceHoldAsync(
                new AutoPromotionHold("prod", model, "rb-hold-ui", "alice", DateTimeOffset.UtcNow, "v2 misroutes refunds"),
                ChangeRecord.Of(new AuditRecord("payments", "release-center", "environment.auto-promotion-held", $"environment/prod/model/{model}"), "hold-ui"),
                CancellationToken.None);

            await page.GotoAsync("/environments");
            var alert = page.GetByText($"Auto-promotion of {model} into prod is held");
            await Expect(alert).ToBeVisibleAsync();
            await Expect(page.GetByText(new Regex("alice rolled .* back .*v2 misroutes refunds"))).ToBeVisibleAsync();
            await stack.ScreenshotAsync(page, "auto-promotion-hold");

            await page.GetByRole(AriaRole.Button, new() { Name = $"Lift the hold on {model}" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Lift hold" }).ClickAsync();
            await Expect(dialog).ToContainTextAsync("'reason' is required");
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("refund routing fixed");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Lift hold" }).ClickAsync();
            await Expect(dialog).ToHaveCountAsync(0);
            await Expect(alert).ToHaveCountAsync(0);
            Assert.Empty(await app.Services.GetRequiredService<IFreezeStore>().ListHoldsAsync("prod", CancellationToken.None));
            failed = false;
        }
        finally
        {
            await stack.CloseAsync(page, "auto-promotion-hold", failed);
            await app.DisposeAsync();
        }
    }

    [Fact]
    public Task EditPolicy_AReleaseAdminWritesTheNextVersion_ABadSettingIsNamed_AndTheTableShowsTheNewSource() =>
        stack.OnPageAsync("policy-edit", "lena", ["release-admins"], async page =>
        {
            var model = await stack.RegisteredModelAsync();
            await page.GotoAsync($"/models/{model}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Edit policy" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            var settings = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Settings per environment" });
            await Expect(settings).ToHaveValueAsync("{}");

            await settings.FillAsync("""{"prod": {"gate": [{"metric": "mape", "direction": "Lower"}]}}""");
            await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("forecasters are judged by MAPE");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Save version 1" }).ClickAsync();
            await Expect(dialog).ToContainTextAsync("environments.prod.gate[0].direction");

            await settings.FillAsync("""{"prod": {"gate": [{"metric": "mape", "direction": "LowerIsBetter", "threshold": 0.1}], "autoPromote": true}}""");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Save version 1" }).ClickAsync();
            await Expect(dialog).ToHaveCountAsync(0);
            var prod = page.GetByRole(AriaRole.Table, new() { Name = "Release policy" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "prod" });
            await Expect(prod).ToContainTextAsync("mape ≤ 0.1");
            await Expect(prod).ToContainTextAsync("promotes automatically");
            await Expect(page.GetByText("A release requested now runs under model policy v1.")).ToBeVisibleAsync();
            await stack.ScreenshotAsync(page, "policy-edit");
        });

    [Fact]
    public Task ProjectPage_AnAdminWritesItsPolicy_SavesATemplate_ReleasesWithIt_AndFreezesAnEnvironmentForIt() =>
        stack.OnPageAsync("project", "lena", ["release-admins"], async page =>
        {
            var project = $"shop-{Guid.NewGuid().ToString("N")[..8]}";
            var model = await stack.RegisteredModelAsync(project);
            using var api = await stack.ApiAsync("lena", "release-admins");
            try
            {
                // From the model's page to its project's.
                await page.GotoAsync($"/models/{model}");
                await page.GetByRole(AriaRole.Link, new() { Name = project, Exact = true }).ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex($"/projects/{project}$"));
                await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Project {project}" })).ToBeVisibleAsync();
                await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Models of the project" })).ToContainTextAsync(model);

                // The project's policy: none yet; a release-admin writes version 1, a bad setting named first.
                await Expect(page.GetByText($"No project policy yet: {project}'s models follow")).ToBeVisibleAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Edit policy" }).ClickAsync();
                var dialog = page.GetByRole(AriaRole.Dialog);
                await Expect(dialog).ToContainTextAsync($"Edit project {project}'s policy");
                var settings = dialog.GetByRole(AriaRole.Textbox, new() { Name = "Settings per environment" });
                await settings.FillAsync("""{"prod": {"requiredSoakSeconds": -5}}""");
                await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("a minute in staging before prod");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Save version 1" }).ClickAsync();
                await Expect(dialog).ToContainTextAsync("environments.prod.requiredSoakSeconds");
                await settings.FillAsync("""{"prod": {"requiredSoakSeconds": 60}}""");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Save version 1" }).ClickAsync();
                await Expect(dialog).ToHaveCountAsync(0);
                var overrides = page.GetByRole(AriaRole.Table, new() { Name = "Settings the project overrides" });
                await Expect(overrides.GetByRole(AriaRole.Row).Filter(new() { HasText = "prod" })).ToContainTextAsync("requiredSoakSeconds: 60");
                await Expect(page.GetByText("History (1 version)")).ToBeVisibleAsync();
                var policy = await api.GetFromJsonAsync<JsonElement>($"/v1/projects/{project}/policy");
                Assert.Equal(1, policy.GetProperty("version").GetInt32());

                // A template: its path is dev only; it is listed, and releasing with it is one form.
                await page.GetByRole(AriaRole.Button, new() { Name = "Create template" }).ClickAsync();
                await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Name" }).FillAsync("quick");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove staging" }).ClickAsync();
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Remove prod" }).ClickAsync();
                await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Notify" }).FillAsync("#shop-releases");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Create template" }).ClickAsync();
                await Expect(dialog).ToHaveCountAsync(0);
                var templates = page.GetByRole(AriaRole.Table, new() { Name = "Release templates" });
                var quick = templates.GetByRole(AriaRole.Row).Filter(new() { HasText = "quick" });
                await Expect(quick).ToContainTextAsync("#shop-releases");
                await stack.ScreenshotAsync(page, "project");

                await quick.GetByRole(AriaRole.Radio).ClickAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Release with template" }).ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex("/releases/new\\?project=.*&template=quick"));
                await page.GetByRole(AriaRole.Button, new() { Name = "Model Choose a model" }).ClickAsync();
                await page.GetByRole(AriaRole.Option).Filter(new() { HasText = model }).ClickAsync();
                await Expect(page.GetByText("Template quick's path (revision 1).")).ToBeVisibleAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Start release" }).ClickAsync();
                await Expect(page).ToHaveURLAsync(new Regex("/releases/rel-"));
                var id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
                var release = await api.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
                Assert.Equal("quick", release.GetProperty("template").GetProperty("name").GetString());
                Assert.Equal(["dev"], release.GetProperty("stages").EnumerateArray().Select(e => e.GetProperty("environment").GetString()!).ToArray());

                // A freeze for the project alone, placed on its page and lifted from the environment's.
                await page.GotoAsync($"/projects/{project}");
                var freezes = page.GetByRole(AriaRole.Table, new() { Name = "Freezes" });
                var staging = freezes.GetByRole(AriaRole.Row).Filter(new() { HasText = "staging" });
                await staging.GetByRole(AriaRole.Radio).ClickAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Freeze", Exact = true }).ClickAsync();
                await Expect(dialog).ToContainTextAsync($"Freeze staging for project {project}?");
                await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("stock-take in staging");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Freeze", Exact = true }).ClickAsync();
                await Expect(dialog).ToHaveCountAsync(0);
                await Expect(staging).ToContainTextAsync($"Frozen for {project}");
                var environments = await api.GetFromJsonAsync<JsonElement>("/v1/environments");
                var frozen = environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "staging")
                    .GetProperty("projectFreezes").EnumerateArray().Single(f => f.GetProperty("project").GetString() == project);
                Assert.Equal("stock-take in staging", frozen.GetProperty("reason").GetString());

                await page.GotoAsync("/environments/staging");
                await page.GetByRole(AriaRole.Button, new() { Name = $"Lift the freeze on staging for project {project}" }).ClickAsync();
                await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("stock-take done");
                await dialog.GetByRole(AriaRole.Button, new() { Name = "Lift freeze" }).ClickAsync();
                await Expect(page.GetByText($"staging is frozen for project {project}")).ToHaveCountAsync(0);
            }
            finally
            {
                await api.PostAsJsonAsync("/v1/environments/staging/freeze/lift", new { reason = "test cleanup", project });
            }
        });
}
