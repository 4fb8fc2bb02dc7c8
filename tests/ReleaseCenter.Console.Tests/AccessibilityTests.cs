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
[Collection("browser")]
public sealed class AccessibilityTests(ConsoleFixture stack)
{
    private static readonly string AxeScript = Path.Combine(ConsoleFixture.RepoRoot(), "src", "ReleaseCenter.Web", "node_modules", "axe-core", "axe.min.js");

    public static TheoryData<string> Pages => new()
    {
        "sign-in", "releases", "release", "release-approve", "approvals", "new-release", "models", "model", "model-version", "not-found",
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_HasNoSeriousOrCriticalViolation(string name)
    {
        Assert.True(File.Exists(AxeScript), $"axe-core is missing at {AxeScript}: build the console first (dotnet build src/ReleaseCenter.Local)");
        var (model, releaseId) = name is "release" or "release-approve" or "model" or "model-version"
            ? await stack.WaitingInStagingAsync()
            : ("", "");
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
            _ => "/no-such-page",
        };
        var page = name == "sign-in" ? await stack.PageAsync() : await stack.PageAsync("sam", "approvers-staging");
        var failed = true;
        try
        {
            await page.GotoAsync(url);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 }).First).ToBeVisibleAsync();
            await Expect(page.GetByText("Loading").First).ToHaveCountAsync(0);
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
}
