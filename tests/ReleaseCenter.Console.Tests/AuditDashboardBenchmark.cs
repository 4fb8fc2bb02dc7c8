using System.Diagnostics;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions;
using static Microsoft.Playwright.Assertions;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// Figures, printed with the run's output, not timed assertions: how long the audit page takes to
/// show its first page over 10,000 entries, and the dashboard to render over 1,000 releases (a fifth of each in CI: BenchmarkReport.Scaled), in
/// headless Chromium against the local stack. Seeded straight into the emulator's table.
/// </summary>
[Collection(BrowserCollections.Second)]
public sealed class AuditDashboardBenchmark(ConsoleFixture stack, BenchmarkReport report) : IClassFixture<BenchmarkReport>
{
    private static readonly int AuditEntries = BenchmarkReport.Scaled(10_000);
    private static readonly int Releases = BenchmarkReport.Scaled(1000);

    [Fact]
    public async Task AuditPage_ShowsItsFirstPageOverThousandsOfEntries_AndPrintsTheTime()
    {
        var project = $"bench-audit-{Guid.NewGuid().ToString("N")[..8]}";
        var seeding = Stopwatch.StartNew();
        var newest = await SeedAuditChainAsync(project, AuditEntries);
        seeding.Stop();

        var page = await stack.PageAsync("alice", "ml-engineers");
        try
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync("/audit");
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = newest.Subject }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var all = clock.Elapsed;

            clock.Restart();
            await page.GotoAsync($"/audit?project={project}");
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = newest.Subject }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
            var one = clock.Elapsed;
            report.Print($"console benchmark: audit log with {AuditEntries:N0} more entries ({seeding.Elapsed.TotalSeconds:F1} s to seed): first page shown "
                + $"{all.TotalMilliseconds:F0} ms after navigation, {one.TotalMilliseconds:F0} ms filtered to their project, headless Chromium, 2 cores");
        }
        finally
        {
            await stack.CloseAsync(page, "benchmark-audit", failed: false);
            await stack.DeleteItemsAsync(Enumerable.Range(1, AuditEntries).Select(seq => ($"AUDIT#{project}", $"SEQ#{seq:D12}")));
        }
    }

    [Fact]
    public async Task Dashboard_RendersOverHundredsOfReleases_AndPrintsTheTime()
    {
        var project = $"bench-dash-{Guid.NewGuid().ToString("N")[..8]}";
        var model = $"{project}-m";
        using (var api = await stack.ApiAsync("alice", "ml-engineers"))
        {
            (await api.PostAsync("/v1/models", ConsoleFixture.Json($$"""{"name":"{{model}}","project":"{{project}}"}"""))).EnsureSuccessStatusCode();
        }
        var store = stack.Services.GetRequiredService<IRegistryStore>();
        var start = DateTimeOffset.UtcNow.AddDays(-20);
        string[] environments = ["dev", "staging", "prod"];
        await Parallel.ForAsync(0, Releases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var at = start.AddMinutes(i * 25);
            var stages = environments.Select((env, n) => new ReleaseStage(env, ReleaseStatus.Released)
            {
                Deployment = new DeploymentRecord($"{model}-{env}", $"{model}-{env}-{i}", model, null, null, at.AddMinutes(n * 5), at.AddMinutes(n * 5 + 2)),
            }).ToArray();
            await store.CreateReleaseAsync(new Release($"rel-bench-{model}-{i:D4}", model, 1 + (i % 7), environments, null, ReleaseStatus.Released, stages,
                "bench", at, at, null, 1), ct);
        });

        var page = await stack.PageAsync("alice", "ml-engineers");
        try
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync($"/dashboard?project={project}");
            var delivery = page.GetByRole(AriaRole.Row).Filter(new() { HasText = model });
            await Expect(delivery).ToHaveCountAsync(3, new() { Timeout = 120_000 });
            var elapsed = clock.Elapsed;
            report.Print($"console benchmark: dashboard rendered the delivery figures of {Releases} releases (3 stages each) "
                + $"{elapsed.TotalMilliseconds:F0} ms after navigation, headless Chromium, 2 cores");
        }
        finally
        {
            await stack.CloseAsync(page, "benchmark-dashboard", failed: false);
            await stack.DeleteItemsAsync(Enumerable.Range(0, Releases).Select(i => ($"RELEASE#rel-bench-{model}-{i:D4}", "RELEASE")));
        }
    }

    /// <summary>
    /// A valid chain of <paramref name="count"/> entries for <paramref name="project"/>, written 25 at a
    /// time with BatchWriteItem in the layout DynamoAuditLog reads (its head is left out: nothing
    /// appends to this project). Returns the newest entry.
    /// </summary>
    private async Task<AuditEntry> SeedAuditChainAsync(string project, int count)
    {
        var dynamo = stack.Services.GetRequiredService<IAmazonDynamoDB>();
        var table = stack.Services.GetRequiredService<ReleaseCenterSettings>().TableName;
        var head = AuditHead.Empty;
        var at = DateTimeOffset.UtcNow.AddMilliseconds(-20.0 * count); // the newest lands at about now: first in the log
        var entries = new List<AuditEntry>(count);
        for (var i = 1; i <= count; i++)
        {
            var entry = AuditChain.Seal(new AuditRecord(project, "bench", "model.registered", $"model/{project}-{i:D5}",
                new Dictionary<string, string> { ["i"] = i.ToString(CultureInfo.InvariantCulture) }), head, at.AddMilliseconds(i * 20));
            head = new AuditHead(entry.Seq, entry.Hash);
            entries.Add(entry);
        }
        await Parallel.ForEachAsync(entries.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            var pending = batch.Select(e => new WriteRequest(new PutRequest(Item(e)))).ToList();
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                var result = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, ct);
                pending = result.UnprocessedItems is { } left && left.TryGetValue(table, out var again) ? again : [];
                if (attempt > 20)
                {
                    throw new InvalidOperationException("The emulator kept items unprocessed.");
                }
            }
        });
        return entries[^1];
    }

    private static Dictionary<string, AttributeValue> Item(AuditEntry e) => new()
    {
        [TableSchema.PartitionKey] = new AttributeValue { S = $"AUDIT#{e.Project}" },
        [TableSchema.SortKey] = new AttributeValue { S = $"SEQ#{e.Seq:D12}" },
        [TableSchema.ItemType] = new AttributeValue { S = "AuditEntry" },
        [TableSchema.Gsi1PartitionKey] = new AttributeValue { S = "AUDIT" },
        [TableSchema.Gsi1SortKey] = new AttributeValue { S = $"{AuditChain.FormatTime(e.At)}#{e.Project}#{e.Seq:D12}" },
        ["project"] = new AttributeValue { S = e.Project },
        ["seq"] = new AttributeValue { N = e.Seq.ToString(CultureInfo.InvariantCulture) },
        ["at"] = new AttributeValue { S = AuditChain.FormatTime(e.At) },
        ["actor"] = new AttributeValue { S = e.Actor },
        ["action"] = new AttributeValue { S = e.Action },
        ["subject"] = new AttributeValue { S = e.Subject },
        ["details"] = new AttributeValue { M = e.Details.ToDictionary(d => d.Key, d => new AttributeValue { S = d.Value }) },
        ["previousHash"] = new AttributeValue { S = e.PreviousHash },
        ["hash"] = new AttributeValue { S = e.Hash },
    };
}
