using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Correctness;
using Xunit.Sdk;

namespace ReleaseCenter.Integration.Tests.Fuzz;

/// <summary>
/// Property: whatever a client sends to any route of the OpenAPI description, the API answers below 500, every 4xx is
/// problem+json naming its status, and a write it refuses changes nothing in the table. Requests are generated from the
/// description itself (paths, parameters, body schemas) and then bent: wrong types, missing and extra fields, huge and
/// non-finite numbers, deep nesting, unicode and broken escapes, bad cursors and cursors of another listing, missing,
/// forged and under-privileged tokens. CsCheck shrinks a failing request to a small one and prints it.
/// RELEASE_CENTER_FUZZ_REQUESTS sets how many requests (default 10,000); RELEASE_CENTER_FUZZ_SEED replays a run.
/// </summary>
[Collection("emulator")]
public sealed class ApiFuzzTests(EmulatorFixture emulator, SoakReport report) : IClassFixture<SoakReport>
{
    /// <summary>The local stack's own routes (token minting, the fault switch) are not part of the product API in AWS.</summary>
    private const string LocalOnly = "/v1/local/";

    private static readonly string[] Methods = ["get", "post", "put", "delete", "patch"];

    [Fact]
    public async Task AnyRequest_IsAnsweredBelow500_WithProblemJsonOn4xx_AndARefusedWriteChangesNothing()
    {
        emulator.RequireLocal();
        // No task functions behind this host: a release the fuzzer manages to start fails at its first step instead of
        // writing to the table in the background, so "a refused write changed nothing" is measured on a still table.
        await using var api = await ApiHost.StartAsync(emulator, workflows: false);
        var world = await FuzzWorld.SeedAsync(api);
        var operations = Operations(await api.Client.GetStringAsync("/openapi/v1.json"));
        var gen = Request(operations, world);
        var counts = new ConcurrentDictionary<string, int[]>(StringComparer.Ordinal);
        var iterations = long.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_FUZZ_REQUESTS"), out var n) && n > 0 ? n : 10_000;
        var seed = Environment.GetEnvironmentVariable("RELEASE_CENTER_FUZZ_SEED");
        var table = new TableWatch(api);

        gen.Sample(request =>
        {
            var (status, contentType, body) = SendAsync(api.Client, request).GetAwaiter().GetResult();
            var tally = counts.GetOrAdd($"{request.Method} {request.Route}", _ => new int[3]);
            Interlocked.Increment(ref tally[status >= 400 ? 1 : 0]);
            if (status >= 500)
            {
                throw new InvalidOperationException($"{status} for {request}: {Cut(body)}");
            }
            if (status >= 400)
            {
                if (contentType != "application/problem+json")
                {
                    throw new InvalidOperationException($"{status} as {contentType ?? "no content type"} for {request}: {Cut(body)}");
                }
                using var problem = JsonDocument.Parse(body);
                if (!problem.RootElement.TryGetProperty("status", out var s) || s.GetInt32() != status || !problem.RootElement.TryGetProperty("title", out _))
                {
                    throw new InvalidOperationException($"{status} whose problem names no status {status} or no title for {request}: {Cut(body)}");
                }
            }
            if (request.Method != "GET")
            {
                table.AfterWrite(request, accepted: status < 400);
            }
        }, seed: seed, iter: iterations, threads: 1, print: r => r.ToString(), writeLine: report.Print);

        report.Print($"api fuzz: {counts.Values.Sum(c => c[0] + c[1])} requests over {counts.Count} routes; 5xx: 0; refused writes that changed the table: 0 " +
            $"(checked {table.Checked}, {table.Unchecked} left unchecked by an accepted write after them); per route (answered < 400 / 4xx):");
        foreach (var (route, c) in counts.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            report.Print($"  {route,-58} {c[0],5} / {c[1],5}");
        }
        Assert.Equal(operations.Count, counts.Count); // every operation of the description was exercised
        Assert.True(counts.Values.Sum(c => c[0]) > iterations / 20, "Almost nothing was accepted: the generator no longer reaches the handlers.");
    }

    /// <summary>
    /// Snapshots the table around refused writes: a run of them must leave it as it was. Checked every
    /// <see cref="RunLength"/> refused writes (a scan of the emulated table costs more than a request), so a failure
    /// names the run; a write the API accepts changes the table, so the refused ones before it in an unchecked run are
    /// counted as unchecked. A refused write should produce no event either, so the table is read without waiting for the relay.
    /// </summary>
    private sealed class TableWatch(ApiHost api)
    {
        private const int RunLength = 8;
        private readonly List<FuzzRequest> _run = [];
        private IReadOnlyList<string>? _before;

