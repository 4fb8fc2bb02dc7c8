using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>The release catalog: filters, free text, newest first with a cursor, and export. Releases are seeded in the store directly.</summary>
[Collection("emulator")]
public sealed class CatalogTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 8, 0, 0, TimeSpan.Zero);
    private ApiHost _api = null!;
    private HttpClient _reader = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _reader = await _api.As("rita");
        var store = _api.App.Services.GetRequiredService<IRegistryStore>();
        (string Id, string Model, ReleaseStatus Status, string By, string Notes, string[] Envs)[] seed =
        [
            ("rel-a", "fraud", ReleaseStatus.Released, "alice", "Quarterly refresh", ["dev", "staging", "prod"]),
            ("rel-b", "fraud", ReleaseStatus.Rejected, "bob", "Tried the NEW tokenizer", ["dev", "staging"]),
            ("rel-c", "churn", ReleaseStatus.Released, "alice", "first, \"quoted\" release", ["dev"]),
            ("rel-d", "churn", ReleaseStatus.Cancelled, "carol", "line one\nline two", ["dev", "staging", "prod"]),
            ("rel-e", "fraud", ReleaseStatus.Released, "alice", "hotfix", ["dev"]),
        ];
        for (var i = 0; i < seed.Length; i++)
        {
            var s = seed[i];
            var release = Release.Create(s.Id, s.Model, 1, s.Envs, s.Notes, s.By, T0.AddDays(i)) with { Status = s.Status };
            await store.CreateReleaseAsync(release, CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _api.DisposeAsync();
    }

    private async Task<string[]> IdsAsync(string query)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var url = $"/v1/releases?{query}&limit=2" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            var page = await _reader.GetFromJsonAsync<JsonElement>(url);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!));
            cursor = page.TryGetProperty("nextCursor", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        while (cursor is not null);
        return ids.ToArray();
    }

    [Theory]
    [InlineData("", new[] { "rel-e", "rel-d", "rel-c", "rel-b", "rel-a" })]
    [InlineData("model=fraud", new[] { "rel-e", "rel-b", "rel-a" })]
    [InlineData("status=Released", new[] { "rel-e", "rel-c", "rel-a" })]
    [InlineData("model=churn&status=Released", new[] { "rel-c" })]
    [InlineData("status=Rejected,Cancelled", new[] { "rel-d", "rel-b" })]
    [InlineData("model=fraud&status=Released,Rejected,Released", new[] { "rel-e", "rel-b", "rel-a" })]
    [InlineData("requestedBy=alice", new[] { "rel-e", "rel-c", "rel-a" })]
    [InlineData("environment=prod", new[] { "rel-d", "rel-a" })]
    [InlineData("q=tokenizer", new[] { "rel-b" })]
    [InlineData("q=REL-C", new[] { "rel-c" })]
    [InlineData("q=churn", new[] { "rel-d", "rel-c" })]
    [InlineData("since=2026-10-02T00:00:00Z&until=2026-10-04T08:00:00Z", new[] { "rel-d", "rel-c", "rel-b" })]
    public async Task Filters_NarrowTheCatalog_NewestFirst_AcrossPages(string query, string[] expected) =>
        Assert.Equal(expected, await IdsAsync(query));

    [Theory]
    [InlineData("status=Shipped", "status")]
    [InlineData("status=Released,,Rejected", "status")]
    [InlineData("since=yesterday", "since")]
    [InlineData("since=0001-01-01T00:00:00Z", "since")]
    [InlineData("model=Bad_Model", "model")]
    public async Task BadFilters_Are400NamingTheField(string query, string field)
    {
        var response = await _reader.GetAsync($"/v1/releases?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task CsvExport_HasAHeaderAndOneQuotedRowPerRelease()
    {
        var response = await _reader.GetAsync("/v1/releases/export?format=csv&model=churn");
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("attachment", response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // UTF-8 byte order mark, for spreadsheets
        var rows = ParseCsv(System.Text.Encoding.UTF8.GetString(bytes[3..]));

        Assert.Equal(["id", "model", "version", "status", "stages", "requestedBy", "createdAt", "updatedAt", "bundleDigest", "notes"], rows[0]);
        Assert.Equal(3, rows.Count);
        Assert.Equal(("rel-d", "line one\nline two"), (rows[1][0], rows[1][9]));
        Assert.Equal(("rel-c", "first, \"quoted\" release"), (rows[2][0], rows[2][9]));
    }

    [Fact]
    public async Task JsonlExport_HasOneObjectPerLine()
    {
        var text = await _reader.GetStringAsync("/v1/releases/export?format=jsonl&status=Released");
        var ids = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString());
        Assert.Equal(["rel-e", "rel-c", "rel-a"], ids);
    }

    [Fact]
    public async Task Export_WithAnUnknownFormat_Is400()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _reader.GetAsync("/v1/releases/export?format=xlsx")).StatusCode);
    }

    /// <summary>A strict RFC 4180 reader, so the test checks what a spreadsheet would read.</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') { quoted = false; }
                else { field.Append(c); }
            }
            else if (c == '"') { quoted = true; }
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); }
            else if (c != '\r') { field.Append(c); }
        }
        return rows;
    }
}
