using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using Xunit.Abstractions;
using Xunit.Sdk;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// Figures for the console's speed, printed with the test run's output (not timed assertions): the gzip size of
/// what the first page load fetches, and how long the catalog takes to show 1,000 releases (200 in CI) in headless Chromium.
/// The assertion is only that it does show them.
/// </summary>
[Collection(BrowserCollections.Second)]
public sealed partial class CatalogBenchmark(ConsoleFixture stack, BenchmarkReport report) : IClassFixture<BenchmarkReport>
{
    private static readonly int Releases = BenchmarkReport.Scaled(1000);

    [Fact]
    public async Task Catalog_ShowsItsSeededReleases_AndPrintsTheInitialBundleSizeAndTheTime()
    {
        var dist = Path.Combine(ConsoleFixture.RepoRoot(), "src", "ReleaseCenter.Web", "dist");
        var index = await File.ReadAllTextAsync(Path.Combine(dist, "index.html"));
        var initial = AssetPattern().Matches(index).Select(m => m.Groups[1].Value).Distinct().ToList();
        long js = 0, css = 0;
        foreach (var asset in initial)
        {
            var size = Gzipped(Path.Combine(dist, asset.TrimStart('/')));
            if (asset.EndsWith(".css", StringComparison.Ordinal)) css += size;
            else js += size;
        }
        var model = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
        var store = stack.Services.GetRequiredService<IRegistryStore>();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        await Parallel.ForAsync(0, Releases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var at = start.AddMinutes(i);
            await store.CreateReleaseAsync(new Release($"rel-bench-{model}-{i:D4}", model, 1 + (i % 7), ["dev", "staging", "prod"], null,
                ReleaseStatus.Released, [new ReleaseStage("dev", ReleaseStatus.Released), new ReleaseStage("staging", ReleaseStatus.Released),
                    new ReleaseStage("prod", ReleaseStatus.Released)], "bench", at, at, null, 1), ct);
        });

        var page = await stack.PageAsync("alice", "ml-engineers");
        try
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync($"/releases?model={model}");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Releases", Level = 1 })).ToContainTextAsync($"({Releases})",
                new() { Timeout = 120_000 });
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = $"{model} v" }).First).ToBeVisibleAsync();
            var elapsed = clock.Elapsed;
            Print($"console benchmark: index.html loads {initial.Count} files before any page chunk: JS {js / 1024.0:F0} KiB gzip, CSS {css / 1024.0:F0} KiB gzip");
            Print($"console benchmark: catalog showed {Releases} releases ({(Releases + 99) / 100} API pages of 100) {elapsed.TotalMilliseconds:F0} ms after navigation, headless Chromium, 2 cores");
        }
        finally
        {
            await stack.CloseAsync(page, "benchmark", failed: false);
            await stack.DeleteItemsAsync(Enumerable.Range(0, Releases).Select(i => ($"RELEASE#rel-bench-{model}-{i:D4}", "RELEASE")));
        }
    }

    private void Print(string line) => report.Print(line);

    private static long Gzipped(string path)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        using (var input = File.OpenRead(path))
        {
            input.CopyTo(gzip);
        }
        return output.Length;
    }

    [GeneratedRegex("(?:src|href)=\"(/assets/[^\"]+\\.(?:js|css))\"")]
    private static partial Regex AssetPattern();
}

/// <summary>Prints figures with the test run's output (xunit diagnostic messages).</summary>
public sealed class BenchmarkReport(IMessageSink sink)
{
    /// <summary>
    /// RELEASE_CENTER_CONSOLE_BENCHMARK_PERCENT (1–100, default 100) scales how many items the console benchmarks seed
    /// into the emulator: CI runs them at 20% to keep inside its time; by hand they run at full size.
    /// </summary>
    public const string PercentVariable = "RELEASE_CENTER_CONSOLE_BENCHMARK_PERCENT";

    public void Print(string line) => sink.OnMessage(new DiagnosticMessage(line));

    public static int Scaled(int full) =>
        int.TryParse(Environment.GetEnvironmentVariable(PercentVariable), out var percent) && percent is >= 1 and <= 100
            ? Math.Max(1, full * percent / 100)
            : full;
}
