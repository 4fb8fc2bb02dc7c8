using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Aws.Resources;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// A version imported from SageMaker's Model Registry (issue 14), as a person sees it: its lineage names the model
/// package (copyable) and its group, and says the package's status there follows the releases; it does not claim a
/// drift report it never had.
/// </summary>
[Collection(BrowserCollections.First)]
public sealed class ModelPackageConsoleTests(ConsoleFixture stack)
{
    [Fact]
    public async Task AnImportedVersion_ShowsTheModelPackageItCameFrom()
    {
        var model = $"pkg-ui-{Guid.NewGuid().ToString("N")[..8]}";
        var group = $"{model}-packages";
        var (app, url) = await stack.StartHostAsync(s => s.AddSingleton(new ModelRegistryConfig(
            new Dictionary<string, ModelPackageGroupMapping> { [group] = new(group, model, null) { Auto = false } }, ["release-center-models-local"])));
        var page = await stack.PageAsync(url, "alice", ["ml-engineers"]);
        var failed = true;
        try
        {
            string arn;
            using (var api = await stack.ApiAsync(url, "alice", "ml-engineers"))
            {
                (await api.PostAsJsonAsync("/v1/models", new { name = model, project = "payments" })).EnsureSuccessStatusCode();
                var package = await api.PostAsJsonAsync("/v1/local/model-packages", new
                {
                    modelPackageGroupName = group, image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1", metrics = new { auc = 0.94 },
                });
                package.EnsureSuccessStatusCode();
                arn = (await package.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("modelPackageArn").GetString()!;
                (await api.PostAsJsonAsync($"/v1/models/{model}/versions/import", new { modelPackageArn = arn })).EnsureSuccessStatusCode();
            }

            await page.GotoAsync($"/models/{model}/versions/1");
            await Expect(page.GetByText("Imported from SageMaker's Model Registry.", new() { Exact = false })).ToBeVisibleAsync();
            await Expect(page.GetByText(arn).First).ToBeVisibleAsync(); // also the training run, which the package ARN stands for
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Copy model package ARN" })).ToBeVisibleAsync();
            await Expect(page.GetByText(group, new() { Exact = true })).ToBeVisibleAsync();
            await Expect(page.GetByText("This version was trained because drift was detected.")).ToHaveCountAsync(0);
            await stack.ScreenshotAsync(page, "imported-version");
            failed = false;
        }
        finally
        {
            if (failed)
            {
                await stack.ScreenshotAsync(page, "imported-version-failed");
            }
            await stack.CloseAsync(page, "imported-version", failed);
            await app.DisposeAsync();
        }
    }
}
