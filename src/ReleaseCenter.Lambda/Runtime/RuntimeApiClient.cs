using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Lambda.Runtime;

/// <summary>One invocation as the Runtime API hands it out.</summary>
public sealed record Invocation(string RequestId, byte[] Payload, DateTimeOffset? Deadline, string? TraceId);

/// <summary>The error body Lambda expects: Step Functions matches Retry and Catch on errorType.</summary>
public sealed record LambdaError(string ErrorType, string ErrorMessage);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LambdaError))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;

/// <summary>
/// The Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) over a
/// plain HttpClient: next invocation, its response or error, and the init error.
/// </summary>
public sealed class RuntimeApiClient : IDisposable
{
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;

    /// <param name="runtimeApi">host:port from AWS_LAMBDA_RUNTIME_API.</param>
    public RuntimeApiClient(string runtimeApi)
    {
        // No proxy (the API is local) and no timeout: "next" is a long poll that lasts until an invocation comes.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{runtimeApi}/2018-06-01/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<Invocation> NextAsync(CancellationToken ct)
    {
        using var response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var headers = response.Headers;
        string? Header(string name) => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
        var requestId = Header("Lambda-Runtime-Aws-Request-Id")
            ?? throw new InvalidOperationException("The Runtime API answered without Lambda-Runtime-Aws-Request-Id.");
        DateTimeOffset? deadline = long.TryParse(Header("Lambda-Runtime-Deadline-Ms"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;
        var payload = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        return new Invocation(requestId, payload, deadline, Header("Lambda-Runtime-Trace-Id"));
    }

    public Task RespondAsync(string requestId, byte[] result) =>
        PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", new ByteArrayContent(result), errorType: null);

    public Task FailAsync(string requestId, LambdaError error) =>
        PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", ErrorBody(error), error.ErrorType);

    public Task FailInitAsync(LambdaError error) => PostAsync("init/error", ErrorBody(error), error.ErrorType);

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent ErrorBody(LambdaError error) =>
        new(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(error, RuntimeJsonContext.Default.LambdaError));

    // Not cancellable: once work is done its answer must reach Lambda, even while the process is stopping.
    private async Task PostAsync(string path, ByteArrayContent content, string? errorType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        content.Headers.ContentType = Json;
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }
        using var response = await _http.SendAsync(request, CancellationToken.None).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }
}
