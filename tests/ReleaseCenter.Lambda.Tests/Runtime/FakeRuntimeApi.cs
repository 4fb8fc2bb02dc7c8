using System.Globalization;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReleaseCenter.Lambda.Tests.Runtime;

/// <summary>What the runtime told the Runtime API: "response", "error" or "init-error".</summary>
public sealed record RuntimeReport(string Kind, string? RequestId, string? ErrorType, string Body);

/// <summary>
/// The Lambda Runtime API on a free loopback port: hands out queued invocations to /next (a long poll,
/// as in Lambda) and records every response, error and init error.
/// </summary>
public sealed class FakeRuntimeApi : IAsyncDisposable
{
    private const string Prefix = "/2018-06-01/runtime";
    private readonly Channel<(string Id, string Payload, DateTimeOffset Deadline, string? TraceId)> _queue = Channel.CreateUnbounded<(string, string, DateTimeOffset, string?)>();
    private readonly Channel<RuntimeReport> _reports = Channel.CreateUnbounded<RuntimeReport>();
    private readonly WebApplication _app;
    private int _nextCalls;

    private FakeRuntimeApi(WebApplication app) => _app = app;

    /// <summary>host:port, the form of AWS_LAMBDA_RUNTIME_API.</summary>
    public string Address { get; private set; } = "";

    /// <summary>How many times the runtime asked for an invocation.</summary>
    public int NextCalls => Volatile.Read(ref _nextCalls);

    public static async Task<FakeRuntimeApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeRuntimeApi(app);
        app.MapGet($"{Prefix}/invocation/next", fake.NextAsync);
        app.MapPost($"{Prefix}/invocation/{{id}}/response", (string id, HttpRequest r) => fake.RecordAsync("response", id, r));
        app.MapPost($"{Prefix}/invocation/{{id}}/error", (string id, HttpRequest r) => fake.RecordAsync("error", id, r));
        app.MapPost($"{Prefix}/init/error", (HttpRequest r) => fake.RecordAsync("init-error", null, r));
        await app.StartAsync();
        fake.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
        return fake;
    }

    public void Enqueue(string requestId, string payload, TimeSpan? timeout = null, string? traceId = null) =>
        _queue.Writer.TryWrite((requestId, payload, DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(30)), traceId));

    public async Task<RuntimeReport> NextReportAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        return await _reports.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Waits until the runtime is blocked in its next long poll.</summary>
    public async Task WaitForNextCallsAsync(int count)
    {
        var until = DateTime.UtcNow.AddSeconds(15);
        while (NextCalls < count)
        {
            Assert.True(DateTime.UtcNow < until, $"The runtime asked for {NextCalls} invocations, not {count}.");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A runtime still in its long poll must not hold the test up for Kestrel's 30 s drain.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }

    private async Task NextAsync(HttpContext context)
    {
        Interlocked.Increment(ref _nextCalls);
        var (id, payload, deadline, traceId) = await _queue.Reader.ReadAsync(context.RequestAborted);
        context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = id;
        context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:test";
        if (traceId is not null)
        {
            context.Response.Headers["Lambda-Runtime-Trace-Id"] = traceId;
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(payload);
    }

    private async Task<IResult> RecordAsync(string kind, string? id, HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync();
        var errorType = request.Headers["Lambda-Runtime-Function-Error-Type"].ToString();
        await _reports.Writer.WriteAsync(new RuntimeReport(kind, id, errorType.Length > 0 ? errorType : null, body));
        return Results.Accepted();
    }
}
