using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Api.Http;

namespace ReleaseCenter.Integration.Tests.Api;

/// <summary>A refused request leaves one warning with the route, the caller and the reason, and never the token it carried.</summary>
[Collection("emulator")]
public sealed class DeniedRequestLogTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ApiHost _api = null!;
    private readonly Capture _logs = new();

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _api.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(_logs);
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Unauthenticated_Forbidden_AndRefusedRequests_AreLoggedWithRouteCallerAndReason_NeverTheToken()
    {
        using var anonymous = new HttpClient { BaseAddress = _api.Client.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/models")).StatusCode);

        const string Garbage = "eyJhbGciOiJIUzI1NiJ9.not-a-token.c2VjcmV0LXNpZ25hdHVyZQ";
        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Garbage);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/audit")).StatusCode);

        using var sam = await _api.As("sam", "approvers-staging");
        var samToken = sam.DefaultRequestHeaders.Authorization!.Parameter!;
        Assert.Equal(HttpStatusCode.Forbidden, (await sam.PostAsync("/v1/models", new StringContent("""{"name":"x","project":"p"}""",
            System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var denied = _logs.Lines.Where(l => l.Category == DeniedRequestLog.CategoryName).Select(l => l.Message).ToList();
        Assert.Equal(3, denied.Count);
        Assert.Contains(denied, m => m.StartsWith("Denied 401 GET /v1/models for anonymous: no bearer token", StringComparison.Ordinal));
        Assert.Contains(denied, m => m.StartsWith("Denied 401 GET /v1/audit for anonymous: the token is malformed", StringComparison.Ordinal));
        Assert.Contains(denied, m => m.StartsWith("Denied 403 POST /v1/models for sam: the caller's groups (approvers-staging) do not meet can-register (request ",
            StringComparison.Ordinal));
        Assert.All(_logs.Lines, l => Assert.DoesNotContain("not-a-token", l.Message, StringComparison.Ordinal));
        Assert.All(_logs.Lines, l => Assert.DoesNotContain(samToken, l.Message, StringComparison.Ordinal));
    }

    private sealed class Capture : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, string Message)> _lines = new();

        public IReadOnlyList<(string Category, string Message)> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(string, string)> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue((category, formatter(state, exception) + (exception is null ? "" : " " + exception)));
        }
    }
}
