using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ReleaseCenter.Integration.Tests.Api;

[Collection("emulator")]
public sealed class ModelsApiTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private ApiHost _api = null!;
    private HttpClient _engineer = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _engineer = await _api.As("alice", "ml-engineers");
    }

    public async Task DisposeAsync()
    {
        _engineer.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string VersionBody(string digest = Digest, string extra = "") => $$"""
        {"artifactUri":"s3://models/fraud/model.tar.gz","artifactDigest":"{{digest}}","framework":"xgboost",
         "datasets":[{"name":"train","uri":"s3://data/train.parquet","digest":"{{Digest}}"}],
         "hyperparameters":{"max_depth":6,"objective":"binary:logistic"},
         "metrics":{"auc":0.91,"latency_p95_ms":48.5},
         "inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":1}{{extra}}}
        """;

    private async Task<JsonElement> CreateModelAsync(string name, string project = "payments")
    {
        var response = await _engineer.PostAsync("/v1/models", Json($$"""{"name":"{{name}}","project":"{{project}}"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task RegisterModel_ThenTwoVersions_NumbersThem1And2_AndListsThem()
    {
        var model = await CreateModelAsync("fraud-detector");
        Assert.Equal("alice", model.GetProperty("createdBy").GetString());

        var v1 = await _engineer.PostAsync("/v1/models/fraud-detector/versions", Json(VersionBody()));
        var v2 = await _engineer.PostAsync("/v1/models/fraud-detector/versions", Json(VersionBody()));
        Assert.Equal(HttpStatusCode.Created, v1.StatusCode);
        Assert.Equal("/v1/models/fraud-detector/versions/2", v2.Headers.Location?.OriginalString);

        var list = await _engineer.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector/versions");
        var versions = list.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(0.91, versions[0].GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal(6, versions[0].GetProperty("hyperparameters").GetProperty("max_depth").GetInt32());
        Assert.Equal("train", versions[0].GetProperty("datasets")[0].GetProperty("name").GetString());

        var one = await _engineer.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector/versions/2");
        Assert.Equal("ml.m5.large", one.GetProperty("inferenceConfig").GetProperty("instanceType").GetString());
        var fetched = await _engineer.GetFromJsonAsync<JsonElement>("/v1/models/fraud-detector");
        Assert.Equal(2, fetched.GetProperty("latestVersion").GetInt32());
    }

    [Theory]
    [InlineData("""{"name":"churn","project":"payments",""", "body")]
    [InlineData("""{"name":"churn","project":"payments","colour":"red"}""", "colour")]
    [InlineData("""{"name":"Churn!","project":"payments"}""", "name")]
    [InlineData("""{"name":"churn","project":7}""", "project")]
    [InlineData("""{"project":"payments"}""", "name")]
    [InlineData("""null""", "body")]
    [InlineData("""[]""", "body")]
    public async Task CreateModel_WithBadInput_Is400NamingTheField_AndChangesNothing(string body, string field)
    {
        await CreateModelAsync("existing");
        var before = await _api.SnapshotAsync();

        var problem = await ProblemAsync(await _engineer.PostAsync("/v1/models", Json(body)), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    [Fact]
    public async Task CreateModel_WithADuplicateName_Is409NamingTheField_AndKeepsTheOriginal()
    {
        await CreateModelAsync("dupe", project: "first");
        var before = await _api.SnapshotAsync();

        var problem = await ProblemAsync(await _engineer.PostAsync("/v1/models", Json("""{"name":"dupe","project":"second"}""")), HttpStatusCode.Conflict);

        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.Equal(before, await _api.SnapshotAsync());
        Assert.Equal("first", (await _engineer.GetFromJsonAsync<JsonElement>("/v1/models/dupe")).GetProperty("project").GetString());
    }

    [Theory]
    [InlineData("sha256:abc", "", "artifactDigest")]
    [InlineData(Digest, ""","metrics":{"auc":"high"}""", "metrics.auc")]
    [InlineData(Digest, ""","version":7""", "version")]
    [InlineData(Digest, ""","inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":1,"gpu":true}""", "inferenceConfig.gpu")]
    [InlineData(Digest, ""","inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":0}""", "inferenceConfig.instanceCount")]
    public async Task CreateVersion_WithBadInput_Is400NamingTheField_AndChangesNothing(string digest, string extra, string field)
    {
        await CreateModelAsync("versioned");
        var before = await _api.SnapshotAsync();

        var response = await _engineer.PostAsync("/v1/models/versioned/versions", Json(FixBody(digest, extra)));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    /// <summary>A valid version body with the digest replaced and <paramref name="extra"/> members merged in.</summary>
    private static string FixBody(string digest, string extra)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(VersionBody(digest))!.AsObject();
        if (extra.Length > 0)
        {
            var more = System.Text.Json.Nodes.JsonNode.Parse("{" + extra.TrimStart(',') + "}")!.AsObject();
            foreach (var (key, value) in more.ToArray())
            {
                more.Remove(key);
                node[key] = value;
            }
        }
        return node.ToJsonString();
    }

    [Fact]
    public async Task CreateVersion_ForAnUnknownModel_Is404()
    {
        await ProblemAsync(await _engineer.PostAsync("/v1/models/nobody/versions", Json(VersionBody())), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task BodyOver1MB_Is413_AndChangesNothing()
    {
        await CreateModelAsync("big");
        var before = await _api.SnapshotAsync();
        var huge = $$"""{"name":"bigger","project":"payments","description":"{{new string('x', 1024 * 1024 + 10)}}"}""";

        await ProblemAsync(await _engineer.PostAsync("/v1/models", Json(huge)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    [Fact]
    public async Task NonJsonContentType_Is415()
    {
        await ProblemAsync(await _engineer.PostAsync("/v1/models", new StringContent("name=x", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task WithoutAToken_Is401ProblemJson_AndWithoutTheRole_Is403()
    {
        await ProblemAsync(await _api.Client.GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
        using var reader = await _api.As("bob", "approvers-prod");
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/models")).StatusCode);
        await ProblemAsync(await reader.PostAsync("/v1/models", Json("""{"name":"sneaky","project":"payments"}""")), HttpStatusCode.Forbidden);

        using var forged = new HttpClient { BaseAddress = _api.Client.BaseAddress };
        forged.DefaultRequestHeaders.Authorization = new("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUifQ.");
        await ProblemAsync(await forged.GetAsync("/v1/models"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ListModels_PagesWithACursor_AndFiltersByProject()
    {
        foreach (var name in new[] { "page-a", "page-b", "page-c" })
        {
            await CreateModelAsync(name, project: "paging");
        }
        await CreateModelAsync("other-project", project: "elsewhere");

        var first = await _engineer.GetFromJsonAsync<JsonElement>("/v1/models?project=paging&limit=2");
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await _engineer.GetFromJsonAsync<JsonElement>($"/v1/models?project=paging&limit=2&cursor={Uri.EscapeDataString(cursor!)}");

        var names = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(m => m.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["page-a", "page-b", "page-c"], names);
        Assert.False(second.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String);
    }

    [Theory]
    [InlineData("/v1/models?limit=0", "limit")]
    [InlineData("/v1/models?limit=abc", null)]
    [InlineData("/v1/models?cursor=not-a-cursor", "cursor")]
    [InlineData("/v1/models?project=Bad_Project", "project")]
    public async Task ListModels_WithBadQuery_Is400(string url, string? field)
    {
        var problem = await ProblemAsync(await _engineer.GetAsync(url), HttpStatusCode.BadRequest);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }

    [Fact]
    public async Task UnknownModelAndVersion_Are404ProblemJson()
    {
        await ProblemAsync(await _engineer.GetAsync("/v1/models/ghost"), HttpStatusCode.NotFound);
        await CreateModelAsync("real");
        await ProblemAsync(await _engineer.GetAsync("/v1/models/real/versions/9"), HttpStatusCode.NotFound);
        await ProblemAsync(await _engineer.GetAsync("/v1/models/ghost/versions"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Healthz_NeedsNoToken()
    {
        var health = await _api.Client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_DescribesEveryRoute()
    {
        var doc = await _api.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        // Every route the host maps, read from the host itself, so a new route cannot go undocumented.
        var expected = _api.App.Services.GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>().Endpoints
            .OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Select(e => "/" + System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.Trim('/'), @"\{(\w+):[^}]+\}", "{$1}"))
            .Where(p => !p.StartsWith("/openapi", StringComparison.Ordinal))
            // Served beside the API for the console, not part of it (docs/api.md): its sign-in config and the API reference.
            .Where(p => p != "/config.json" && !p.StartsWith("/docs", StringComparison.Ordinal))
            .Distinct()
            .ToArray();
        Assert.Contains("/v1/environments/{env}/rollback/preview", expected);
        Assert.Contains("/v1/metrics/delivery", expected);
        Assert.All(expected, p => Assert.Contains(p, paths));
        Assert.True(doc.GetProperty("paths").GetProperty("/v1/models").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task LocalInfo_NamesTheProvisionedTableBusAndEndpoint()
    {
        var info = await _api.Client.GetFromJsonAsync<JsonElement>("/v1/local/info");
        Assert.Equal(_api.TableName, info.GetProperty("tableName").GetString());
        Assert.Equal(emulator.ServiceUrl, info.GetProperty("awsEndpoint").GetString());

        using var events = new ReleaseCenter.Aws.Clients.EventBridgeClient(ReleaseCenter.Local.Emulator.LocalAws.ClientOptions(emulator.ServiceUrl));
        var bus = await events.DescribeEventBusAsync(info.GetProperty("eventBusName").GetString()!);
        Assert.EndsWith(info.GetProperty("eventBusName").GetString()!, bus.Arn, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("user=bad user")]
    [InlineData("user=alice&groups=Bad_Group")]
    public async Task LocalToken_WithBadInput_Is400(string query)
    {
        await ProblemAsync(await _api.Client.GetAsync($"/v1/local/token?{query}"), HttpStatusCode.BadRequest);
    }
}
