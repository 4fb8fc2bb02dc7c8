using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Audit;

/// <summary>The audit routes over HTTP, on the real host. Entries are seeded through the log itself with a clock the test sets.</summary>
[Collection("emulator")]
public sealed class AuditApiTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private ApiHost _api = null!;
    private HttpClient _reader = null!;
    private TestClock _clock = null!;
    private DynamoAuditLog _log = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _reader = await _api.As("carol", "approvers-prod");
        _clock = new TestClock(T0);
        _log = new DynamoAuditLog(_api.Dynamo, _api.TableName, _clock);
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _api.DisposeAsync();
    }

    /// <summary>Seeds a fixed history: 12 entries one minute apart over two projects, three actors and three actions.</summary>
    private async Task<List<AuditEntry>> SeedAsync()
    {
        string[] actors = ["alice", "bob", "=HYPERLINK(\"http://x\")"];
        string[] actions = ["model.registered", "release.requested", "release.approved"];
        var entries = new List<AuditEntry>();
        for (var i = 0; i < 12; i++)
        {
            _clock.Now = T0.AddMinutes(i).AddTicks(1234); // sub-millisecond noise the log drops
            entries.Add(await _log.AppendAsync(new AuditRecord(i % 3 == 0 ? "lending" : "payments", actors[i % 3], actions[i % 3],
                i % 2 == 0 ? "model/fraud" : $"release/rel-{i:D2}",
                new Dictionary<string, string> { ["i"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["note"] = "line one\nsaid \"ok\", then é" }),
                CancellationToken.None));
        }
        return entries;
    }

    private async Task<JsonElement> GetJsonAsync(string url)
    {
        var response = await _reader.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static List<long> Seqs(JsonElement page, string project) =>
        page.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("project").GetString() == project).Select(i => i.GetProperty("seq").GetInt64()).ToList();

    [Fact]
    public async Task List_IsNewestFirst_WithEveryMember_AndPagesWithACursor()
    {
        var seeded = await SeedAsync();

        var seen = new List<JsonElement>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await GetJsonAsync($"/v1/audit?limit=5{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.Clone()));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(12, seen.Count);
        Assert.True(pages >= 3);
        var newestFirst = seeded.AsEnumerable().Reverse().ToList();
        Assert.Equal(newestFirst.Select(e => (e.Project, e.Seq)), seen.Select(i => (i.GetProperty("project").GetString()!, i.GetProperty("seq").GetInt64())));
        var top = seen[0];
        var last = newestFirst[0];
        Assert.Equal("2026-11-22T09:11:00.000Z", top.GetProperty("at").GetString());
        Assert.Equal(last.Actor, top.GetProperty("actor").GetString());
        Assert.Equal(last.Action, top.GetProperty("action").GetString());
        Assert.Equal(last.Subject, top.GetProperty("subject").GetString());
        Assert.Equal(last.Hash, top.GetProperty("hash").GetString());
        Assert.Equal(last.PreviousHash, top.GetProperty("previousHash").GetString());
        Assert.Equal("11", top.GetProperty("details").GetProperty("i").GetString());
    }

    [Fact]
    public async Task List_FiltersByActorActionSubjectProjectAndTime()
    {
        await SeedAsync();

        var byActor = await GetJsonAsync("/v1/audit?actor=bob");
        Assert.Equal([7L, 5L, 3L, 1L], Seqs(byActor, "payments")); // i = 10, 7, 4, 1

        var byAction = await GetJsonAsync("/v1/audit?action=model.registered");
        Assert.Equal([4L, 3L, 2L, 1L], Seqs(byAction, "lending"));
        Assert.Empty(Seqs(byAction, "payments"));

        var byProject = await GetJsonAsync("/v1/audit?project=lending");
        Assert.Equal([4L, 3L, 2L, 1L], Seqs(byProject, "lending"));
        Assert.Empty(Seqs(byProject, "payments"));
        var badProject = await _reader.GetAsync("/v1/audit?project=" + Uri.EscapeDataString("not a project!"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badProject.StatusCode);
        Assert.Contains("project", await badProject.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var bySubject = await GetJsonAsync("/v1/audit?subject=release%2Frel-07");
        var only = Assert.Single(bySubject.GetProperty("items").EnumerateArray());
        Assert.Equal("release/rel-07", only.GetProperty("subject").GetString());

        // Inclusive bounds: minutes 3..5, given with sub-millisecond and offset noise.
        var byTime = await GetJsonAsync("/v1/audit?since=" + Uri.EscapeDataString("2026-11-22T10:03:00.000+01:00") + "&until=2026-11-22T09:05:00.0001Z");
        Assert.Equal(["2026-11-22T09:05:00.000Z", "2026-11-22T09:04:00.000Z", "2026-11-22T09:03:00.000Z"],
            byTime.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("at").GetString()));

        var combined = await GetJsonAsync("/v1/audit?actor=alice&since=2026-11-22T09:04:00Z&limit=1");
        Assert.Equal("2026-11-22T09:09:00.000Z", Assert.Single(combined.GetProperty("items").EnumerateArray()).GetProperty("at").GetString());
    }

    [Fact]
    public async Task ExportCsv_IsAnAttachment_WithAHeaderAndOneRowPerEntry()
    {
        var seeded = await SeedAsync();

        var response = await _reader.GetAsync("/v1/audit/export?format=csv");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // UTF-8 byte order mark, for spreadsheets
        var rows = Csv.Parse(Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3));

        Assert.Equal(["project", "seq", "at", "actor", "action", "subject", "details", "previousHash", "hash"], rows[0]);
        Assert.Equal(seeded.Count, rows.Count - 1);
        for (var i = 0; i < seeded.Count; i++)
        {
            var (row, e) = (rows[i + 1], seeded[i]); // oldest first
            Assert.Equal(9, row.Length);
            Assert.Equal([e.Project, e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), AuditChain.FormatTime(e.At)], row[..3]);
            Assert.Equal(e.Actor.StartsWith('=') ? "'" + e.Actor : e.Actor, row[3]); // a formula is neutralised
            Assert.Equal([e.Action, e.Subject], row[4..6]);
            using var details = JsonDocument.Parse(row[6]);
            Assert.Equal("line one\nsaid \"ok\", then é", details.RootElement.GetProperty("note").GetString());
            Assert.Equal([e.PreviousHash, e.Hash], row[7..9]);
        }
    }

    [Fact]
    public async Task ExportJsonl_HasOneObjectPerLine_ThatReHashesToItsHash()
    {
        var seeded = await SeedAsync();

        var response = await _reader.GetAsync("/v1/audit/export?format=jsonl&since=2026-11-22T09:02:00Z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');
        Assert.Equal("", lines[^1]); // every line ends with a newline
        Assert.Equal(seeded.Count - 2, lines.Length - 1);
        foreach (var line in lines[..^1])
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            // What anyone holding the export can do: rebuild the entry and recompute its hash.
            var entry = new AuditEntry(o.GetProperty("project").GetString()!, o.GetProperty("seq").GetInt64(), o.GetProperty("at").GetDateTimeOffset(),
                o.GetProperty("actor").GetString()!, o.GetProperty("action").GetString()!, o.GetProperty("subject").GetString()!,
                o.GetProperty("details").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                o.GetProperty("previousHash").GetString()!, o.GetProperty("hash").GetString()!);
            Assert.Equal(entry.Hash, AuditChain.ComputeHash(entry));
        }
    }

    [Fact]
    public async Task Export_TakesTheListingsFilters()
    {
        var seeded = await SeedAsync();

        var text = await _reader.GetStringAsync("/v1/audit/export?format=jsonl&project=lending&action=model.registered");
        var exported = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).Select(o => (o.GetProperty("project").GetString(), o.GetProperty("seq").GetInt64())).ToArray();
        Assert.Equal(seeded.Where(e => e.Project == "lending" && e.Action == "model.registered").Select(e => ((string?)e.Project, e.Seq)), exported);
        Assert.NotEmpty(exported);

        var bad = await _reader.GetAsync("/v1/audit/export?actor=" + new string('a', 1000));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("actor", out _));
    }

    [Fact]
    public async Task Export_OfAnEmptyRange_IsJustTheHeader()
    {
        await SeedAsync();
        var response = await _reader.GetAsync("/v1/audit/export?since=2030-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = Csv.Parse((await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF'));
        Assert.Single(rows);
    }

    [Fact]
    public async Task Verify_IsValid_ThenReportsTheTamperedEntry()
    {
        await SeedAsync();

        var all = await GetJsonAsync("/v1/audit/verify");
        Assert.True(all.GetProperty("valid").GetBoolean());
        Assert.Equal(12, all.GetProperty("entriesChecked").GetInt64());
        Assert.True(!all.TryGetProperty("firstInvalidSeq", out var none) || none.ValueKind == JsonValueKind.Null);

        var one = await GetJsonAsync("/v1/audit/verify?project=lending");
        Assert.True(one.GetProperty("valid").GetBoolean());
        Assert.Equal(4, one.GetProperty("entriesChecked").GetInt64());

        await new Tamper(_api.Dynamo, _api.TableName).ChangeDetailAsync("payments", 5, "i", "tampered");

        var broken = await GetJsonAsync("/v1/audit/verify");
        Assert.False(broken.GetProperty("valid").GetBoolean());
        Assert.Equal(5, broken.GetProperty("firstInvalidSeq").GetInt64());
        Assert.Equal("payments", broken.GetProperty("project").GetString());
        Assert.Equal(4 + 4, broken.GetProperty("entriesChecked").GetInt64()); // lending's chain, then payments' up to the break
        Assert.Contains("modified", broken.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var stillFine = await GetJsonAsync("/v1/audit/verify?project=lending");
        Assert.True(stillFine.GetProperty("valid").GetBoolean());
    }

    [Theory]
    [InlineData("/v1/audit?limit=0", "limit")]
    [InlineData("/v1/audit?since=yesterday", "since")]
    [InlineData("/v1/audit?until=2026-13-01", "until")]
    [InlineData("/v1/audit?since=2026-11-22T10:00:00Z&until=2026-11-22T09:00:00Z", "until")]
    [InlineData("/v1/audit?action=Release%20Approved", "action")]
    [InlineData("/v1/audit?cursor=not-a-cursor", "cursor")]
    [InlineData("/v1/audit/export?format=xlsx", "format")]
    [InlineData("/v1/audit/export?format=csv&since=soon", "since")]
    [InlineData("/v1/audit/verify?project=Not_A_Project", "project")]
    public async Task BadParameters_Are400_NamingTheField(string url, string field)
    {
        var response = await _reader.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("/v1/audit")]
    [InlineData("/v1/audit/export?format=csv")]
    [InlineData("/v1/audit/verify")]
    public async Task WithoutAToken_Is401(string url)
    {
        var response = await _api.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAuditRoutes()
    {
        var doc = await _api.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/audit", out _));
        Assert.True(paths.TryGetProperty("/v1/audit/export", out _));
        Assert.True(paths.TryGetProperty("/v1/audit/verify", out _));
    }

    /// <summary>A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF record ends, line breaks inside quotes.</summary>
    private static class Csv
    {
        public static List<string[]> Parse(string text)
        {
            var rows = new List<string[]>();
            var row = new List<string>();
            var field = new StringBuilder();
            var i = 0;
            while (i < text.Length)
            {
                if (text[i] == '"' && field.Length == 0)
                {
                    i++;
                    while (true)
                    {
                        Assert.True(i < text.Length, "unterminated quoted field");
                        if (text[i] == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"')
                            {
                                field.Append('"');
                                i += 2;
                                continue;
                            }
                            i++;
                            break;
                        }
                        field.Append(text[i++]);
                    }
                    Assert.True(i == text.Length || text[i] is ',' or '\r', "text after a closing quote");
                }
                else if (text[i] == ',')
                {
                    row.Add(field.ToString());
                    field.Clear();
                    i++;
                }
                else if (text[i] == '\r')
                {
                    Assert.True(i + 1 < text.Length && text[i + 1] == '\n', "records end with CRLF");
                    row.Add(field.ToString());
                    field.Clear();
                    rows.Add([.. row]);
                    row.Clear();
                    i += 2;
                }
                else
                {
                    Assert.False(text[i] is '"' or '\n', "a quote or line feed in an unquoted field");
                    field.Append(text[i++]);
                }
            }
            Assert.True(field.Length == 0 && row.Count == 0, "the last record lacks its CRLF");
            return rows;
        }
    }
}
