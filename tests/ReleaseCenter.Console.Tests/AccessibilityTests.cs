using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// axe-core (the console's own npm dependency, injected into the page) finds no serious or critical WCAG 2.1 A/AA
/// violation on any page of the console.
/// </summary>
[Collection(BrowserCollections.First)]
public sealed class AccessibilityTests(ConsoleFixture stack)
{
    private static readonly string AxeScript = Path.Combine(ConsoleFixture.RepoRoot(), "src", "ReleaseCenter.Web", "node_modules", "axe-core", "axe.min.js");

    public static TheoryData<string> Pages => new()
    {
        "sign-in", "releases", "release", "release-approve", "approvals", "new-release", "models", "model", "model-version", "dashboard", "audit", "drift", "drift-report",
        "project", "environments", "environment", "rollback-dialog", "rollback", "compare", "retrained-version", "not-found",
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_HasNoSeriousOrCriticalViolation(string name)
    {
        Assert.True(File.Exists(AxeScript), $"axe-core is missing at {AxeScript}: build the console first (dotnet build src/ReleaseCenter.Local)");
        Assert.True(await stack.DemoReady, "the demo story did not seed"); // every page is checked with the demo's data on it
        var (model, releaseId) = name is "release" or "release-approve" or "model" or "model-version"
            ? await stack.WaitingInStagingAsync()
            : ("", "");
        var driftReport = name == "drift-report" ? await DemoDriftReportAsync() : "";
        var rollbackId = name == "rollback" ? await RollbackInDevAsync() : "";
        var v3 = name == "compare" ? await DemoReleaseAsync(3) : "";
        var url = name switch
        {
            "sign-in" => "/sign-in",
            "releases" => "/releases",
            "release" => $"/releases/{releaseId}",
            "release-approve" => $"/releases/{releaseId}?panel=approve",
            "approvals" => "/approvals",
            "new-release" => "/releases/new",
            "models" => "/models",
            "model" => $"/models/{model}",
            "model-version" => $"/models/{model}/versions/1",
            "dashboard" => "/dashboard",
            "audit" => "/audit",
            "drift" => "/drift/fraud-detector",
            "drift-report" => $"/drift/fraud-detector/{driftReport}",
            "project" => "/projects/payments",
            "environments" => "/environments",
            "environment" or "rollback-dialog" => "/environments/prod",
            "rollback" => $"/rollbacks/{rollbackId}",
            "compare" => $"/compare?release={v3}&against=live&environment=prod",
            "retrained-version" => "/models/fraud-detector/versions/5",
            _ => "/no-such-page",
        };
        var page = name switch
        {
            "sign-in" => await stack.PageAsync(),
            "rollback-dialog" => await stack.PageAsync("alice", "ml-engineers"), // who may roll back
            _ => await stack.PageAsync("sam", "approvers-staging"),
        };
        var failed = true;
        try
        {
            await page.GotoAsync(url);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 }).First).ToBeVisibleAsync();
            await WaitUntilNothingShowsLoadingAsync(page);
            if (name == "rollback-dialog")
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Roll back" }).ClickAsync();
                await Expect(page.GetByRole(AriaRole.Dialog).GetByText("Consumers of the endpoint")).ToBeVisibleAsync();
            }
            if (name == "release-approve")
            {
                await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).Last).ToBeVisibleAsync();
            }
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Path = AxeScript });
            var result = await page.EvaluateAsync<JsonElement>(
                "() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })");
            var serious = result.GetProperty("violations").EnumerateArray()
                .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
                .ToArray();
            var report = new StringBuilder();
            foreach (var v in serious)
            {
                report.AppendLine($"{v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()}: {v.GetProperty("help").GetString()}");
                foreach (var node in v.GetProperty("nodes").EnumerateArray().Take(5))
                {
                    report.AppendLine($"    at {node.GetProperty("target")}: {node.GetProperty("failureSummary").GetString()?.ReplaceLineEndings(" ")}");
                }
            }
            Assert.True(serious.Length == 0, $"{url}:\n{report}");
            failed = false;
        }
        finally
        {
            if (failed)
            {
                await stack.ScreenshotAsync(page, $"a11y-{name}-failed");
            }
            await stack.CloseAsync(page, $"a11y-{name}", failed);
        }
    }

    /// <summary>
    /// Waits until no text a person can see says "Loading". Cloudscape keeps its screen-reader announcements in live
    /// regions placed 9999 px off the page (a box Playwright counts as visible), which can still say "Loading …" after the
    /// content arrived; only text in a box on the page counts. On time-out, names what still shows.
    /// </summary>
    private static async Task WaitUntilNothingShowsLoadingAsync(IPage page)
    {
        const string ShowingLoading = """
            () => [...document.querySelectorAll('body *')]
              .filter(e => e.childElementCount === 0 && /loading/i.test(e.textContent ?? ''))
              .filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                             return r.width > 0 && r.height > 0 && r.right + scrollX > 0 && r.bottom + scrollY > 0
                               && s.visibility !== 'hidden' && s.display !== 'none'; })
              .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim()}`)
            """;
        try
        {
            await page.WaitForFunctionAsync($"() => ({ShowingLoading})().length === 0", null, new() { Timeout = 60_000, PollingInterval = 250 });
        }
        catch (PlaywrightException)
        {
            var still = await page.EvaluateAsync<string[]>(ShowingLoading);
            Assert.Fail($"{page.Url} still shows loading after 60 s: {string.Join("; ", still)}");
        }
    }

    /// <summary>The demo's newest drift report of fraud-detector (the demo posts two).</summary>
    private async Task<string> DemoDriftReportAsync()
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its drift reports");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var reports = await api.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector/drift-reports?limit=1");
        return reports.GetProperty("items")[0].GetProperty("id").GetString()!;
    }

    private async Task<string> DemoReleaseAsync(int version)
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed its releases");
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var releases = await api.GetFromJsonAsync<JsonElement>("/v1/releases?model=fraud-detector&limit=100");
        return releases.GetProperty("items").EnumerateArray().First(r => r.GetProperty("version").GetInt32() == version).GetProperty("id").GetString()!;
    }

    /// <summary>A finished rollback of a model of its own in dev (no approval needed there).</summary>
    private async Task<string> RollbackInDevAsync()
    {
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var (model, first, _) = await stack.TwoReleasesInDevAsync(api);
        var started = await api.PostAsync("/v1/environments/dev/rollback",
            ConsoleFixture.Json($$"""{"model":"{{model}}","toRelease":"{{first}}","reason":"accessibility test"}"""));
        started.EnsureSuccessStatusCode();
        return (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
    }
}
