using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Lambda.Api;

namespace ReleaseCenter.Lambda.Tests.Api;

/// <summary>The product's API exactly as the Lambda hosts it, started once; events go straight to its server.</summary>
public sealed class LambdaApiFixture : IAsyncLifetime
{
    private WebApplication _app = null!;

    public ApiGatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = LambdaBootstrap.BuildApi(new LambdaBootstrapOptions
        {
            Handler = LambdaBootstrap.ApiHandler,
            RuntimeApi = "127.0.0.1:9",
            Settings = TestHost.Settings,
            Aws = TestHost.Aws,
        });
        await _app.StartAsync();
        Server = _app.Services.GetRequiredService<ApiGatewayServer>();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Routing, authentication from the authorizer's claims, and validation, all before any AWS call.</summary>
public sealed class ReleaseCenterApiTests(LambdaApiFixture api) : IClassFixture<LambdaApiFixture>
{
    private static readonly Dictionary<string, string> Engineer = new() { ["sub"] = "u-1", ["name"] = "Alice", ["groups"] = "[ml-engineers]" };

    private Task<HttpApiV2Response> Send(HttpApiV2Request request) => api.Server.InvokeAsync(request, CancellationToken.None);

    private static JsonElement Json(HttpApiV2Response response)
    {
        Assert.False(response.IsBase64Encoded);
        return JsonDocument.Parse(response.Body!).RootElement;
    }

    [Fact]
    public async Task Healthz_WithoutClaims_Answers200Json()
    {
        var response = await Send(TestHost.Event("GET", "/healthz"));

        Assert.Equal(200, response.StatusCode);
        Assert.StartsWith("application/json", response.Headers!["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("ok", Json(response).GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReadingModels_WithoutClaims_Answers401ProblemJson()
    {
        var response = await Send(TestHost.Event("GET", "/v1/models"));

        Assert.Equal(401, response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Headers!["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(401, Json(response).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task RegisteringAModel_WithClaimsButNoEngineerGroup_Answers403()
    {
        var claims = new Dictionary<string, string> { ["sub"] = "u-2", ["groups"] = "[approvers-prod readers]" };

        var response = await Send(TestHost.Event("POST", "/v1/models", claims: claims, body: """{"name":"fraud","project":"payments"}""",
            headers: new Dictionary<string, string> { ["content-type"] = "application/json" }));

        Assert.Equal(403, response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Headers!["Content-Type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListingModels_AsEngineer_WithLimitZero_Answers400NamingTheLimit()
    {
        var response = await Send(TestHost.Event("GET", "/v1/models", "limit=0", Engineer));

        Assert.Equal(400, response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Headers!["Content-Type"], StringComparison.Ordinal);
        Assert.True(Json(response).GetProperty("errors").TryGetProperty("limit", out _));
    }

    /// <summary>415 means authorization passed (CanRegister needs ml-engineers) and the body check answered, before any AWS call.</summary>
    [Theory]
    [InlineData("groups", "[ml-engineers]")]
    [InlineData("groups", "[readers ml-engineers]")]
    [InlineData("groups", "readers,ml-engineers")]
    [InlineData("groups", """["readers","ml-engineers"]""")]
    [InlineData("cognito:groups", "[release-admins]")]
    [InlineData("cognito:groups", "ml-engineers")]
    public async Task RegisteringAModel_WithTheGroupInAnyClaimForm_PassesAuthorization(string claim, string value)
    {
        var claims = new Dictionary<string, string> { ["sub"] = "u-3", [claim] = value };

        var response = await Send(TestHost.Event("POST", "/v1/models", claims: claims, body: "name=fraud",
            headers: new Dictionary<string, string> { ["content-type"] = "text/plain" }));

        Assert.Equal(415, response.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Answers404Problem()
    {
        var response = await Send(TestHost.Event("GET", "/v1/nothing-here", claims: Engineer));

        Assert.Equal(404, response.StatusCode);
        Assert.StartsWith("application/problem+json", response.Headers!["Content-Type"], StringComparison.Ordinal);
    }
}
