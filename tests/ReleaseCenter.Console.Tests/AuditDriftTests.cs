using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Functions;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>The audit log (filters in the link, chain verification) and the drift pages, in a real browser against the local stack.</summary>
[Collection(BrowserCollections.Second)]
public sealed class AuditDriftTests(ConsoleFixture stack)
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string Model = "fraud-detector";

    private Task OnPageAsync(string name, string? user, string[] groups, Func<IPage, Task> test) => stack.OnPageAsync(name, user, groups, test);

    /// <summary>The audit table's entry rows (each has its selection radio; the header row has none).</summary>
    private static ILocator Entries(IPage page) =>
        page.GetByRole(AriaRole.Grid, new() { Name = "Audit entries" }).GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Radio) });

    /// <summary>The demo's first drift report: the one whose retraining registered v5 and opened its release.</summary>
    private async Task<(string ReportId, string ReleaseId)> DemoRetrainedReportAsync()
    {
        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var reports = await api.GetFromJsonAsync<JsonElement>($"/v1/models/{Model}/drift-reports?limit=100");
        foreach (var report in reports.GetProperty("items").EnumerateArray())
        {
            var id = report.GetProperty("id").GetString()!;
            var response = await api.GetAsync($"/v1/models/{Model}/drift-reports/{id}/retrain");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue;
            }
            var run = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (run.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == 5)
            {
                return (id, run.GetProperty("releaseId").GetString()!);
            }
        }
        throw new InvalidOperationException($"The demo has no drift report whose retraining registered {Model} v5: {reports}");
    }

    [Fact]
    public Task AuditLog_ListsTheDemoEntries_AndAnActionFilterNarrowsThem_InTheLink() => OnPageAsync("audit-filter", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed");
        var (reportId, _) = await DemoRetrainedReportAsync();

        await page.GotoAsync("/audit");
        var rows = Entries(page);
        await Expect(rows.First).ToBeVisibleAsync();
        // Unfiltered, the log holds more than drift reports.
        await Expect(rows.Filter(new() { HasNotText = "drift.reported" }).First).ToBeVisibleAsync();

        var filter = page.GetByRole(AriaRole.Combobox, new() { Name = "Filter audit entries" });
        await filter.FillAsync("Action = drift.reported");
        // The filter goes to the API (not only to the rows on screen).
        await page.RunAndWaitForResponseAsync(() => filter.PressAsync("Enter"),
            r => r.Url.Contains("/v1/audit?", StringComparison.Ordinal) && r.Url.Contains("action=drift.reported", StringComparison.Ordinal) && r.Ok);

        await Expect(page).ToHaveURLAsync(new Regex(@"[?&]action=drift\.reported(&|$)"));
        await Expect(rows.Filter(new() { HasText = "drift.reported" }).First).ToBeVisibleAsync();
        await Expect(rows.Filter(new() { HasNotText = "drift.reported" })).ToHaveCountAsync(0);
        // The demo's report is among them, its subject a link to the report's page.
        var subject = page.GetByRole(AriaRole.Link, new() { Name = $"drift-report/{reportId}", Exact = true });
        await Expect(subject).ToHaveAttributeAsync("href", $"/drift/{Model}/{reportId}");
        await stack.ScreenshotAsync(page, "audit-filtered");

        // The link is the filter: opened afresh it shows the same entries, and a row's details open beside the table.
        await page.GotoAsync("/audit?action=drift.reported");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Action = drift.reported" })).ToBeVisibleAsync();
        await Expect(subject).ToBeVisibleAsync();
        await Expect(rows.Filter(new() { HasNotText = "drift.reported" })).ToHaveCountAsync(0);
        await rows.Filter(new() { Has = subject }).GetByRole(AriaRole.Radio).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"[?&]entry=payments%2F\d+"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new Regex(@"^Entry \d+ of payments$") })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { NameRegex = new Regex(@"^Details of entry \d+$") })).ToContainTextAsync("driftedFeatures");
        await Expect(page.GetByText("Previous hash")).ToBeVisibleAsync();
    });

    [Fact]
    public Task AuditLog_VerifyChain_IsValid_ThenNamesTheFirstTamperedEntry() => OnPageAsync("audit-verify", "alice", ["ml-engineers"], async page =>
    {
        // A project of its own: tampering with it leaves every other chain (the demo's payments) intact.
        var project = $"audit-ui-{Guid.NewGuid().ToString("N")[..10]}";
        var model = $"{project}-model";
        using (var api = await stack.ApiAsync("alice", "ml-engineers"))
        {
            (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
            for (var i = 1; i <= 2; i++)
            {
                (await api.PostAsync($"/v1/models/{model}/versions", ConsoleFixture.Json($$"""
                    {"artifactUri":"s3://m/{{model}}-{{i}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                     "metrics":{"auc":0.95} }
                    """))).EnsureSuccessStatusCode();
            }
        }

        await page.GotoAsync($"/audit?project={project}");
        var rows = Entries(page);
        await Expect(rows).ToHaveCountAsync(3); // model.registered, then two versions
        await Expect(rows.Filter(new() { HasText = "model.registered" })).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Project {project}" })).ToBeVisibleAsync();

        var verify = page.GetByRole(AriaRole.Button, new() { Name = "Verify chain" });
        await verify.ClickAsync();
        await Expect(page.GetByText("Chain valid: 3 entries checked")).ToBeVisibleAsync();

        // Changed straight in the table, the way someone with table access would (as the integration tests tamper).
        var dynamo = stack.Services.GetRequiredService<IAmazonDynamoDB>();
        var table = stack.Services.GetRequiredService<ReleaseCenterSettings>().TableName;
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = new()
            {
                ["PK"] = new AttributeValue { S = $"AUDIT#{project}" },
                ["SK"] = new AttributeValue { S = $"SEQ#{2:D12}" },
            },
            UpdateExpression = "SET details.#k = :v",
            ExpressionAttributeNames = new() { ["#k"] = "artifactUri" },
            ExpressionAttributeValues = new() { [":v"] = new AttributeValue { S = "s3://tampered/model.tar.gz" } },
        });

        await verify.ClickAsync();
        await Expect(page.GetByText("Chain broken at entry 2")).ToBeVisibleAsync();
        await Expect(page.GetByText("Entry 2 was modified")).ToBeVisibleAsync();
        await Expect(page.GetByText("Chain valid")).ToHaveCountAsync(0);
        await stack.ScreenshotAsync(page, "audit-verify-broken");

        // The alert leads to the entry: selected, with its (tampered) details beside the table.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show entry 2" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"[?&]entry={project}%2F2(&|$)"));
        await Expect(page.GetByRole(AriaRole.Radio, new() { Name = $"Entry 2 of {project}" })).ToBeCheckedAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Entry 2 of {project}" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "Details of entry 2" })).ToContainTextAsync("s3://tampered/model.tar.gz");
    });

    [Fact]
    public Task Drift_ShowsTheDemoReport_AmountDrifted_AndItsRetrainingToV5() => OnPageAsync("drift", "alice", ["ml-engineers"], async page =>
    {
        Assert.True(await stack.DemoReady, "the demo story did not seed");
        var (reportId, releaseId) = await DemoRetrainedReportAsync();

        await page.GotoAsync($"/drift/{Model}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Drift: {Model}", Level = 1 })).ToBeVisibleAsync();
        var link = page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($"^Report {Regex.Escape(reportId)},") });
        var row = page.GetByRole(AriaRole.Row).Filter(new() { Has = link });
        await Expect(row).ToContainTextAsync("prod");
        await Expect(row).ToContainTextAsync("Drifted");
        await Expect(row).ToContainTextAsync("amount");
        await Expect(row).ToContainTextAsync("Release opened");
        await stack.ScreenshotAsync(page, "drift-model");

        await link.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/drift/{Model}/{Regex.Escape(reportId)}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Drift report {reportId}", Level = 1 })).ToBeVisibleAsync();

        var features = page.GetByRole(AriaRole.Table, new() { Name = "Features" });
        var amount = features.GetByRole(AriaRole.Row).Filter(new() { Has = page.GetByRole(AriaRole.Rowheader, new() { Name = "amount", Exact = true }) });
        await Expect(amount).ToContainTextAsync("Drifted");
        await Expect(amount).ToContainTextAsync("0.3152"); // PSI through num(): four decimals, no float noise
        await Expect(amount).ToContainTextAsync("at or above the alert threshold 0.25");
        var merchantAge = features.GetByRole(AriaRole.Row).Filter(new() { HasText = "merchant_age" });
        await Expect(merchantAge).ToContainTextAsync("Stable");

        // The retraining it caused: v5 registered, its release opened.
        var v5 = page.GetByRole(AriaRole.Link, new() { Name = $"{Model} v5", Exact = true });
        await Expect(v5).ToHaveAttributeAsync("href", $"/models/{Model}/versions/5");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = releaseId, Exact = true })).ToHaveAttributeAsync("href", $"/releases/{releaseId}");
        await Expect(page.GetByText("Release opened").First).ToBeVisibleAsync();
        await Expect(page.GetByText(new Regex(@"arn:aws:sagemaker:[^ ]+:pipeline/release-center-fraud-detector-training/execution/"))).ToBeVisibleAsync();

        // Baseline against current per bin, with the same numbers as a table.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Distribution: amount" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Chart data as a table" }).First.ClickAsync();
        var bins = page.GetByRole(AriaRole.Table, new() { Name = "Distribution of amount per bin" });
        await Expect(bins.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bin 4" })).ToContainTextAsync("45 %");
        await Expect(bins.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bin 1" })).ToContainTextAsync("10 %");
        await stack.ScreenshotAsync(page, "drift-report");

        await v5.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/models/{Model}/versions/5$"));
    });

    [Fact]
    public Task Drift_PolicyEdits_AreDisabledForOthers_AndThePipelineIsReleaseAdminsOnly() => OnPageAsync("drift-policy", "alice", ["ml-engineers"], async page =>
    {
        var model = await stack.RegisteredModelAsync();

        // Someone outside ml-engineers and release-admins sees the policies, not the way to change them.
        var viewer = await stack.PageAsync("sam", "approvers-staging");
        try
        {
            await viewer.GotoAsync($"/drift/{model}");
            await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Retraining policy" })).ToBeVisibleAsync();
            await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Edit drift thresholds" })).ToBeDisabledAsync();
            await Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Edit retraining policy" })).ToBeDisabledAsync();
            await Expect(viewer.GetByText("Only ml-engineers and release-admins may change this policy.").Filter(new() { Visible = true }).First).ToBeVisibleAsync();
        }
        finally
        {
            await stack.CloseAsync(viewer, "drift-policy-viewer", failed: false);
        }

        // An ml-engineer may edit, but naming the pipeline is for release-admins: the API's 403 is shown in the form.
        await page.GotoAsync($"/drift/{model}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit retraining policy" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Edit retraining policy: {model}" });
        await dialog.GetByRole(AriaRole.Checkbox, new() { Name = "Retrain when a report finds drift" }).CheckAsync();
        await dialog.GetByLabel("Training pipeline").FillAsync("release-center-ui-test");
        var response = await page.RunAndWaitForResponseAsync(() => dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync(),
            r => r.Request.Method == "PUT" && r.Url.EndsWith($"/v1/models/{model}/retraining-policy", StringComparison.Ordinal));
        Assert.Equal(403, response.Status);
        await Expect(dialog.GetByText("Only release-admins may set or change the pipeline").First).ToBeVisibleAsync();
        await Expect(dialog).ToBeVisibleAsync();

        using var api = await stack.ApiAsync("alice", "ml-engineers");
        var policy = await api.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/retraining-policy");
        Assert.False(policy.GetProperty("enabled").GetBoolean());

        // Thresholds are for ml-engineers too; a bad one is named by the API next to its field.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit drift thresholds" }).ClickAsync();
        var thresholds = page.GetByRole(AriaRole.Dialog, new() { Name = $"Edit drift thresholds: {model}" });
        await thresholds.GetByLabel("PSI alert threshold").FillAsync("0.05");
        await thresholds.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(thresholds.GetByText("'psiAlert' must not be below psiWarn.").First).ToBeVisibleAsync();
        await thresholds.GetByLabel("PSI alert threshold").FillAsync("0.3");
        await thresholds.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(thresholds).ToBeHiddenAsync();
        await Expect(page.GetByText($"Saved the drift thresholds of {model}")).ToBeVisibleAsync();
        var saved = await api.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/drift-policy");
        Assert.Equal(0.3, saved.GetProperty("thresholds").GetProperty("psiAlert").GetDouble(), 6);
        Assert.Equal("alice", saved.GetProperty("updatedBy").GetString());
    });
}
