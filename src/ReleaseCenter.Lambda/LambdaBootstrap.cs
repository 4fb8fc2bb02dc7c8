using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using ReleaseCenter.Api;
using ReleaseCenter.Api.Exports;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Telemetry;
using ReleaseCenter.Lambda.Api;
using ReleaseCenter.Lambda.Runtime;

namespace ReleaseCenter.Lambda;

/// <summary>How the process was started. In Lambda everything comes from the environment; tests set the rest.</summary>
public sealed record LambdaBootstrapOptions
{
    /// <summary>The function's Handler setting (_HANDLER): "api", or the name of a task handler.</summary>
    public required string? Handler { get; init; }

    /// <summary>host:port of the Runtime API (AWS_LAMBDA_RUNTIME_API).</summary>
    public required string RuntimeApi { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public Func<ReleaseCenterSettings> Settings { get; init; } = ReleaseCenterSettings.FromEnvironment;

    /// <summary>Null in Lambda: the AWS SDK reads region, credentials and endpoints from the environment.</summary>
    public AwsClientOptions? Aws { get; init; }

    /// <summary>Runs after the product's registrations, so a test's registration replaces the product's.</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }
}

/// <summary>
/// One executable for every function: the Handler setting picks the HTTP API or a Step Functions task.
/// Init fails (reported to /runtime/init/error, exit 1) on missing settings or an unknown handler name.
/// </summary>
public static class LambdaBootstrap
{
    public const string ApiHandler = "api";

    /// <summary>Lambda's own name for this failure in its managed runtimes.</summary>
    public const string HandlerNotFound = "Runtime.HandlerNotFound";

    public static async Task<int> RunAsync(LambdaBootstrapOptions options, CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        InitTimings.Mark("main");
        using var runtime = new RuntimeApiClient(options.RuntimeApi);
        IHost host;
        InvocationHandler handler;
        try
        {
            (host, handler) = options.Handler == ApiHandler ? CreateApi(options) : CreateTask(options);
            InitTimings.Mark("host-built");
            await host.StartAsync(stop).ConfigureAwait(false);
            InitTimings.Mark("host-started");
            handler = FirstCallMarked(handler);
        }
#pragma warning disable CA1031 // Whatever stops init is reported to Lambda, which shows it as the init error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var error = ex is HandlerNotFoundException ? new LambdaError(HandlerNotFound, ex.Message) : new LambdaError(RuntimeLoop.ErrorType(ex), ex.Message);
            // No logger exists yet; stderr reaches the function's log group. Settings hold no secrets.
            await Console.Error.WriteLineAsync($"Init failed: {error.ErrorType}: {error.ErrorMessage}").ConfigureAwait(false);
            await runtime.FailInitAsync(error).ConfigureAwait(false);
            return 1;
        }
        try
        {
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, stop);
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RuntimeLoop).FullName!);
            var exitCode = await new RuntimeLoop(runtime, options.Handler!, handler, logger).RunAsync(stopping.Token).ConfigureAwait(false);
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            return exitCode;
        }
        finally
        {
            (host as IDisposable)?.Dispose();
        }
    }

    /// <summary>Marks the first invocation's start and end for <see cref="InitTimings"/>; later ones pass straight through.</summary>
    private static InvocationHandler FirstCallMarked(InvocationHandler handler)
    {
        var first = true;
        return async (payload, ct) =>
        {
            if (!first)
            {
                return await handler(payload, ct).ConfigureAwait(false);
            }
            first = false;
            InitTimings.Mark("invoked");
            var result = await handler(payload, ct).ConfigureAwait(false);
            InitTimings.Mark("handled");
            return result;
        };
    }

    /// <summary>The HTTP API as Lambda runs it; tests start it too and send events to its <see cref="ApiGatewayServer"/>.</summary>
    public static WebApplication BuildApi(LambdaBootstrapOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The empty builder, not the slim one: no configuration files or sources (our settings come from the environment,
        // ReleaseCenterSettings), no Kestrel (API Gateway events are the server). The slim builder's defaults cost ~100 ms of
        // a cold start here (tests/ReleaseCenter.Benchmarks coldstart); what the API needs of them is added below.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = options.Args.ToArray() });
        builder.Services.AddRoutingCore();
        InitTimings.Mark("builder");
        ConfigureLogging(builder.Logging, builder.Services);
        builder.Services.AddReleaseCenter(options.Settings(), options.Aws);
        builder.Services.AddReleaseCenterApi(jwt: null);
        builder.Services.AddApiGatewayHosting();
        options.ConfigureServices?.Invoke(builder.Services);
        InitTimings.Mark("services");
        var app = builder.Build();
        InitTimings.Mark("built");
        app.UseReleaseCenterApi();
        return app;
    }

    private static (IHost, InvocationHandler) CreateApi(LambdaBootstrapOptions options)
    {
        var app = BuildApi(options);
        var server = app.Services.GetRequiredService<ApiGatewayServer>();
        return (app, async (payload, ct) =>
        {
            var request = JsonSerializer.Deserialize(payload, HttpApiV2JsonContext.Default.HttpApiV2Request)
                ?? throw new JsonException("The invocation payload is not an HTTP API event.");
            var response = await server.InvokeAsync(request, ct).ConfigureAwait(false);
            return JsonSerializer.SerializeToUtf8Bytes(response, HttpApiV2JsonContext.Compact.HttpApiV2Response);
        });
    }

    private static (IHost, InvocationHandler) CreateTask(LambdaBootstrapOptions options)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = options.Args.ToArray() });
        InitTimings.Mark("builder");
        ConfigureLogging(builder.Logging, builder.Services);
        builder.Services.AddReleaseCenter(options.Settings(), options.Aws);
        builder.Services.AddExportJobs(); // the export function's handler (run-export) lives with the API's export writers
        options.ConfigureServices?.Invoke(builder.Services);
        InitTimings.Mark("services");
        var host = builder.Build();
        InitTimings.Mark("built");
        var handlers = host.Services.GetRequiredService<ITaskHandlers>();
        var name = options.Handler;
        if (string.IsNullOrEmpty(name) || !handlers.Has(name))
        {
            host.Dispose();
            throw new HandlerNotFoundException(
                $"No task handler is named '{name}'. The function's Handler setting must be '{ApiHandler}' or a task handler name.");
        }
        return (host, async (payload, ct) =>
            Encoding.UTF8.GetBytes(await handlers.InvokeAsync(name, Encoding.UTF8.GetString(payload), ct).ConfigureAwait(false)));
    }

    /// <summary>One JSON object per line: CloudWatch Logs Insights filters on its fields.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging, IServiceCollection services)
    {
        logging.ClearProviders();
        // Flat JSON (Functions/Telemetry/JsonLogLine): the release, execution, model, environment and request id of the
        // scopes become fields of their own. Registered as a formatter instance: no reflection-bound options under AOT.
        logging.AddConsole(o => o.FormatterName = JsonLineConsoleFormatter.FormatterName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, JsonLineConsoleFormatter>());
        logging.SetMinimumLevel(LogLevel.Information);
        // ASP.NET Core's per-request lines repeat what API Gateway's access log has, query string included.
        // Same for "challenged"/"forbidden" on every 401/403: the access log has the status.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        logging.AddFilter(typeof(ApiGatewayAuthenticationHandler).FullName, LogLevel.Warning);
        services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
    }

    private sealed class HandlerNotFoundException(string message) : Exception(message);
}
