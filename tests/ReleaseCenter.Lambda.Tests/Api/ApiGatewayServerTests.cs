using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Lambda.Api;

namespace ReleaseCenter.Lambda.Tests.Api;

/// <summary>A small app behind the adapter whose endpoints show what the request looked like.</summary>
public sealed class AdapterFixture : IAsyncLifetime
{
    private WebApplication _app = null!;

    public ApiGatewayServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddApiGatewayHosting();
        _app = builder.Build();
        _app.MapGet("/echo", (HttpRequest r) => string.Join('\n',
            $"method={r.Method}", $"scheme={r.Scheme}", $"pathBase={r.PathBase}", $"path={r.Path}",
            $"tags={string.Join(',', r.Query["tag"].ToArray())}", $"q={r.Query["q"]}", $"qs={r.QueryString}",
            $"host={r.Host}", $"agent={r.Headers.UserAgent}", $"ip={r.HttpContext.Connection.RemoteIpAddress}",
            $"trace={r.HttpContext.TraceIdentifier}"));
        _app.MapGet("/cookies", (HttpRequest request, HttpResponse response) =>
        {
            response.Cookies.Append("session", "s-2", new CookieOptions { HttpOnly = true, Path = "/" });
            response.Cookies.Append("theme", "dark");
            return string.Join(';', request.Cookies.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
        });
        _app.MapPost("/bytes", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Bytes(body.ToArray(), "application/octet-stream");
        });
        _app.MapPost("/text", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            return Results.Text($"{request.ContentLength}:{await reader.ReadToEndAsync()}", "text/plain; charset=utf-8");
        });
        _app.MapGet("/boom", string () => throw new InvalidOperationException("boom"));
        await _app.StartAsync();
        Server = _app.Services.GetRequiredService<ApiGatewayServer>();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>How HTTP API v2 events become requests and responses become v2 results.</summary>
public sealed class ApiGatewayServerTests(AdapterFixture adapter) : IClassFixture<AdapterFixture>
{
    private Task<HttpApiV2Response> Send(HttpApiV2Request request) => adapter.Server.InvokeAsync(request, CancellationToken.None);

    private async Task<Dictionary<string, string>> Echo(HttpApiV2Request request)
    {
        var response = await Send(request);
        Assert.Equal(200, response.StatusCode);
        return response.Body!.Split('\n').Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    [Fact]
    public async Task QueryString_WithRepeatedKeys_KeepsEveryValue_AndDecodesThem()
    {
        var echo = await Echo(TestHost.Event("GET", "/echo", "tag=a&tag=b&q=x%20y"));

        Assert.Equal("a,b", echo["tags"]);
        Assert.Equal("x y", echo["q"]);
        Assert.Equal("?tag=a&tag=b&q=x%20y", echo["qs"]);
    }

    [Fact]
    public async Task RequestLine_Headers_AndRequestContext_ReachTheRequest()
    {
        var request = TestHost.Event("GET", "/echo");

        var echo = await Echo(request);

        Assert.Equal(("GET", "https", "", "/echo"), (echo["method"], echo["scheme"], echo["pathBase"], echo["path"]));
        Assert.Equal(("api.example.test", "tests", "203.0.113.7"), (echo["host"], echo["agent"], echo["ip"]));
        Assert.Equal(request.RequestContext!.RequestId, echo["trace"]);
    }

    [Fact]
    public async Task NamedStage_BecomesThePathBase()
    {
        var echo = await Echo(TestHost.Event("GET", "/prod/echo", stage: "prod"));

        Assert.Equal(("/prod", "/echo"), (echo["pathBase"], echo["path"]));
    }

    [Fact]
    public async Task EventCookies_ReachTheRequest_AndSetCookieHeaders_BecomeTheCookiesArray()
    {
        var response = await Send(TestHost.Event("GET", "/cookies", cookies: ["theme=light", "session=s-1"]));

        Assert.Equal("session=s-1;theme=light", response.Body);
        Assert.Equal(["session=s-2; path=/; httponly", "theme=dark; path=/"], response.Cookies);
        Assert.DoesNotContain(response.Headers!.Keys, k => k.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task BinaryBody_RoundTripsAsBase64()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        var response = await Send(TestHost.Event("POST", "/bytes", body: Convert.ToBase64String(bytes), base64: true,
            headers: new Dictionary<string, string> { ["content-type"] = "application/octet-stream" }));

        Assert.Equal(200, response.StatusCode);
        Assert.True(response.IsBase64Encoded);
        Assert.Equal(bytes, Convert.FromBase64String(response.Body!));
    }

    [Fact]
    public async Task TextBody_StaysText_BothWays_WithItsByteLength()
    {
        var response = await Send(TestHost.Event("POST", "/text", body: "grüße",
            headers: new Dictionary<string, string> { ["content-type"] = "text/plain; charset=utf-8" }));

        Assert.False(response.IsBase64Encoded);
        Assert.Equal("7:grüße", response.Body);
    }

    [Fact]
    public async Task ExceptionEscapingThePipeline_Answers500WithoutBody()
    {
        var response = await Send(TestHost.Event("GET", "/boom"));

        Assert.Equal(500, response.StatusCode);
        Assert.Null(response.Body);
    }

    [Fact]
    public async Task UnknownRoute_Answers404()
    {
        var response = await Send(TestHost.Event("GET", "/missing"));

        Assert.Equal(404, response.StatusCode);
    }
}
