using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>The everyday loop in a real browser against the real local stack (issue 11's browser tests).</summary>
[Collection(BrowserCollections.First)]
public sealed partial class ConsoleTests(ConsoleFixture stack)
{
    private Task OnPageAsync(string name, string? user, string[] groups, Func<IPage, Task> test) => stack.OnPageAsync(name, user, groups, test);

    private static ILocator Stage(IPage page, string environment) => page.GetByTestId($"stage-{environment}");

    private static async Task<JsonElement> ReleasesAsync(HttpClient api, string query) =>
        (await api.GetFromJsonAsync<JsonElement>($"/v1/releases?limit=100&{query}")).GetProperty("items");

    [Fact]
    public Task SignIn_FirstShowsTheSignInPage_ThenTheSeededReleases() => OnPageAsync("sign-in", null, [], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/sign-in"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to ML Release Center" })).ToBeVisibleAsync();
        await stack.ScreenshotAsync(page, "sign-in");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as alice" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/releases$"));
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Signed in as alice" })).ToBeVisibleAsync();
        var demoRows = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector v" });
        await Expect(demoRows).ToHaveCountAsync(5);
        await Expect(demoRows.Filter(new() { HasText = "fraud-detector v3" })).ToContainTextAsync("Rejected");
        await stack.ScreenshotAsync(page, "releases");
    });

    [Fact]
    public Task Catalog_StatusFilter_NarrowsTheRows_AndIsPartOfTheLink() => OnPageAsync("filter", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var rejected = (await ReleasesAsync(api, "status=Rejected")).GetArrayLength();
        Assert.True(rejected >= 1, "the demo has a rejected release");

        await page.GotoAsync("/releases");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector v" })).ToHaveCountAsync(5);
        var filter = page.GetByRole(AriaRole.Combobox, new() { Name = "Filter releases" });
        await filter.FillAsync("Status = Rejected");
        await filter.PressAsync("Enter");

        await Expect(page).ToHaveURLAsync(new Regex("status=Rejected"));
        var rows = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Rejected" });
        await Expect(rows).ToHaveCountAsync(rejected);
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Rolled back" })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task Keyboard_SignsIn_OpensARelease_AndExports_WithoutAMouse() => OnPageAsync("keyboard", null, [], async page =>
    {
        Assert.True(await stack.DemoReady);
        await page.GotoAsync("/sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in as alice" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("/releases$"));

        // A link in the catalog opens from the keyboard.
        var link = page.GetByRole(AriaRole.Link, new() { Name = "fraud-detector v2" });
        await link.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "fraud-detector v2", Level = 1 })).ToBeVisibleAsync();
        await page.GoBackAsync();

        // The export menu opens and picks its first item (Releases as CSV) from the keyboard.
        await page.GetByRole(AriaRole.Button, new() { Name = "Export" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Releases (CSV)" })).ToBeVisibleAsync();
        var download = await page.RunAndWaitForDownloadAsync(() => page.Keyboard.PressAsync("Enter"));
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
    });

    [Fact]
    public Task Catalog_ExportCsv_DownloadsTheFilteredRowsWithAHeader() => OnPageAsync("export", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var released = (await ReleasesAsync(api, "status=Released")).EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToArray();

        await page.GotoAsync("/releases?status=Released");
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Released" }).First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Export" }).ClickAsync();
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Menuitem, new() { Name = "Releases (CSV)" }).ClickAsync());

        var path = await download.PathAsync();
        var lines = (await File.ReadAllTextAsync(path)).TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,", lines[0], StringComparison.Ordinal);
        var ids = lines.Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(released.Order(), ids.Order());
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
    });

    [Fact]
    public Task ReleasePage_ShowsThreeStages_WithGateApprovalsAndDeployment() => OnPageAsync("release-page", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var v2 = (await ReleasesAsync(api, "model=fraud-detector&status=Released")).EnumerateArray()
            .First(r => r.GetProperty("version").GetInt32() == 2).GetProperty("id").GetString();

        await page.GotoAsync($"/releases/{v2}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "fraud-detector v2", Level = 1 })).ToBeVisibleAsync();
        foreach (var env in new[] { "dev", "staging", "prod" })
        {
            var stage = Stage(page, env);
            await Expect(stage).ToContainTextAsync("Released");
            await Expect(stage).ToContainTextAsync("Passed");
            await Expect(stage).ToContainTextAsync($"fraud-detector-{env}");
            await Expect(stage).ToContainTextAsync("Healthy");
        }
        await Expect(Stage(page, "dev")).ToContainTextAsync("Not required");
        await Expect(Stage(page, "staging")).ToContainTextAsync("1 of 1 from approvers-staging");
        await Expect(Stage(page, "staging")).ToContainTextAsync("sam approved");
        await Expect(Stage(page, "prod")).ToContainTextAsync("2 of 2 from approvers-prod");
        await Expect(Stage(page, "prod")).ToContainTextAsync("canary");
        await stack.ScreenshotAsync(page, "release");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Story" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "alice requested fraud-detector v2" })).ToHaveCountAsync(1);
    });

    [Fact]
    public Task ApprovalPanel_TheRequesterIsToldEveryReasonTheyCannotVote() => OnPageAsync("requester", "alice", ["ml-engineers"], async page =>
    {
        var (_, id) = await stack.WaitingInStagingAsync(requester: "alice");

        await page.GotoAsync($"/releases/{id}?panel=approve");

        var why = page.GetByRole(AriaRole.List, new() { Name = "Why you cannot vote" });
        await Expect(why).ToContainTextAsync("The requester of a release cannot approve or reject it.");
        await Expect(why).ToContainTextAsync("Approving staging needs membership of approvers-staging.");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true })).ToHaveCountAsync(0);
    });

    [Fact]
    public Task ApprovalPanel_AStagingApproverApprovesFromTheKeyboard_WithTheDigestsShown() => OnPageAsync("approve", "sam", ["approvers-staging"], async page =>
    {
        var (model, id) = await stack.WaitingInStagingAsync();
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var before = await api.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");

        await page.GotoAsync("/approvals");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = $"{model} v1" });
        await Expect(row).ToContainTextAsync("1 of 1 from approvers-staging");
        await row.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"selected={id}"));
        await Expect(page.GetByText(before.GetProperty("bundle").GetProperty("digest").GetString()![..19]).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table).Filter(new() { HasText = "latency_p95_ms" }).First).ToBeVisibleAsync();
        await stack.ScreenshotAsync(page, "approval-panel");

        await page.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("evidence reviewed in the console");
        var request = await page.RunAndWaitForRequestAsync(async () =>
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).FocusAsync();
            await page.Keyboard.PressAsync("Enter");
        }, r => r.Method == "POST" && r.Url.EndsWith($"/v1/releases/{id}/approvals", StringComparison.Ordinal));

        var body = request.PostDataJSON()!.Value;
        Assert.Equal("approve", body.GetProperty("decision").GetString());
        Assert.Equal(before.GetProperty("bundle").GetProperty("digest").GetString(), body.GetProperty("bundleDigest").GetString());
        Assert.Equal(before.GetProperty("stages")[0].GetProperty("evaluationDigest").GetString(), body.GetProperty("evaluationDigest").GetString());
        await Expect(page.GetByText("Approved staging").First).ToBeVisibleAsync();

        var after = await ConsoleFixture.WaitForAsync(api, id, r => r.GetProperty("stages")[0].GetProperty("status").GetString() != "AwaitingApproval");
        Assert.Contains(after.GetProperty("stages")[0].GetProperty("status").GetString(), new[] { "Deploying", "Verifying", "Released" });
        var vote = after.GetProperty("stages")[0].GetProperty("approvals")[0];
        Assert.Equal("sam", vote.GetProperty("by").GetString());
        Assert.Equal("evidence reviewed in the console", vote.GetProperty("comment").GetString());
    });

    [Fact]
    public Task ApprovalPanel_ARejectWithACommentEndsTheReleaseRejected() => OnPageAsync("reject", "sam", ["approvers-staging"], async page =>
    {
        var (_, id) = await stack.WaitingInStagingAsync();

        await page.GotoAsync($"/releases/{id}?panel=approve");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("latency budget is not agreed yet");
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject", Exact = true }).Last.ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Rejected");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var release = await ConsoleFixture.WaitForAsync(api, id, r => r.GetProperty("status").GetString() == "Rejected");
        var vote = release.GetProperty("stages")[0].GetProperty("approvals")[0];
        Assert.Equal("reject", vote.GetProperty("decision").GetString());
        Assert.Equal("latency budget is not agreed yet", vote.GetProperty("comment").GetString());
    });

    [Fact]
    public Task ApprovalPanel_AVoteOnEvidenceThatChanged_IsExplained_AndTheCommentKept() => OnPageAsync("stale", "sam", ["approvers-staging"], async page =>
    {
        var (_, id) = await stack.WaitingInStagingAsync();
        // Between showing the evidence and the vote arriving, the bundle "changes": the vote names the one shown.
        await page.RouteAsync($"**/v1/releases/{id}/approvals", async route =>
        {
            var body = route.Request.PostDataJSON()!.Value.GetRawText();
            var stale = Regex.Replace(body, "\"bundleDigest\":\"sha256:[0-9a-f]{64}\"", $"\"bundleDigest\":\"sha256:{new string('e', 64)}\"");
            await route.ContinueAsync(new() { PostData = System.Text.Encoding.UTF8.GetBytes(stale) });
        });

        await page.GotoAsync($"/releases/{id}?panel=approve");
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Comment" }).FillAsync("looked at it twice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).Last.ClickAsync();

        await Expect(page.GetByText("Your vote was not counted: Stale evidence")).ToBeVisibleAsync();
        await Expect(page.GetByText("The vote names bundle sha256:eeee").First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Comment" })).ToHaveValueAsync("looked at it twice");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var release = await api.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
        Assert.Equal("AwaitingApproval", release.GetProperty("stages")[0].GetProperty("status").GetString());
        Assert.Empty(release.GetProperty("stages")[0].GetProperty("approvals").EnumerateArray());
    });

    [Fact]
    public Task DemoV5_AliceIsToldWhy_ThenSamApprovesStagingFromTheSidePanel() => OnPageAsync("demo-v5", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady);
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var v5 = (await ReleasesAsync(api, "model=fraud-detector&status=AwaitingApproval")).EnumerateArray()
            .Single(r => r.GetProperty("version").GetInt32() == 5).GetProperty("id").GetString()!;

        // alice configured the retraining that opened v5, so she counts as its requester.
        await page.GotoAsync($"/releases/{v5}?panel=approve");
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Why you cannot vote" })).ToContainTextAsync("counts as its requester");

        var sam = await stack.PageAsync("sam", "approvers-staging");
        try
        {
            await sam.GotoAsync($"/releases/{v5}?panel=approve");
            await Expect(sam.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).Last).ToBeEnabledAsync();
            await sam.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).Last.ClickAsync();
            await Expect(sam.GetByText("Approved staging").First).ToBeVisibleAsync();
        }
        finally
        {
            await stack.CloseAsync(sam, "demo-v5-sam", failed: false);
        }
        var after = await ConsoleFixture.WaitForAsync(api, v5, r => r.GetProperty("stages")[1].GetProperty("decision").GetString() == "approved");
        Assert.Equal("sam", after.GetProperty("stages")[1].GetProperty("approvals")[0].GetProperty("by").GetString());
    });

    [Fact]
    public Task NewRelease_FromAVersionPage_StartsAnExecution() => OnPageAsync("new-release", "alice", ["ml-engineers"], async page =>
    {
        var model = await stack.RegisteredModelAsync();

        await page.GotoAsync($"/models/{model}/versions/1");
        await Expect(page.GetByText("latency_p95_ms")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Release this version" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/releases/new\\?model={model}&version=1"));
        await Expect(page.GetByText("auc").First).ToBeVisibleAsync();
        await stack.ScreenshotAsync(page, "new-release");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start release" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/releases/rel-"));
        var id = new Uri(page.Url).Segments[^1];
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var release = await api.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
        Assert.Equal(model, release.GetProperty("model").GetString());
        Assert.StartsWith("arn:aws:states:", release.GetProperty("executionArn").GetString(), StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync($"{model} v1");
    });

    [Fact]
    public Task ReleasePage_FollowsARunningRelease_WithoutAReload() => OnPageAsync("live", "alice", ["ml-engineers"], async page =>
    {
        var (_, id) = await stack.WaitingInStagingAsync();
        await page.GotoAsync($"/releases/{id}");
        await Expect(Stage(page, "staging")).ToContainTextAsync("Awaiting approval");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        var navigations = 0;
        page.FrameNavigated += (_, frame) => navigations += frame == page.MainFrame ? 1 : 0;

        using var sam = await stack.ApiAsync("sam", "approvers-staging");
        (await sam.PostAsync($"/v1/releases/{id}/approvals", ConsoleFixture.Json("""{"decision":"approve"}"""))).EnsureSuccessStatusCode();

        await Expect(Stage(page, "staging")).ToContainTextAsync("Released");
        await Expect(Stage(page, "staging")).ToContainTextAsync("sam approved");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
        Assert.Equal(0, navigations);
    });
}
