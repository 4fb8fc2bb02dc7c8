using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReleaseCenter.Benchmarks;

/// <summary>What a runtime answered, and when (Stopwatch timestamp at the moment the answer reached the stub).</summary>
public sealed record RuntimeAnswer(string Kind, string Body, long ReceivedAt);

/// <summary>
/// A local Lambda Runtime API: one invocation per run, and the moment its answer (response, error or init error)
/// arrives. The clock stops when the answer reaches this stub. Each run has an address of its own
/// (host:port/{run}, which a runtime prefixes to /2018-06-01/runtime/…), so a killed runtime's stale long poll can
/// never take the next run's invocation.
/// </summary>
public sealed class RuntimeApiStub : IAsyncDisposable
{
    private const string Prefix = "/{run}/2018-06-01/runtime";
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (string Payload, TaskCompletionSource<RuntimeAnswer> Answer)> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _handedOut = new(StringComparer.Ordinal);

    private RuntimeApiStub(WebApplication app) => _app = app;

    /// <summary>host:port of the stub; a run's AWS_LAMBDA_RUNTIME_API is <see cref="Invoke"/>'s address.</summary>
    public string Address { get; private set; } = "";

    public static async Task<RuntimeApiStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new RuntimeApiStub(app);
        app.MapGet($"{Prefix}/invocation/next", (string run, HttpContext context) => stub.NextAsync(run, context));
        app.MapPost($"{Prefix}/invocation/{{id}}/response", (string run, HttpRequest r) => stub.AnswerAsync("response", run, r));
        app.MapPost($"{Prefix}/invocation/{{id}}/error", (string run, HttpRequest r) => stub.AnswerAsync("error", run, r));
        app.MapPost($"{Prefix}/init/error", (string run, HttpRequest r) => stub.AnswerAsync("init-error", run, r));
        await app.StartAsync().ConfigureAwait(false);
        stub.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Authority;
        return stub;
    }

    /// <summary>
    /// Prepares one run with one invocation: returns the AWS_LAMBDA_RUNTIME_API value for its process, and a task that
    /// completes when the runtime answers the invocation (or fails init).
    /// </summary>
    public (string RuntimeApi, Task<RuntimeAnswer> Answer) Invoke(string payload)
    {
        var run = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<RuntimeAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _runs[run] = (payload, answer);
        return ($"{Address}/{run}", answer.Task);
    }

    private async Task NextAsync(string run, HttpContext context)
    {
        if (!_runs.TryGetValue(run, out var invocation) || !_handedOut.TryAdd(run, 0))
        {
            // A run has one invocation: its runtime's next long poll waits until the process is killed.
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        context.Response.Headers["Lambda-Runtime-Aws-Request-Id"] = run;
        context.Response.Headers["Lambda-Runtime-Deadline-Ms"] = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:123456789012:function:benchmark";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(invocation.Payload).ConfigureAwait(false);
    }

    private async Task<IResult> AnswerAsync(string kind, string run, HttpRequest request)
    {
        var at = Stopwatch.GetTimestamp();
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync().ConfigureAwait(false);
        if (_runs.TryRemove(run, out var invocation))
        {
            invocation.Answer.TrySetResult(new RuntimeAnswer(kind, body, at));
        }
        return Results.Accepted();
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
