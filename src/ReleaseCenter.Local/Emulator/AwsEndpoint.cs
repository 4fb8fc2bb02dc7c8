using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ReleaseCenter.Local.Emulator;

/// <summary>
/// The one local AWS endpoint: it answers the Lambda Invoke API by running our handlers
/// in-process, and forwards every other request to moto unchanged. Both our SDK clients and
/// moto's state machine integrations (MOTO_PORT) talk to it.
/// </summary>
public sealed class AwsEndpoint : IAsyncDisposable
{
    private const string InvokePrefix = "/2015-03-31/functions/";
    private const string InvokeSuffix = "/invocations";
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Expect", "Content-Length",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _http;
    private readonly LambdaFunctions _functions;
    private readonly ILogger _logger;
    private readonly List<Task> _asyncInvocations = [];
    private Uri? _moto;

    private AwsEndpoint(WebApplication app, LambdaFunctions functions)
    {
        _app = app;
        _functions = functions;
        _logger = app.Logger;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            AllowAutoRedirect = false,
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromMinutes(5) };
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>
    /// Told of every request this endpoint served once it is answered (benchmarks count AWS calls with it): the
    /// service ("lambda" for an invocation, whose operation is the function's name), the operation, how long it took
    /// and the request's body. Null (the default): nothing is recorded.
    /// </summary>
    public Action<AwsCall>? Observer { get; set; }

    /// <summary>Faults to inject into the requests this endpoint serves (none unless armed).</summary>
    public AwsFaults Faults { get; } = new();

    public int Port => Url.Port;

    public static async Task<AwsEndpoint> StartAsync(LambdaFunctions functions, ILoggerFactory? loggerFactory, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        var app = builder.Build();
        var endpoint = new AwsEndpoint(app, functions);
        app.Run(endpoint.HandleAsync);
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.Url = new Uri(address);
        return endpoint;
    }

    /// <summary>Set once moto is listening; until then forwarded requests get 503.</summary>
    public void ForwardTo(Uri moto) => _moto = moto;

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (HttpMethods.IsPost(context.Request.Method) && path.StartsWith(InvokePrefix, StringComparison.Ordinal) && path.EndsWith(InvokeSuffix, StringComparison.Ordinal))
        {
            await InvokeAsync(context, path[InvokePrefix.Length..^InvokeSuffix.Length]).ConfigureAwait(false);
            return;
        }
        await ForwardAsync(context).ConfigureAwait(false);
    }

    private async Task InvokeAsync(HttpContext context, string functionPart)
    {
        var name = LambdaFunctions.NameFrom(functionPart);
        if (!_functions.TryGet(name, out var function))
        {
            await WriteJsonAsync(context, 404, new Dictionary<string, string>
            {
                ["Type"] = "User",
                ["message"] = $"Function not found: {name}",
            }, extraHeader: ("x-amzn-ErrorType", "ResourceNotFoundException")).ConfigureAwait(false);
            return;
        }
        string payload;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            payload = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        }
        if (string.IsNullOrWhiteSpace(payload))
        {
            payload = "{}";
        }

        if (string.Equals(context.Request.Headers["X-Amz-Invocation-Type"], "Event", StringComparison.Ordinal))
        {
            // Async invocation: accepted now, run in the background like Lambda's event queue. Faults apply as to a synchronous one.
            var asyncFault = Faults.Next("lambda", name, payload);
            lock (_asyncInvocations)
            {
                _asyncInvocations.RemoveAll(t => t.IsCompleted);
                _asyncInvocations.Add(Task.Run(async () =>
                {
                    try
                    {
                        if (asyncFault?.Kind == "latency")
                        {
                            await Task.Delay(asyncFault.Latency).ConfigureAwait(false);
                        }
                        if (asyncFault?.Kind == "fail")
                        {
                            _logger.LogWarning("Injected fault: the async invocation of {Function} failed before it ran", name);
                            return;
                        }
                        var asyncStarted = System.Diagnostics.Stopwatch.GetTimestamp();
                        await function(payload, CancellationToken.None).ConfigureAwait(false);
                        Observer?.Invoke(new AwsCall("lambda", name, System.Diagnostics.Stopwatch.GetElapsedTime(asyncStarted), payload));
                        if (asyncFault?.Kind == "twice")
                        {
                            await function(payload, CancellationToken.None).ConfigureAwait(false);
                        }
                    }
#pragma warning disable CA1031 // An async invocation's failure has nowhere to go but the log, as in Lambda.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        _logger.LogError(ex, "Async invocation of {Function} failed", name);
                    }
                }));
            }
            context.Response.StatusCode = 202;
            return;
        }

        string result;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var fault = Faults.Next("lambda", name, payload);
            if (fault?.Kind == "latency")
            {
                await Task.Delay(fault.Latency, context.RequestAborted).ConfigureAwait(false);
            }
            if (fault?.Kind == "fail")
            {
                throw new ReleaseCenter.Domain.Workflow.WorkflowErrorException("Injected.Failure", $"Injected fault: {name} failed before it ran.");
            }
            var crash = fault?.Kind == "crash" ? CrashAfterFirstWrite.Arm() : null;
            try
            {
                result = await function(payload, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception) when (crash?.Fired == true)
            {
                // However the handler met the dead "process", the caller sees what Lambda reports for a sandbox that died.
                throw new ReleaseCenter.Domain.Workflow.WorkflowErrorException("Sandbox.Timedout", $"Injected fault: {name} crashed right after {crash.AfterWrite}.");
            }
            if (fault?.Kind == "twice")
            {
                result = await function(payload, context.RequestAborted).ConfigureAwait(false);
            }
            else if (crash is not null)
            {
                // It wrote nothing: it dies before answering.
                throw new ReleaseCenter.Domain.Workflow.WorkflowErrorException("Sandbox.Timedout", $"Injected fault: {name} crashed before answering (it wrote nothing).");
            }
        }