        public int Checked { get; private set; }

        public int Unchecked { get; private set; }

        public void AfterWrite(FuzzRequest request, bool accepted)
        {
            if (accepted)
            {
                Unchecked += _run.Count;
                _run.Clear();
                _before = null; // the next run starts from the table as this write (and the relay, once drained) left it
                return;
            }
            _before ??= api.SnapshotAsync().GetAwaiter().GetResult();
            _run.Add(request);
            if (_run.Count < RunLength)
            {
                return;
            }
            var after = api.ScanAsync().GetAwaiter().GetResult();
            if (!_before.SequenceEqual(after))
            {
                var changed = after.Except(_before).Concat(_before.Except(after).Select(i => "removed: " + i)).Take(5);
                throw new InvalidOperationException($"A refused write changed the table; one of:\n{string.Join("\n", _run)}\nchanged:\n{string.Join("\n", changed)}");
            }
            Checked += _run.Count;
            _run.Clear();
        }
    }

    private static async Task<(int Status, string? ContentType, string Body)> SendAsync(HttpClient client, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.Query);
        if (request.Token is { } token)
        {
            message.Headers.TryAddWithoutValidation("Authorization", token);
        }
        if (request.Body is { } body)
        {
            message.Content = new StringContent(body, Encoding.UTF8);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        }
        using var response = await client.SendAsync(message);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static string Cut(string text) => text.Length <= 600 ? text : text[..600] + "…";

    /// <summary>Every operation of the description but the local stack's own.</summary>
    private static List<Operation> Operations(string openApi)
    {
        var doc = JsonDocument.Parse(openApi).RootElement.Clone();
        var operations = new List<Operation>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject().Where(p => !p.Name.StartsWith(LocalOnly, StringComparison.Ordinal)))
        {
            foreach (var op in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var parameters = op.Value.TryGetProperty("parameters", out var ps) ? ps.EnumerateArray().ToList() : [];
                JsonElement? body = op.Value.TryGetProperty("requestBody", out var rb) && rb.GetProperty("content").TryGetProperty("application/json", out var json)
                    ? json.GetProperty("schema") : null;
                operations.Add(new Operation(op.Name.ToUpperInvariant(), path.Name, parameters, body, new SchemaGen(doc)));
            }
        }
        return operations;
    }

    private static Gen<FuzzRequest> Request(IReadOnlyList<Operation> operations, FuzzWorld world) =>
        Gen.Int[0, operations.Count - 1].SelectMany(i => operations[i].Gen(world));
}

internal sealed record Operation(string Method, string Route, IReadOnlyList<JsonElement> Parameters, JsonElement? Body, SchemaGen Schemas)
{
    public Gen<FuzzRequest> Gen(FuzzWorld world)
    {
        var pathParams = Parameters.Where(p => p.GetProperty("in").GetString() == "path").ToList();
        var queryParams = Parameters.Where(p => p.GetProperty("in").GetString() == "query").ToList();
        var path = pathParams.Aggregate(CsCheck.Gen.Const(Route), (g, p) => g.SelectMany(route =>
            Values.PathSegment(p, world).Select(v => route.Replace("{" + p.GetProperty("name").GetString() + "}", v, StringComparison.Ordinal))));
        var query = queryParams.Aggregate(CsCheck.Gen.Const(new List<string>()), (g, p) => g.SelectMany(list =>
            CsCheck.Gen.Frequency((1, CsCheck.Gen.Const<string?>((string?)null)), (1, Values.Query(p, world).Select(v => (string?)v))).Select(v =>
            {
                var next = new List<string>(list);
                if (v is not null)
                {
                    next.Add($"{p.GetProperty("name").GetString()}={Uri.EscapeDataString(v)}");
                }
                return next;
            })));
        var body = Body is { } schema
            ? CsCheck.Gen.Frequency(
                (12, Schemas.Value(schema, 0, world).Select(j => (Text: (string?)j, Type: "application/json"))),
                (1, Values.Broken.Select(j => (Text: (string?)j, Type: "application/json"))),
                (1, CsCheck.Gen.Const((Text: (string?)"model=x", Type: "application/x-www-form-urlencoded"))),
                (1, CsCheck.Gen.Const((Text: (string?)null, Type: "application/json"))))
            : CsCheck.Gen.Frequency(
                (8, CsCheck.Gen.Const((Text: (string?)null, Type: "application/json"))),
                (1, Values.Broken.Select(j => (Text: (string?)j, Type: "application/json"))));
        var token = CsCheck.Gen.Frequency(
            (14, CsCheck.Gen.Const(world.Admin)),
            (2, CsCheck.Gen.Const(world.Engineer)),
            (2, CsCheck.Gen.Const(world.Approver)),
            (1, CsCheck.Gen.Const<string?>((string?)null)),
            (1, CsCheck.Gen.OneOf<string?>("Bearer", "Bearer not.a.jwt", "Basic bGVuYTpwYXNz", world.Forged, world.Admin + "x")));
        return CsCheck.Gen.Select(path, query, body, token, (p, q, b, t) =>
            new FuzzRequest(Method, Route, p, q.Count == 0 ? "" : "?" + string.Join("&", q), b.Text, b.Type, t));
    }
}

