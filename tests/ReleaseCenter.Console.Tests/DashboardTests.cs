using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// The cross-project dashboard (/dashboard): delivery metrics as GET /v1/metrics/delivery counts them, the releases
/// in flight and what each waits on (the words of components/waitingOn.ts), pending approvals by group, recent
/// rollbacks, and the project filter.
/// </summary>
[Collection(BrowserCollections.Second)]
public sealed class DashboardTests(ConsoleFixture stack)
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private Task OnPageAsync(string name, string? user, string[] groups, Func<IPage, Task> test) => stack.OnPageAsync(name, user, groups, test);

    private static ILocator Table(IPage page, string name) => page.GetByRole(AriaRole.Table, new() { Name = name, Exact = true });

    private static string Invariant(int n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The dashboard's default window: from UTC midnight 29 days ago (30 calendar days, today included).</summary>
    private static string WindowStart(int days) =>
        DateTime.UtcNow.Date.AddDays(-(days - 1)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<JsonElement> DemoReleaseAsync(HttpClient api, int version) =>
        (await api.GetFromJsonAsync<JsonElement>("/v1/releases?model=fraud-detector&limit=100")).GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("version").GetInt32() == version);

    [Fact]
    public Task DeliveryMetrics_ShowTheDemosDeployments_AsTheApiCountsThem_PerDayOfTheWindow() => OnPageAsync("dashboard-delivery", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var metrics = await api.GetFromJsonAsync<JsonElement>($"/v1/metrics/delivery?model=fraud-detector&since={WindowStart(30)}");
        var prod = metrics.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("environment").GetString() == "prod");
        var deployments = prod.GetProperty("deployments").GetInt32();
        Assert.True(deployments > 0, $"the demo deployed fraud-detector to prod: {metrics}");

        await page.GotoAsync("/dashboard");

        var delivery = Table(page, "Delivery metrics");
        await Expect(delivery.GetByTestId("deployments-fraud-detector-prod")).ToHaveTextAsync(Invariant(deployments));
        await Expect(delivery.GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector" })).ToHaveCountAsync(
            metrics.GetProperty("items").GetArrayLength());
        await Expect(page.GetByTestId("figure-deployments")).Not.ToHaveTextAsync("0");

        // The bar chart's text alternative: one row per day of the window (and the header row).
        await page.GetByRole(AriaRole.Button, new() { Name = "Deployments as a table" }).ClickAsync();
        await Expect(Table(page, "Deployments, as a table").GetByRole(AriaRole.Row)).ToHaveCountAsync(31);
        await stack.ScreenshotAsync(page, "dashboard");

        // The window is part of the link.
        await page.GetByRole(AriaRole.Button, new() { Name = "7 days", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("window=7"));
        await Expect(Table(page, "Deployments, as a table").GetByRole(AriaRole.Row)).ToHaveCountAsync(8);
        await Expect(delivery.GetByTestId("deployments-fraud-detector-prod")).ToHaveTextAsync(Invariant(deployments));
    });

    [Fact]
    public Task InFlight_SaysWhatEachReleaseWaitsOn_AndPendingApprovalsAreCountedPerGroup() => OnPageAsync("dashboard-in-flight", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        // A project of its own with one release waiting in staging, so its counts are exact.
        var project = $"dash-{Guid.NewGuid().ToString("N")[..8]}";
        var model = await RegisterAsync(api, project, versions: 1);
        var id = await StartAsync(api, model, 1, "staging");
        await ConsoleFixture.WaitForAsync(api, id, r => r.GetProperty("stages")[0].GetProperty("status").GetString() == "AwaitingApproval");
        var v5 = await DemoReleaseAsync(api, 5);
        var v5Id = v5.GetProperty("id").GetString()!;
        var v5Staging = v5.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("environment").GetString() == "staging");

        await page.GotoAsync("/dashboard");

        var inFlight = Table(page, "Releases in flight");
        var filter = page.GetByRole(AriaRole.Searchbox, new() { Name = "Filter releases in flight" });
        await filter.FillAsync(model);
        var row = inFlight.GetByRole(AriaRole.Row).Filter(new() { HasText = id });
        await Expect(row).ToContainTextAsync("Awaiting approval");
        await Expect(row).ToContainTextAsync(new Regex(@"waiting for 1 approval from approvers-staging for staging, expires in (23|24) hours"));
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = id })).ToHaveAttributeAsync("href", $"/releases/{id}");

        // The demo's v5 waits for approvers-staging, unless another test of this run voted on it first.
        await filter.FillAsync(v5Id);
        var v5Row = inFlight.GetByRole(AriaRole.Row).Filter(new() { HasText = v5Id });
        await Expect(v5Row).ToHaveCountAsync(1);
        var v5Votes = v5Staging.TryGetProperty("approvals", out var votes) && votes.ValueKind == JsonValueKind.Array ? votes.GetArrayLength() : 0;
        if (v5Staging.GetProperty("status").GetString() == "AwaitingApproval" && v5Votes == 0)
        {
            await Expect(v5Row).ToContainTextAsync("waiting for 1 approval from approvers-staging for staging, expires");
        }
        else
        {
            await Expect(v5Row).ToContainTextAsync(new Regex("approvers-prod|deploying to|verifying in|evaluating the gate for|queued for|approved for"));
        }
        await stack.ScreenshotAsync(page, "dashboard-in-flight");

        // Filtered to the project: its one release in flight, and one stage waiting for approvers-staging.
        await page.GotoAsync($"/dashboard?project={project}");
        await Expect(inFlight.GetByRole(AriaRole.Row).Filter(new() { HasText = "rel-" })).ToHaveCountAsync(1);
        await Expect(inFlight.GetByRole(AriaRole.Row).Filter(new() { HasText = id })).ToContainTextAsync("approvers-staging");
        await Expect(page.GetByTestId("figure-in-flight")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("figure-pending-approvals")).ToHaveTextAsync("1");
        var groups = Table(page, "Pending approvals by group");
        await Expect(groups.GetByTestId("approvals-waiting-approvers-staging")).ToHaveTextAsync("1");
        await Expect(groups.GetByRole(AriaRole.Row).Filter(new() { HasText = "approvers-prod" })).ToHaveCountAsync(0);
    });

    /// <summary>A model of its own in <paramref name="project"/>, with <paramref name="versions"/> registered versions.</summary>
    private static async Task<string> RegisterAsync(HttpClient api, string project, int versions)
    {
        var model = $"ui-{Guid.NewGuid().ToString("N")[..10]}";
        (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
        for (var version = 1; version <= versions; version++)
        {
            (await api.PostAsync($"/v1/models/{model}/versions", ConsoleFixture.Json($$"""
                {"artifactUri":"s3://m/{{model}}-{{version}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                 "metrics":{"auc":0.95,"latency_p95_ms":70} }
                """))).EnsureSuccessStatusCode();
        }
        return model;
    }

    /// <summary>Starts a release of one version to one environment; answers its id.</summary>
    private static async Task<string> StartAsync(HttpClient api, string model, int version, string environment)
    {
        var created = await api.PostAsync("/v1/releases",
            ConsoleFixture.Json($$"""{"model":"{{model}}","version":{{version}},"environments":["{{environment}}"],"notes":"dashboard test"}"""));
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    [Fact]
    public Task RecentRollbacks_ListTheDemosAutomaticRollback_AndOneSomeoneStarted_PerProject() => OnPageAsync("dashboard-rollbacks", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var v4 = await DemoReleaseAsync(api, 4);
        Assert.Equal("RolledBack", v4.GetProperty("status").GetString());
        var v4Id = v4.GetProperty("id").GetString()!;
        var demoProject = (await api.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector")).GetProperty("project").GetString()!;

        // A project of its own: v1 then v2 released to dev, then dev rolled back to v1 (dev needs no rollback approval).
        var project = $"dash-{Guid.NewGuid().ToString("N")[..8]}";
        var model = await RegisterAsync(api, project, versions: 2);
        var releases = new List<string>();
        foreach (var version in new[] { 1, 2 })
        {
            var id = await StartAsync(api, model, version, "dev");
            await ConsoleFixture.WaitForAsync(api, id, r => r.GetProperty("status").GetString() == "Released");
            releases.Add(id);
        }
        var rollback = await api.PostAsync("/v1/environments/dev/rollback", ConsoleFixture.Json($$"""{"model":"{{model}}","reason":"dashboard test"}"""));
        Assert.Equal(HttpStatusCode.Accepted, rollback.StatusCode);
        var rollbackId = (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
        await WaitForRollbackInHistoryAsync(api, model, rollbackId);
        var metrics = await api.GetFromJsonAsync<JsonElement>($"/v1/metrics/delivery?model={model}&since={WindowStart(30)}");
        var dev = metrics.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("environment").GetString() == "dev");
        var failure = dev.GetProperty("changeFailureRate");

        await page.GotoAsync($"/dashboard?project={project}");

        var rollbacks = Table(page, "Recent rollbacks");
        var row = rollbacks.GetByRole(AriaRole.Row).Filter(new() { HasText = model });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = $"Rollback {rollbackId}" })).ToHaveAttributeAsync("href", $"/rollbacks/{rollbackId}");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = $"{model} v2" })).ToHaveAttributeAsync("href", $"/releases/{releases[1]}");
        await Expect(row.GetByRole(AriaRole.Link, new() { Name = $"{model} v1" })).ToHaveAttributeAsync("href", $"/releases/{releases[0]}");
        await Expect(row).ToContainTextAsync("dev");
        // Only this project's models: not the demo's automatic rollback.
        await Expect(rollbacks).Not.ToContainTextAsync("fraud-detector");
        // The project's delivery figures, as the API counts them: the rolled-back change failed.
        var delivery = Table(page, "Delivery metrics");
        await Expect(delivery.GetByTestId($"deployments-{model}-dev")).ToHaveTextAsync(Invariant(dev.GetProperty("deployments").GetInt32()));
        if (failure.GetProperty("changes").GetInt32() > 0)
        {
            await Expect(delivery.GetByRole(AriaRole.Row).Filter(new() { HasText = model }))
                .ToContainTextAsync($"({Invariant(failure.GetProperty("failed").GetInt32())} of {Invariant(failure.GetProperty("changes").GetInt32())})");
        }
        await Expect(delivery.GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector" })).ToHaveCountAsync(0);
        await Expect(Table(page, "Releases in flight")).ToContainTextAsync($"No release of project {project} is on its way.");

        // The demo's project: v4 was rolled back automatically in prod after its verification failed.
        await page.GotoAsync($"/dashboard?project={demoProject}");
        var automatic = Table(page, "Recent rollbacks").GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector v4" });
        await Expect(automatic).ToHaveCountAsync(1);
        await Expect(automatic).ToContainTextAsync("Automatic");
        await Expect(automatic).ToContainTextAsync("prod");
        await Expect(automatic.GetByRole(AriaRole.Link, new() { Name = "fraud-detector v4" })).ToHaveAttributeAsync("href", $"/releases/{v4Id}");
        await Expect(Table(page, "Recent rollbacks")).Not.ToContainTextAsync(model);
    });

    private static async Task WaitForRollbackInHistoryAsync(HttpClient api, string model, string rollbackId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var history = await api.GetFromJsonAsync<JsonElement>($"/v1/environments/dev/history?model={model}&limit=10");
            if (history.GetProperty("items").EnumerateArray().Any(d => d.GetProperty("kind").GetString() == "rollback"
                && d.GetProperty("rollbackId").GetString() == rollbackId))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Rollback {rollbackId} did not reach the history of dev: {history}");
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public Task ProjectFilter_AProjectWithoutModels_ShowsEmptyStates_AndAllProjectsBringsTheDemoBack() => OnPageAsync("dashboard-empty", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");

        await page.GotoAsync("/dashboard?project=no-models-here");

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Project no-models-here" })).ToBeVisibleAsync();
        await Expect(Table(page, "Delivery metrics")).ToContainTextAsync("No deployments");
        await Expect(Table(page, "Releases in flight")).ToContainTextAsync("No releases in flight");
        await Expect(Table(page, "Pending approvals by group")).ToContainTextAsync("No pending approvals");
        await Expect(Table(page, "Recent rollbacks")).ToContainTextAsync("No rollbacks");
        await Expect(page.GetByTestId("figure-in-flight")).ToHaveTextAsync("0");
        await Expect(page.GetByTestId("figure-deployments")).ToHaveTextAsync("0");
        await Expect(page.GetByText("Nothing was deployed in this window.").First).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Project no-models-here" }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "All projects" }).ClickAsync();

        await Expect(page).Not.ToHaveURLAsync(new Regex("project="));
        await Expect(Table(page, "Delivery metrics").GetByRole(AriaRole.Row).Filter(new() { HasText = "fraud-detector" }).First).ToBeVisibleAsync();
        await Expect(Table(page, "Releases in flight")).Not.ToContainTextAsync("No releases in flight");
    });
}
