using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Api.Exports;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// Exports too large for one response, as a person meets them in the console: on a host whose limits make every export
/// and verification "large", Export still saves the file (after a "Preparing" message, through the job's presigned
/// link), and Verify chain still reports the chain (through a verification job).
/// </summary>
[Collection(BrowserCollections.First)]
public sealed class ExportJobConsoleTests(ConsoleFixture stack)
{
    private static readonly string Digest = "sha256:" + new string('c', 64);

    [Fact]
    public async Task AuditExportAndVerify_TooLargeForOneResponse_RunAsJobs_AndStillDownloadAndReport()
    {
        var (app, url) = await stack.StartHostAsync(s => s.AddSingleton(new ExportLimits { InlineBytes = 200, InlineVerifyEntries = 0 }));
        var page = await stack.PageAsync(url, "alice", ["ml-engineers"]);
        var failed = true;
        try
        {
            var model = $"export-ui-{Guid.NewGuid().ToString("N")[..8]}";
            using (var api = await stack.ApiAsync(url, "alice", "ml-engineers"))
            {
                (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
                (await api.PostAsync($"/v1/models/{model}/versions", ConsoleFixture.Json($$"""
                    {"artifactUri":"s3://m/{{model}}-1.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                     "metrics":{"auc":0.95} }
                    """))).EnsureSuccessStatusCode();
            }

            await page.GotoAsync("/audit?project=payments");
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "model.registered" })).ToHaveCountAsync(1);
            await page.GetByRole(AriaRole.Button, new() { Name = "Export" }).ClickAsync();
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Menuitem, new() { Name = "CSV" }).ClickAsync());

            var lines = (await File.ReadAllTextAsync(await download.PathAsync())).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("project,seq,", lines[0], StringComparison.Ordinal);
            Assert.Equal(3, lines.Length); // the header, model.registered, version.registered
            Assert.Matches(@"^audit-\d{8}T\d{6}Z\.csv$", download.SuggestedFilename);
            await Expect(page.GetByText($"{download.SuggestedFilename} is ready")).ToBeVisibleAsync();
            await Expect(page.GetByText("2 rows,")).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Download again" })).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Button, new() { Name = "Verify chain" }).ClickAsync();
            await Expect(page.GetByText("Chain valid: 2 entries checked")).ToBeVisibleAsync();
            await stack.ScreenshotAsync(page, "export-job");
            failed = false;
        }
        finally
        {
            if (failed)
            {
                await stack.ScreenshotAsync(page, "export-job-failed");
            }
            await stack.CloseAsync(page, "export-job", failed);
            await app.DisposeAsync();
        }
    }
}