/// <summary>One generated request; printed as a curl command when the property fails.</summary>
internal sealed record FuzzRequest(string Method, string Route, string Path, string Query, string? Body, string ContentType, string? Token)
{
    public override string ToString() =>
        $"curl -X {Method} '{Path}{Query}'" + (Token is null ? "" : $" -H 'Authorization: {(Token.Length > 40 ? Token[..20] + "…" : Token)}'")
        + (Body is null ? "" : $" -H 'Content-Type: {ContentType}' --data '{(Body.Length > 400 ? Body[..400] + "…" : Body)}'");
}

/// <summary>What the fuzzer can name to reach past the 404s: real models, versions, releases, environments, cursors and tokens.</summary>
internal sealed record FuzzWorld(string Model, string ReleaseId, IReadOnlyList<string> Cursors, string? Admin, string? Engineer, string? Approver, string Forged)
{
    public static readonly string[] Environments = ["dev", "staging", "prod"];

    public static async Task<FuzzWorld> SeedAsync(ApiHost api)
    {
        var admin = await api.As("lena", "release-admins", "ml-engineers");
        var model = $"fuzz-{Guid.NewGuid():N}"[..16];
        foreach (var name in new[] { model, model + "-b" })
        {
            (await admin.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{name}}","project":"payments"}"""))).EnsureSuccessStatusCode();
        }
        (await admin.PostAsync($"/v1/models/{model}/versions", ReleaseDriver.Json($$$"""
            {"artifactUri":"s3://models/a.tar.gz","artifactDigest":"{{{ReleaseDriver.Digest}}}","framework":"xgboost",
             "image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1.7","metrics":{"auc":0.93,"latency_p95_ms":80}}
            """))).EnsureSuccessStatusCode();
        var release = await admin.PostAsync("/v1/releases", ReleaseDriver.Json($$"""{"model":"{{model}}","version":1,"environments":["dev"]}"""));
        release.EnsureSuccessStatusCode();
        var releaseId = JsonDocument.Parse(await release.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var cursors = new List<string>();
        foreach (var listing in new[] { "/v1/models?limit=1", "/v1/releases?limit=1", "/v1/audit?limit=1", $"/v1/models/{model}/versions?limit=1" })
        {
            var page = JsonDocument.Parse(await admin.GetStringAsync(listing)).RootElement;
            if (page.TryGetProperty("nextCursor", out var c) && c.ValueKind == JsonValueKind.String)
            {
                cursors.Add(c.GetString()!);
            }
        }
        var engineer = await api.As("alice", "ml-engineers");
        var approver = await api.As("sam", "approvers-staging");
        var adminToken = admin.DefaultRequestHeaders.Authorization!.ToString();
        // A token of the right shape whose signature is someone else's: the header and claims of a real one, the last part flipped.
        var forged = adminToken[..^4] + (adminToken.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");
        return new FuzzWorld(model, releaseId, cursors, adminToken, engineer.DefaultRequestHeaders.Authorization!.ToString(),
            approver.DefaultRequestHeaders.Authorization!.ToString(), forged);
    }
}

/// <summary>Values a parameter or a string field takes: mostly plausible, often hostile.</summary>
internal static class Values
{
    public static readonly Gen<string> Unicode = Gen.String[Gen.Char['\u0000', '\uffff'], 0, 12];

    public static readonly Gen<string> Ascii = Gen.String[Gen.Char[' ', '~'], 0, 16];