#pragma warning disable CA1031 // Any handler failure becomes a Lambda function error, exactly as the Lambda service reports it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Observer?.Invoke(new AwsCall("lambda", name, System.Diagnostics.Stopwatch.GetElapsedTime(started), payload));
            context.Response.Headers["X-Amz-Function-Error"] = "Unhandled";
            await WriteJsonAsync(context, 200, new Dictionary<string, string>
            {
                ["errorType"] = ex is ReleaseCenter.Domain.Workflow.WorkflowErrorException workflowError ? workflowError.ErrorType : ex.GetType().Name,
                ["errorMessage"] = ex.Message,
            }).ConfigureAwait(false);
            return;
        }
        Observer?.Invoke(new AwsCall("lambda", name, System.Diagnostics.Stopwatch.GetElapsedTime(started), payload));
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers["X-Amz-Executed-Version"] = "$LATEST";
        await context.Response.WriteAsync(result, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ForwardAsync(HttpContext context)
    {
        if (_moto is null)
        {
            context.Response.StatusCode = 503;
            return;
        }
        var request = context.Request;
        var forwarded = System.Diagnostics.Stopwatch.GetTimestamp();
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_moto, request.Path.Value + request.QueryString.Value));
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        if (await InjectFaultAsync(context, body).ConfigureAwait(false))
        {
            return;
        }
        if (body.Length > 0 || request.ContentLength is not null)
        {
            message.Content = new ByteArrayContent(body.ToArray());
        }
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }
            if (!message.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                message.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(header.Key))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        if (Observer is { } observer)
        {
            var target = request.Headers["X-Amz-Target"].ToString();
            var dot = target.IndexOf('.', StringComparison.Ordinal);
            var (service, operation) = dot > 0
                ? (ServiceByTargetPrefix.GetValueOrDefault(target[..dot], target[..dot]), target[(dot + 1)..])
                : (ServiceOfRestRequest(request), request.Method);
            observer(new AwsCall(service, operation, System.Diagnostics.Stopwatch.GetElapsedTime(forwarded), Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length)));
        }
    }

    /// <summary>A REST-protocol request's service, from the signing scope in its Authorization header (…/us-east-1/s3/aws4_request).</summary>
    private static string ServiceOfRestRequest(HttpRequest request)
    {
        var parts = request.Headers.Authorization.ToString().Split('/');
        return parts.Length > 3 ? parts[3] : "other";
    }

    /// <summary>Applies an armed fault to a JSON-protocol request (X-Amz-Target names service and operation); true when the request is answered.</summary>
    private async Task<bool> InjectFaultAsync(HttpContext context, MemoryStream body)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var dot = target.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !ServiceByTargetPrefix.TryGetValue(target[..dot], out var service))
        {
            return false;
        }
        var fault = Faults.Next(service, target[(dot + 1)..], Encoding.UTF8.GetString(body.GetBuffer(), 0, (int)body.Length));
        switch (fault?.Kind)
        {
            case null:
                return false;
            case "latency":
                await Task.Delay(fault.Latency, context.RequestAborted).ConfigureAwait(false);
                return false;
            case "drop":
                context.Abort();
                return true;
            default:
                var (status, code) = fault.Error();
                await WriteJsonAsync(context, status, new Dictionary<string, string>
                {
                    ["__type"] = code,
                    ["message"] = $"Injected fault: {fault.Kind} on {target}.",
                }, extraHeader: ("x-amzn-ErrorType", code)).ConfigureAwait(false);
                return true;
        }
    }

    private static readonly Dictionary<string, string> ServiceByTargetPrefix = new(StringComparer.Ordinal)
    {
        ["DynamoDB_20120810"] = "dynamodb",
        ["SageMaker"] = "sagemaker",
        ["AWSStepFunctions"] = "states",
        ["AWSEvents"] = "events",
    };

    private static async Task WriteJsonAsync(HttpContext context, int status, Dictionary<string, string> body, (string, string)? extraHeader = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (extraHeader is { } h)
        {
            context.Response.Headers[h.Item1] = h.Item2;
        }
        var json = JsonSerializer.Serialize(body, LocalJsonContext.Default.DictionaryStringString);
        await context.Response.WriteAsync(json, context.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        lock (_asyncInvocations)
        {
            pending = [.. _asyncInvocations];
        }
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }
}

/// <summary>One request the local AWS endpoint served (see <see cref="AwsEndpoint.Observer"/>).</summary>
/// <param name="Service">"dynamodb", "sagemaker", "states", "events", "lambda" (an invocation of our handler), or the signing service of a REST request (s3…).</param>
/// <param name="Operation">The JSON protocol's operation (PutEvents…), the function's name for "lambda", the HTTP method for REST.</param>
public sealed record AwsCall(string Service, string Operation, TimeSpan Duration, string RequestBody);

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class LocalJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
