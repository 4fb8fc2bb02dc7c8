using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// Issue 12's environments, rollback, diff and lineage surfaces in a real browser against the real
/// local stack: the rollback dialog's impact preview, confirming it, "what was live at T", the
/// metric-aware diff, and a retrained version's lineage.
/// </summary>
[Collection(BrowserCollections.Second)]
public sealed class EnvironmentsTests(ConsoleFixture stack)
{
    private Task OnPageAsync(string name, string? user, string[] groups, Func<IPage, Task> test) => stack.OnPageAsync(name, user, groups, test);

    private static ILocator Dialog(IPage page) => page.GetByRole(AriaRole.Dialog);

    private static async Task<string?> LiveReleaseAsync(HttpClient api, string environment, string model)
    {
        var environments = await api.GetFromJsonAsync<JsonElement>($"/v1/environments?model={model}");
        var env = environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == environment);
        return env.GetProperty("live").EnumerateArray().Where(l => l.GetProperty("model").GetString() == model)
            .Select(l => l.GetProperty("release").GetString()).SingleOrDefault();
    }

    [Fact]
    public Task RollbackDialog_ShowsTheImpact_ExplainsANoOp_AndConfirmingChangesWhatIsLive() => OnPageAsync("rollback", "alice", ["ml-engineers"], async page =>
    {
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var (model, first, second) = await stack.TwoReleasesInDevAsync(api);
        var history = await api.GetFromJsonAsync<JsonElement>($"/v1/environments/dev/history?model={model}");
        var secondLiveAt = history.GetProperty("items")[0].GetProperty("deployedAt").GetDateTimeOffset();

        // "Roll back" sits in the action bar of the live release.
        await page.GotoAsync($"/releases/{second}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll back dev" }).ClickAsync();
        var dialog = Dialog(page);
        await Expect(dialog).ToContainTextAsync($"Roll back {model} in dev");
        await Expect(dialog).ToContainTextAsync($"v2 ({second})");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back to" })).ToContainTextAsync($"v1 ({first})");
        var changes = dialog.GetByRole(AriaRole.List, new() { Name = "What the rollback changes" });
        await Expect(changes).ToContainTextAsync("auc");
        await Expect(changes).ToContainTextAsync("0.02"); // 0.97 back to 0.95, rounded for people
        await Expect(dialog.GetByRole(AriaRole.Row).Filter(new() { HasText = "scoring-api" })).ToContainTextAsync("#ml-oncall");
        await Expect(dialog).ToContainTextAsync("None needed: it starts as soon as you confirm");

        // Choosing what is live already is explained, and nothing can be confirmed.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back to" }).ClickAsync();
        await page.GetByRole(AriaRole.Option).Filter(new() { HasText = second }).ClickAsync();
        await Expect(dialog.GetByText("Nothing would change")).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("would change nothing");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back dev" })).ToBeDisabledAsync();

        // Back to v1: a reason is required before anything runs.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back to" }).ClickAsync();
        await page.GetByRole(AriaRole.Option).Filter(new() { HasText = first }).ClickAsync();
        var confirm = dialog.GetByRole(AriaRole.Button, new() { Name = "Roll back dev" });
        await Expect(confirm).ToBeEnabledAsync();
        await confirm.ClickAsync();
        await Expect(dialog).ToContainTextAsync("Say why you are rolling back");
        Assert.Equal(second, await LiveReleaseAsync(api, "dev", model));

        await dialog.GetByRole(AriaRole.Textbox, new() { Name = "Reason" }).FillAsync("browser test: back to v1");
        await confirm.ClickAsync();

        // The rollback's own page follows it to the end; the API agrees on what is live.
        await Expect(page).ToHaveURLAsync(new Regex("/rollbacks/"));
        await Expect(page.GetByText("Completed", new() { Exact = true })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.Equal(first, await LiveReleaseAsync(api, "dev", model));

        // The environment's timeline has the rollback and both releases; at a time before the rollback, v2 was live.
        await page.GetByRole(AriaRole.Link, new() { Name = "View dev" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/environments/dev$"));
        var timeline = page.GetByRole(AriaRole.Table).Filter(new() { HasText = "Endpoint config" });
        await Expect(timeline.GetByRole(AriaRole.Row).Filter(new() { HasText = "rollback" }).Filter(new() { HasText = first })).ToHaveCountAsync(1);
        await Expect(timeline.GetByRole(AriaRole.Row).Filter(new() { HasText = second })).Not.ToHaveCountAsync(0);

        var before = secondLiveAt.AddSeconds(1).ToUniversalTime();
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Date" }).FillAsync(before.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Time (UTC)" }).FillAsync(before.ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("at="));
        var liveAt = page.GetByRole(AriaRole.Table).Filter(new() { HasText = "Live since" });
        await Expect(liveAt.GetByRole(AriaRole.Row).Filter(new() { HasText = model })).ToContainTextAsync(second);
        await stack.ScreenshotAsync(page, "environment-history");
    });

    [Fact]
    public Task Demo_RollbackPreviewOfProd_NamesCheckoutService_AndTheMetricDeltas() => OnPageAsync("rollback-preview", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var before = await api.GetFromJsonAsync<JsonElement>("/v1/environments/prod/history?model=fraud-detector");

        await page.GotoAsync("/environments/prod");
        await page.GetByRole(AriaRole.Button, new() { Name = "Roll back" }).ClickAsync();
        var dialog = Dialog(page);
        await Expect(dialog.GetByRole(AriaRole.Row).Filter(new() { HasText = "checkout-service" })).ToContainTextAsync("#payments-oncall");
        await Expect(dialog.GetByRole(AriaRole.List, new() { Name = "What the rollback changes" })).ToContainTextAsync("auc regressed by 0.013 (over the 0.01 tolerance)");
        await Expect(dialog).ToContainTextAsync("Needs 1 approval from approvers-prod before it runs");
        await Expect(dialog.GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector v5" })).ToHaveCountAsync(1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(stack.ArtifactsDir, "rollback-dialog.png") });

        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        var after = await api.GetFromJsonAsync<JsonElement>("/v1/environments/prod/history?model=fraud-detector");
        Assert.Equal(before.GetProperty("items").GetArrayLength(), after.GetProperty("items").GetArrayLength());
    });

    [Fact]
    public Task Diff_OfV3AgainstLive_ReadsAucRegressed_AndTheCatalogComparesTwoRows() => OnPageAsync("diff", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var demo = (await api.GetFromJsonAsync<JsonElement>("/v1/releases?model=fraud-detector&limit=100")).GetProperty("items").EnumerateArray().ToArray();
        var v3 = demo.Single(r => r.GetProperty("version").GetInt32() == 3).GetProperty("id").GetString()!;
        var v2 = demo.Single(r => r.GetProperty("version").GetInt32() == 2).GetProperty("id").GetString()!;

        // From the release page's Compare action to the full comparison against what is live in prod.
        await page.GotoAsync($"/releases/{v3}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Open the full comparison" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/compare\\?release={v3}&against=live&environment=prod"));
        var verdicts = page.GetByRole(AriaRole.List, new() { Name = "Metric verdicts" });
        await Expect(verdicts).ToContainTextAsync("auc regressed by 0.039 (over the 0.01 tolerance)");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "max_depth" })).ToContainTextAsync("changed");
        await Expect(page.Locator("text=0.038999")).ToHaveCountAsync(0);
        await stack.ScreenshotAsync(page, "diff");

        // From the catalog: two rows selected, then Compare; the older one is the base.
        await page.GotoAsync("/releases");
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"Select {v2}" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"Select {v3}" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/compare\\?release={v3}&against={v2}"));
        await Expect(verdicts).ToContainTextAsync("auc regressed by 0.039");
    });

    [Fact]
    public Task Lineage_OfV5_LinksToItsDriftReport_AndTheStripMarksWhatIsLive() => OnPageAsync("lineage", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var v5 = await api.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector/versions/5");
        var report = v5.GetProperty("lineage").GetProperty("driftReport").GetString()!;

        await page.GotoAsync("/models/fraud-detector");
        var strip = page.GetByRole(AriaRole.List, new() { Name = "Versions of fraud-detector, oldest first, with where each is live" });
        await Expect(strip.GetByRole(AriaRole.Listitem).Filter(new() { HasText = "live in prod" })).ToContainTextAsync(
            $"v{await LiveVersionAsync(api, "prod")}");
        await Expect(page.GetByLabel("auc across versions")).ToHaveCountAsync(1);

        await page.GotoAsync("/models/fraud-detector/versions/5");
        var lineage = page.GetByRole(AriaRole.List, new() { Name = "Lineage, from the drift report to the release" });
        await Expect(lineage).ToContainTextAsync("Pipeline execution");
        await Expect(lineage).ToContainTextAsync("Model package");
        await Expect(lineage.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^rel-") })).ToHaveCountAsync(1);
        await lineage.GetByRole(AriaRole.Link, new() { Name = report }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/drift/fraud-detector/{report}$"));
    });

    private static async Task<int> LiveVersionAsync(HttpClient api, string environment)
    {
        var environments = await api.GetFromJsonAsync<JsonElement>("/v1/environments?model=fraud-detector");
        return environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == environment).GetProperty("liveVersion").GetInt32();
    }

    [Fact]
    public Task Environments_SayWhatEachReleaseWaitsOn() => OnPageAsync("environments", "alice", ["ml-engineers"], async page =>
    {
        var (_, waiting) = await stack.WaitingInStagingAsync();

        await page.GotoAsync("/environments");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = waiting });
        await Expect(row.First).ToContainTextAsync("waiting for 1 approval from approvers-staging");
        await Expect(row.First).ToContainTextAsync("expires in");
        await Expect(page.GetByText("Canary: 10 % first")).ToBeVisibleAsync();
        await stack.ScreenshotAsync(page, "environments");
    });
}