    /// <summary>Bodies that are not a JSON document of any schema: truncated, deep, non-finite, wrong encoding.</summary>
    public static readonly Gen<string> Broken = Gen.OneOf(
        Gen.OneOf("", "{", "[", "nul", "{\"a\":}", "{\"a\" 1}", "\"\\uD800\"", "{\"model\":\"\\ud83d\"}", "1e400", "-1e400", "NaN", "{}{}", "\u00ff\u00fe"),
        Gen.Int[50, 3000].Select(depth => new string('[', depth) + new string(']', depth)),
        Gen.Int[50, 3000].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)),
        Unicode.Select(s => JsonSerializer.Serialize(s)));

    /// <summary>
    /// A path segment. Not a NUL (%00): the local stack's web server (Kestrel) refuses that request line before any
    /// application code runs, with an empty 400; in AWS, API Gateway answers such requests.
    /// </summary>
    public static Gen<string> PathSegment(JsonElement parameter, FuzzWorld world)
    {
        var name = parameter.GetProperty("name").GetString();
        var plausible = name switch
        {
            "model" => Gen.OneOf(world.Model, world.Model + "-b", "no-such-model"),
            "env" => Gen.OneOf([.. FuzzWorld.Environments, "qa"]),
            "id" => Gen.OneOf(world.ReleaseId, "rel-20260101-000000-00000000", "rb-20260101-000000-00000000", "drift-1"),
            "version" => Gen.OneOf("1", "2", "0"),
            _ => Gen.OneOf("x", "consumer-1"),
        };
        return Gen.Frequency(
            (6, plausible),
            (1, Gen.OneOf("-1", "99999999999999999999", "1.5", "%2e%2e", "a%2Fb", "%ZZ", new string('a', 600), "\u00e9t\u00e9")),
            (1, Ascii.Where(s => s.Length > 0 && s.Trim('.').Length > 0).Select(Uri.EscapeDataString)));
    }

    /// <summary>A query value; long ones stay under the request line the web server accepts (8 KB; over it, a bodiless 414).</summary>
    public static Gen<string> Query(JsonElement parameter, FuzzWorld world)
    {
        var name = parameter.GetProperty("name").GetString();
        var type = parameter.TryGetProperty("schema", out var schema) && schema.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var plausible = (name, type) switch
        {
            ("cursor", _) => world.Cursors.Count > 0 ? Gen.OneOf(Gen.OneOf([.. world.Cursors]), Gen.OneOf("", "abc", "eyJ9", "%%%", "AAAA")) : Gen.OneOf("abc"),
            (_, "integer") => Gen.OneOf(Gen.Int[-3, 300].Select(i => i.ToString(CultureInfo.InvariantCulture)), Gen.OneOf("abc", "1.5", "99999999999999999999", "")),
            ("model", _) => Gen.OneOf(world.Model, "no-such-model"),
            ("environment", _) => Gen.OneOf([.. FuzzWorld.Environments, "qa"]),
            ("since" or "until" or "at", _) => Gen.OneOf("2026-01-01T00:00:00Z", "2026-13-45", "yesterday", "0", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"),
            ("format", _) => Gen.OneOf("csv", "json", "ndjson", "xml"),
            ("status", _) => Gen.OneOf("Released", "Rejected", "released", "Bogus"),
            ("interval", _) => Gen.OneOf("day", "week", "month", "hour"),
            ("against", _) => Gen.OneOf(world.ReleaseId, "live", "nothing"),
            _ => Gen.OneOf(world.Model, "payments", "lena"),
        };
        return Gen.Frequency((5, plausible), (1, Ascii), (1, Unicode), (1, Gen.Const(new string('9', 900))));
    }
}

/// <summary>JSON text for an OpenAPI schema: fields as described, then bent (wrong types, missing, extra, extreme values).</summary>
internal sealed class SchemaGen(JsonElement document)
{
    private static readonly Gen<string> WrongValue = Gen.OneOf(
        "null", "true", "0", "-1", "1.5", "1e308", "-0", "99999999999999999999999999", "\"\"", "\"x\"", "[]", "{}", "[1,[2,[3]]]", "\"2026-01-01T00:00:00Z\"");

    public Gen<string> Value(JsonElement schema, int depth, FuzzWorld world, string? field = null)
    {
        schema = Resolve(schema);
        return Gen.Frequency((10, Shaped(schema, depth, world, field)), (1, WrongValue));
    }

