using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseCenter.Api.Auth;

namespace ReleaseCenter.Integration.Tests.Api;

/// <summary>
/// What the console stands on in the local host: the SPA served beside the API without swallowing API errors,
/// the sign-in configuration, the API reference, vote eligibility with every reason, and an OpenAPI description
/// that the console's generated types are built from (and that must not go stale).
/// </summary>
[Collection("emulator")]
public sealed class ConsoleHostTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string RefreshVariable = "RELEASE_CENTER_UPDATE_OPENAPI";
    private ApiHost _api = null!;

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync(emulator);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ClientRoutes_GetTheConsole_ButUnknownApiPathsKeepTheirProblemJson404()
    {
        var page = await _api.Client.GetAsync("/releases/rel-20990101-000000-abcdef01?panel=approve");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"root\">", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());

        var api = await _api.Client.GetAsync("/v1/no-such-route");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

        // A write to a client route is not the console's: no HTML answers it.
        var post = await _api.Client.PostAsync("/releases", Json("{}"));
        Assert.NotEqual(HttpStatusCode.OK, post.StatusCode);
        Assert.NotEqual("text/html", post.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ConsoleAssets_AreCachedForever_BecauseTheirNamesCarryAHash()
    {
        var index = await _api.Client.GetStringAsync("/");
        var script = System.Text.RegularExpressions.Regex.Match(index, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
        Assert.NotEmpty(script);

        var asset = await _api.Client.GetAsync(script);

        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", asset.Headers.CacheControl?.ToString());
    }

    [Fact]
    public async Task ConfigJson_OffersTheDemoUsersWithTheirGroups_WithoutAToken()
    {
        var config = await _api.Client.GetFromJsonAsync<JsonElement>("/config.json");

        Assert.Equal("local", config.GetProperty("auth").GetString());
        var users = config.GetProperty("users").EnumerateArray()
            .ToDictionary(u => u.GetProperty("name").GetString()!, u => string.Join(',', u.GetProperty("groups").EnumerateArray().Select(g => g.GetString())));
        Assert.Equal("ml-engineers", users["alice"]);
        Assert.Equal("approvers-staging", users["sam"]);
        Assert.Equal("approvers-prod", users["pat"]);
        Assert.Equal("approvers-prod", users["quinn"]);
        Assert.Equal("release-admins", users["lena"]);
    }

    [Fact]
    public async Task Docs_ServeTheApiReferenceOverThisHostsDescription()
    {
        var docs = await _api.Client.GetAsync("/docs/");

        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        var html = await docs.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.Ordinal);
        // The reference's script is served by this host, not fetched from a CDN (the network may be closed).
        var script = await _api.Client.GetAsync("/docs/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    [Fact]
    public async Task Eligibility_ListsEveryReason_AndAgreesWithTheVote()
    {
        using var alice = await _api.As("alice", "ml-engineers");
        var model = emulator.UniqueName("elig");
        (await alice.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"payments"}"""))).EnsureSuccessStatusCode();
        (await alice.PostAsync($"/v1/models/{model}/versions", Json($$"""
            {"artifactUri":"s3://m/{{model}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
             "metrics":{"auc":0.95,"latency_p95_ms":70} }
            """))).EnsureSuccessStatusCode();
        var created = await alice.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":1,"environments":["staging"]}"""));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // Before the stage waits, nobody may vote, and the answer says so.
        var early = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/approvals/eligibility");
        Assert.False(early.GetProperty("canVote").GetBoolean());
        await WaitForAsync(alice, id, r => r.GetProperty("stages")[0].GetProperty("status").GetString() == "AwaitingApproval");

        var own = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/approvals/eligibility");
        Assert.False(own.GetProperty("canVote").GetBoolean());
        Assert.Equal("staging", own.GetProperty("environment").GetString());
        Assert.Equal(["NotAnApprover", "SelfApproval"], own.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("kind").GetString()!));
        Assert.Equal(["approvers-staging"], own.GetProperty("approverGroups").EnumerateArray().Select(g => g.GetString()!));
        Assert.True(own.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        // The vote is refused for the first of those reasons, in the same words.
        var refused = await alice.PostAsync($"/v1/releases/{id}/approvals", Json("""{"decision":"approve"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(own.GetProperty("reasons")[0].GetProperty("message").GetString()!, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var sam = await _api.As("sam", "approvers-staging");
        var approver = await sam.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/approvals/eligibility");
        Assert.True(approver.GetProperty("canVote").GetBoolean());
        Assert.Empty(approver.GetProperty("reasons").EnumerateArray());
        Assert.Equal(1, approver.GetProperty("remaining").GetInt32());

        var missing = await sam.GetAsync("/v1/releases/rel-20990101-000000-abcdef01/approvals/eligibility");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Nothing deploys while the stage waits for approval: no split to show.
        var traffic = await sam.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/traffic");
        Assert.False(traffic.GetProperty("shifting").GetBoolean());
        Assert.Equal(JsonValueKind.Null, traffic.GetProperty("environment").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await sam.GetAsync("/v1/releases/rel-20990101-000000-abcdef01/traffic")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDescription_IsTheSnapshotTheConsoleTypesAreGeneratedFrom()
    {
        var live = JsonNode.Parse(await _api.Client.GetStringAsync("/openapi/v1.json"))!;
        var path = Path.Combine(RepoRoot(), "src", "ReleaseCenter.Web", "openapi.json");
        if (Environment.GetEnvironmentVariable(RefreshVariable) == "1")
        {
            await File.WriteAllTextAsync(path, live.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }
        var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(path))!;

        Assert.True(JsonNode.DeepEquals(live, snapshot),
            "src/ReleaseCenter.Web/openapi.json is stale: the API changed, so the console's generated types would drift from it. Refresh it with " +
            $"`{RefreshVariable}=1 dotnet test tests/ReleaseCenter.Integration.Tests --filter OpenApiDescription`, then rebuild the console.");
    }

    [Fact]
    public async Task OpenApiDescription_DeclaresSecurityOperationIdsAndProblemAnswers()
    {
        var doc = JsonNode.Parse(await _api.Client.GetStringAsync("/openapi/v1.json"))!;
        Assert.Equal("http", (string)doc["components"]!["securitySchemes"]!["bearer"]!["type"]!);
        Assert.NotNull(doc["info"]!["license"]);
        Assert.All(doc["tags"]!.AsArray(), t => Assert.False(string.IsNullOrWhiteSpace((string?)t!["description"])));

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (route, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                var where = $"{method.ToUpperInvariant()} {route}";
                Assert.True(ids.Add((string)op!["operationId"]!), $"{where}: operationId missing or repeated");
                var anonymous = op["security"]!.AsArray().Count == 0;
                var responses = op["responses"]!.AsObject();
                Assert.True(anonymous || responses.ContainsKey("401"), $"{where}: no 401");
                if (route.Contains('{', StringComparison.Ordinal))
                {
                    Assert.True(responses.ContainsKey("404"), $"{where}: no 404");
                }
                foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('4')))
                {
                    Assert.True(response!["content"]?["application/problem+json"] is not null, $"{where} {status}: not problem+json");
                }
            }
        }
        Assert.Contains("/v1/releases/{id}/approvals/eligibility", doc["paths"]!.AsObject().Select(p => p.Key));
        Assert.True(anonymousOnly(doc, "/healthz") && anonymousOnly(doc, "/v1/local/token"));

        static bool anonymousOnly(JsonNode doc, string route) => doc["paths"]![route]!["get"]!["security"]!.AsArray().Count == 0;
    }

    [Fact]
    public void UserId_NamesCognitoUsersByUserName_NotTheirOpaqueSubject()
    {
        var cognito = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", "7c1f0a52-2b7e-4b7a-9d8e-2f1e0c9a1b3d"), new Claim("token_use", "access"), new Claim("username", "sam")], "jwt"));
        var other = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice"), new Claim("username", "mallory")], "jwt"));

        Assert.Equal("sam", Roles.UserId(cognito));
        Assert.Equal("alice", Roles.UserId(other));
    }

    [Fact]
    public void AClientCredentialsToken_IsTheAppClient_WithTheRolesItsScopesName_AndOnlyCognitosAccessTokensCount()
    {
        var ci = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim("sub", "4m1c2s3a"), new Claim("client_id", "4m1c2s3a"), new Claim("token_use", "access"),
            new Claim("scope", "release-center/ml-engineers other-api/write"),
        ], "jwt"));
        Assert.Equal("app/4m1c2s3a", Roles.UserId(ci));
        Assert.Equal(["ml-engineers"], Roles.GroupsOf(ci));

        // An ID token, or another issuer's token, does not turn scopes into roles.
        var idToken = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim("sub", "x"), new Claim("token_use", "id"), new Claim("scope", "release-center/release-admins")], "jwt"));
        var other = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "x"), new Claim("scope", "release-center/release-admins")], "jwt"));
        Assert.Empty(Roles.GroupsOf(idToken));
        Assert.Empty(Roles.GroupsOf(other));
    }

    private static async Task WaitForAsync(HttpClient client, string id, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var release = await client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");
            if (done(release))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out: {release}");
            await Task.Delay(200);
        }
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries.");
    }
}
