using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Functions;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// Two collections, each with its own stack and browser, run side by side: one stack's emulator keeps about one of CI's
/// two cores busy. The classes are split between them by their measured time.
/// </summary>
public static class BrowserCollections
{
    public const string First = "browser";
    public const string Second = "browser-2";
}

[CollectionDefinition(BrowserCollections.First)]
public sealed class BrowserCollection : ICollectionFixture<ConsoleFixture>;

[CollectionDefinition(BrowserCollections.Second)]
public sealed class SecondBrowserCollection : ICollectionFixture<ConsoleFixture>;

/// <summary>
/// The real local stack (moto emulator, the API host with the built console) on a free port, the demo story
/// seeding in the background, and one headless Debian chromium driven by Playwright. Tests that change
/// state make their own model and release, so they never depend on each other's order.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string ChromiumVariable = "RELEASE_CENTER_CHROMIUM";
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private LocalAws? _aws;
    private WebApplication? _app;
    private IPlaywright? _playwright;
    private readonly CancellationTokenSource _stop = new();

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The host's services, for seeding data straight into its store (the catalog benchmark).</summary>
    public IServiceProvider Services => _app!.Services;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The demo story (fraud-detector v1–v5) seeding through the API; await it where a test needs its rows.</summary>
    public Task<bool> DemoReady { get; private set; } = Task.FromResult(false);

    /// <summary>Screenshots and failure traces: tests/ReleaseCenter.Console.Tests/TestResults/console.</summary>
    public string ArtifactsDir { get; } = Path.Combine(RepoRoot(), "tests", "ReleaseCenter.Console.Tests", "TestResults", "console");

    public async Task InitializeAsync()
    {
        var chromium = FindChromium();
        Assertions.SetDefaultExpectTimeout(30_000);
        Directory.CreateDirectory(ArtifactsDir);
        _aws = await LocalAws.StartAsync();
        _app = await LocalHost.BuildAsync(_aws.ServiceUrl, _aws.Functions, 0, $"ui-{Guid.NewGuid().ToString("N")[..8]}", CancellationToken.None,
            faults: _aws.Faults);
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        DemoReady = Task.Run(() => new Demo(BaseUrl, TextWriter.Null).RunAsync(_stop.Token));
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Debian's chromium as root in a sandbox-less container, with its calls home switched off (the network is closed).
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>
    /// A second host on the same emulator, with its own stage (table, buckets) and no workflows, changed by
    /// <paramref name="configure"/>: for a test that needs settings the shared host must not have. The caller disposes it.
    /// </summary>
    public async Task<(WebApplication App, Uri BaseUrl)> StartHostAsync(Action<IServiceCollection> configure)
    {
        var app = await LocalHost.BuildAsync(_aws!.ServiceUrl, null, 0, $"ui-{Guid.NewGuid().ToString("N")[..8]}", CancellationToken.None,
            faults: _aws.Faults, configure: configure);
        await app.StartAsync();
        return (app, new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await DemoReady;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or InvalidOperationException)
        {
            // stopping mid-story is expected when the tests end first
        }
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_aws is not null)
        {
            await _aws.DisposeAsync();
        }
        _stop.Dispose();
    }

    /// <summary>Debian's chromium: RELEASE_CENTER_CHROMIUM, else chromium (or chromium-browser, google-chrome) on PATH.</summary>
    public static string FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{ChromiumVariable} names {configured}, which does not exist. Install chromium: apt-get install -y chromium");
        }
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
        {
            var found = path.Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
            if (found is not null)
            {
                return found;
            }
        }
        throw new InvalidOperationException(
            $"No Chromium found for the browser tests. Install it: apt-get install -y chromium (or set {ChromiumVariable} to a Chromium binary).");
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries.");
    }

    public Task<(string Token, string ExpiresAt)> TokenAsync(string user, params string[] groups) => TokenAsync(BaseUrl, user, groups);

    /// <summary>A development token of the host at <paramref name="baseUrl"/> (each host signs its own).</summary>
    public async Task<(string Token, string ExpiresAt)> TokenAsync(Uri baseUrl, string user, params string[] groups)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        var t = await http.GetFromJsonAsync<JsonElement>($"/v1/local/token?user={user}&groups={string.Join(',', groups)}");
        return (t.GetProperty("token").GetString()!, t.GetProperty("expiresAt").GetString()!);
    }

    public Task<HttpClient> ApiAsync(string user, params string[] groups) => ApiAsync(BaseUrl, user, groups);

    public async Task<HttpClient> ApiAsync(Uri baseUrl, string user, params string[] groups)
    {
        var (token, _) = await TokenAsync(baseUrl, user, groups);
        var client = new HttpClient { BaseAddress = baseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A fresh browser context (its own storage) signed in as <paramref name="user"/>, the way the sign-in page does it.</summary>
    public Task<IPage> PageAsync(string? user = null, params string[] groups) => PageAsync(BaseUrl, user, groups);

    /// <summary>The same, against another host (one started by <see cref="StartHostAsync"/>).</summary>
    public async Task<IPage> PageAsync(Uri baseUrl, string? user, string[] groups)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
            AcceptDownloads = true,
            ReducedMotion = ReducedMotion.Reduce,
            TimezoneId = "UTC",
            Locale = "en-US",
        });
        if (user is not null)
        {
            var (token, expiresAt) = await TokenAsync(baseUrl, user, groups);
            var session = JsonSerializer.Serialize(new { token, expiresAt, user, groups, via = "local" });
            await context.AddInitScriptAsync($"window.localStorage.setItem('rc.session', {JsonSerializer.Serialize(session)});");
        }
        await context.Tracing.StartAsync(new TracingStartOptions { Screenshots = true, Snapshots = true });
        return await context.NewPageAsync();
    }

    /// <summary>Runs a test on a fresh page; a failure keeps the page's screenshot and trace under TestResults/console.</summary>
    public async Task OnPageAsync(string name, string? user, string[] groups, Func<IPage, Task> test)
    {
        var page = await PageAsync(user, groups);
        var failed = true;
        try
        {
            await test(page);
            failed = false;
        }
        finally
        {
            if (failed)
            {
                await ScreenshotAsync(page, $"{name}-failed");
            }
            await CloseAsync(page, name, failed);
        }
    }

    /// <summary>Keeps a screenshot of the page under TestResults/console/&lt;name&gt;.png.</summary>
    public Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDir, $"{name}.png"), FullPage = true });

    /// <summary>Closes the page's context; on failure keeps its trace (open with `npx playwright show-trace`).</summary>
    public async Task CloseAsync(IPage page, string name, bool failed)
    {
        await page.Context.Tracing.StopAsync(failed ? new TracingStopOptions { Path = Path.Combine(ArtifactsDir, $"{name}-trace.zip") } : new());
        await page.Context.CloseAsync();
    }

    /// <summary>A model of its own with one version, released by <paramref name="requester"/> to staging only: it waits there for approval.</summary>
    public async Task<(string Model, string ReleaseId)> WaitingInStagingAsync(string requester = "alice")
    {
        var model = $"ui-{Guid.NewGuid().ToString("N")[..10]}";
        using var client = await ApiAsync(requester, "ml-engineers");
        await RegisterAsync(client, model);
        var created = await client.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":1,"environments":["staging"],"notes":"browser test"}"""));
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitForAsync(client, id, r => r.GetProperty("stages")[0].GetProperty("status").GetString() == "AwaitingApproval");
        return (model, id);
    }

    /// <summary>A model of its own with two versions released to dev one after the other, and a consumer of its dev endpoint.</summary>
    public async Task<(string Model, string First, string Second)> TwoReleasesInDevAsync(HttpClient api)
    {
        var model = await RegisteredModelAsync();
        (await api.PostAsync($"/v1/models/{model}/versions", Json($$"""
            {"artifactUri":"s3://m/{{model}}-2.tar.gz","artifactDigest":"sha256:{{new string('b', 64)}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
             "metrics":{"auc":0.97,"latency_p95_ms":65} }
            """))).EnsureSuccessStatusCode();
        (await api.PostAsync("/v1/environments/dev/consumers", Json($$"""
            {"model":"{{model}}","name":"scoring-api","contact":"#ml-oncall","description":"Scores test traffic"}
            """))).EnsureSuccessStatusCode();
        var first = await ReleaseToDevAsync(api, model, 1);
        var second = await ReleaseToDevAsync(api, model, 2);
        return (model, first, second);
    }

    private static async Task<string> ReleaseToDevAsync(HttpClient api, string model, int version)
    {
        var created = await api.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":{{version}},"environments":["dev"]}"""));
        created.EnsureSuccessStatusCode();
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitForAsync(api, id, r => r.GetProperty("status").GetString() == "Released");
        return id;
    }

    /// <summary>
    /// Removes what a benchmark seeded straight into the table (BatchWriteItem, 25 keys a call), so
    /// the tests that run after it see the stack as the demo left it.
    /// </summary>
    public async Task DeleteItemsAsync(IEnumerable<(string Pk, string Sk)> keys)
    {
        var dynamo = Services.GetRequiredService<IAmazonDynamoDB>();
        var table = Services.GetRequiredService<ReleaseCenterSettings>().TableName;
        await Parallel.ForEachAsync(keys.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            var pending = batch.Select(k => new WriteRequest(new DeleteRequest(new Dictionary<string, AttributeValue>
            {
                ["PK"] = new() { S = k.Pk },
                ["SK"] = new() { S = k.Sk },
            }))).ToList();
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                var result = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, ct);
                pending = result.UnprocessedItems is { } left && left.TryGetValue(table, out var again) ? again : [];
                if (attempt > 20)
                {
                    throw new InvalidOperationException("The emulator kept deletes unprocessed.");
                }
            }
        });
    }

    public async Task<string> RegisteredModelAsync(string project = "console-tests")
    {
        var model = $"ui-{Guid.NewGuid().ToString("N")[..10]}";
        using var client = await ApiAsync("alice", "ml-engineers");
        await RegisterAsync(client, model, project);
        return model;
    }

    private static async Task RegisterAsync(HttpClient client, string model, string project = "console-tests")
    {
        (await client.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
        (await client.PostAsync($"/v1/models/{model}/versions", Json($$"""
            {"artifactUri":"s3://m/{{model}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
             "metrics":{"auc":0.95,"latency_p95_ms":70} }
            """))).EnsureSuccessStatusCode();
    }

    /// <summary>Polls the release until <paramref name="done"/> holds, for at most a minute.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var release = await client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
            if (done(release))
            {
                return release;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Release {id} did not reach the expected state: {release}");
            }
            await Task.Delay(200);
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