    private Gen<string> Shaped(JsonElement schema, int depth, FuzzWorld world, string? field)
    {
        if (schema.TryGetProperty("enum", out var values))
        {
            return Gen.OneOf(Gen.OneOf([.. values.EnumerateArray().Select(v => v.GetRawText())]), Gen.Const("\"NotAMember\""));
        }
        var type = TypeOf(schema);
        if (depth > 4)
        {
            return Gen.Const("null");
        }
        return type switch
        {
            "object" when schema.TryGetProperty("properties", out var properties) => Object(schema, properties, depth, world),
            "object" => Gen.OneOf("{}", "{\"auc\":0.9}", "{\"a\":\"b\",\"c\":1}"),
            "array" => (schema.TryGetProperty("items", out var items) ? Value(items, depth + 1, world, field) : WrongValue).List[0, 4]
                .Select(list => "[" + string.Join(",", list) + "]"),
            "integer" => Gen.Frequency((4, Gen.Int[0, 5].Select(i => i.ToString(CultureInfo.InvariantCulture))),
                (1, Gen.OneOf("-1", "2147483648", "1e400", "86400"))),
            "number" => Gen.Frequency((4, Gen.Double[0, 1].Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
                (1, Gen.OneOf("-1e308", "1e400", "0.1e-400", "5e-324"))),
            "boolean" => Gen.OneOf("true", "false"),
            _ => String(schema, field, world),
        };
    }

    private Gen<string> Object(JsonElement schema, JsonElement properties, int depth, FuzzWorld world)
    {
        var required = schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet() : [];
        var fields = properties.EnumerateObject().Select(p =>
            Gen.Frequency(
                (required.Contains(p.Name) ? 20 : 6, Value(p.Value, depth + 1, world, p.Name).Select(v => (string?)$"{Quote(p.Name)}:{v}")),
                (1, Gen.Const<string?>((string?)null))));
        var extra = Gen.Frequency((8, Gen.Const<string?>((string?)null)), (1, Values.Ascii.Select(k => (string?)$"{Quote("x" + k)}:1")));
        return fields.Append(extra).Aggregate(Gen.Const(new List<string>()), (g, f) => g.SelectMany(list => f.Select(v =>
        {
            var next = new List<string>(list);
            if (v is not null)
            {
                next.Add(v);
            }
            return next;
        }))).Select(list => "{" + string.Join(",", list) + "}");
    }

    private static Gen<string> String(JsonElement schema, string? field, FuzzWorld world)
    {
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        var plausible = (field, format) switch
        {
            (_, "date-time") => Gen.OneOf("2026-01-01T00:00:00Z", "2026-02-30T00:00:00Z", "now"),
            ("model" or "name", _) => Gen.OneOf(world.Model, world.Model + "-b", "fuzz-new-model", "Bad Name!"),
            ("project", _) => Gen.OneOf("payments", "Bad Project"),
            ("environment", _) => Gen.OneOf([.. FuzzWorld.Environments, "qa"]),
            ("decision", _) => Gen.OneOf("approve", "reject", "maybe"),
            ("artifactDigest" or "bundleDigest" or "evaluationDigest", _) => Gen.OneOf(ReleaseDriver.Digest, "sha256:zz", ""),
            ("artifactUri", _) => Gen.OneOf("s3://models/a.tar.gz", "http://x", ""),
            ("toRelease" or "releaseId", _) => Gen.OneOf(world.ReleaseId, "rel-x"),
            _ => Gen.OneOf("x", "fuzz", "payments"),
        };
        return Gen.Frequency((5, plausible.Select(Quote)), (1, Values.Ascii.Select(Quote)), (1, Values.Unicode.Select(Quote)),
            (1, Gen.OneOf("\"\\ud800\"", "\"\\u0000\"", Quote(new string('x', 70_000)))));
    }

    private JsonElement Resolve(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return Resolve(document.GetProperty("components").GetProperty("schemas").GetProperty(name));
        }
        if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf))
        {
            return Resolve(oneOf.EnumerateArray().First(s => !(s.TryGetProperty("type", out var t) && t.GetString() == "null")));
        }
        return schema;
    }

    private static string? TypeOf(JsonElement schema) =>
        !schema.TryGetProperty("type", out var t) ? (schema.TryGetProperty("properties", out _) ? "object" : null)
        : t.ValueKind == JsonValueKind.String ? t.GetString()
        : t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x != "null");

    /// <summary>A JSON string literal with every non-ASCII character escaped, lone surrogates included (which the server must refuse cleanly).</summary>
    private static string Quote(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => sb.Append("\\\""),
                '\\' => sb.Append("\\\\"),
                < ' ' or > '~' => sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => sb.Append(c),
            };
        }
        return sb.Append('"').ToString();
    }
}
