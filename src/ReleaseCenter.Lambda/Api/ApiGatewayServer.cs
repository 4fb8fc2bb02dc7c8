using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace ReleaseCenter.Lambda.Api;

/// <summary>The event behind the current request, for the authentication handler.</summary>
public sealed record ApiGatewayRequestFeature(HttpApiV2Request Event);

/// <summary>
/// An ASP.NET Core server without sockets: each HTTP API v2 event becomes one request through the
/// application's pipeline, and the buffered response becomes the v2 result. The response counts as
/// started only when the pipeline is done, so error handlers can always replace it.
/// </summary>
public sealed class ApiGatewayServer : IServer
{
    private readonly TaskCompletionSource<Func<IFeatureCollection, BufferedResponse, Task>> _application =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull
    {
        _application.TrySetResult(async (features, response) =>
        {
            var context = application.CreateContext(features);
            Exception? failure = null;
            try
            {
                await application.ProcessRequestAsync(context).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // As in Kestrel: an exception escaping the pipeline is a 500 answer, not a failed invocation.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure = ex;
                response.Reset(StatusCodes.Status500InternalServerError);
            }
            await response.CompleteAsync().ConfigureAwait(false);
            application.DisposeContext(context, failure);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }

    /// <param name="ct">The invocation's deadline; the request sees it as RequestAborted.</param>
    public async Task<HttpApiV2Response> InvokeAsync(HttpApiV2Request request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var process = await _application.Task.WaitAsync(ct).ConfigureAwait(false);
        var response = new BufferedResponse();
        var features = new FeatureCollection();
        var http = ToRequest(request);
        features.Set<IHttpRequestFeature>(http);
        features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(http.Body.Length > 0));
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(response.BodyFeature);
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = ct });
        features.Set<IHttpRequestIdentifierFeature>(new HttpRequestIdentifierFeature { TraceIdentifier = request.RequestContext?.RequestId ?? Guid.NewGuid().ToString() });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            RemoteIpAddress = IPAddress.TryParse(request.RequestContext?.Http?.SourceIp, out var ip) ? ip : null,
        });
        features.Set(new ApiGatewayRequestFeature(request));
        await process(features, response).ConfigureAwait(false);
        return ToResult(response);
    }

    private static HttpRequestFeature ToRequest(HttpApiV2Request e)
    {
        IHeaderDictionary headers = new HeaderDictionary();
        foreach (var (name, value) in e.Headers ?? new Dictionary<string, string>())
        {
            headers[name] = value;
        }
        if (e.Cookies is { Count: > 0 } cookies)
        {
            headers.Cookie = string.Join("; ", cookies);
        }
        var body = e.Body is null ? [] : e.IsBase64Encoded ? Convert.FromBase64String(e.Body) : Encoding.UTF8.GetBytes(e.Body);
        headers.ContentLength = body.Length > 0 ? body.Length : null;

        // A named stage (not $default) prefixes the path; the application sees it as PathBase.
        var rawPath = string.IsNullOrEmpty(e.RawPath) ? "/" : e.RawPath;
        var pathBase = e.RequestContext?.Stage is { Length: > 0 } stage && stage != "$default" && rawPath.StartsWith($"/{stage}", StringComparison.Ordinal)
            ? $"/{stage}"
            : "";
        var query = string.IsNullOrEmpty(e.RawQueryString) ? "" : "?" + e.RawQueryString;
        return new HttpRequestFeature
        {
            Protocol = e.RequestContext?.Http?.Protocol ?? "HTTP/1.1",
            Scheme = headers["x-forwarded-proto"] is [{ Length: > 0 } proto] ? proto : "https",
            Method = e.RequestContext?.Http?.Method ?? HttpMethods.Get,
            // Decoded like Kestrel does (an encoded '/' stays %2F); the query string stays raw.
            PathBase = PathString.FromUriComponent(pathBase).Value ?? "",
            Path = PathString.FromUriComponent(rawPath[pathBase.Length..] is { Length: > 0 } p ? p : "/").Value ?? "/",
            QueryString = query,
            RawTarget = rawPath + query,
            Headers = headers,
            Body = new MemoryStream(body, writable: false),
        };
    }

    private static HttpApiV2Response ToResult(BufferedResponse response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers)
        {
            if (!name.Equals(HeaderNames.SetCookie, StringComparison.OrdinalIgnoreCase))
            {
                headers[name] = values.ToString();
            }
        }
        var cookies = response.Headers.SetCookie.Count > 0 ? response.Headers.SetCookie.ToArray().OfType<string>().ToArray() : null;
        var bytes = response.Buffer.ToArray();
        var text = IsText(response.Headers);
        return new HttpApiV2Response
        {
            StatusCode = response.StatusCode,
            Headers = headers,
            Cookies = cookies,
            Body = bytes.Length == 0 ? null : text ? Encoding.UTF8.GetString(bytes) : Convert.ToBase64String(bytes),
            IsBase64Encoded = bytes.Length > 0 && !text,
        };
    }

    /// <summary>Text goes as is; anything else (images, archives, compressed bodies, no content type) as base64.</summary>
    private static bool IsText(IHeaderDictionary headers)
    {
        if (headers.ContentEncoding.Count > 0 || !MediaTypeHeaderValue.TryParse(headers.ContentType.ToString(), out var type))
        {
            return false;
        }
        var media = type.MediaType.Value ?? "";
        return media.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("json", StringComparison.OrdinalIgnoreCase)
            || media.EndsWith("xml", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/javascript", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
    }

    private sealed record BodyDetection(bool CanHaveBody) : IHttpRequestBodyDetectionFeature;

    /// <summary>Status, headers and body of one response, all held until the pipeline returns.</summary>
    private sealed class BufferedResponse : IHttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _onStarting = [];
        private readonly List<(Func<object, Task> Callback, object State)> _onCompleted = [];

        public BufferedResponse() => BodyFeature = new StreamResponseBodyFeature(Buffer);

        public MemoryStream Buffer { get; } = new();

        public StreamResponseBodyFeature BodyFeature { get; }

        public int StatusCode { get; set; } = StatusCodes.Status200OK;

        public string? ReasonPhrase { get; set; }

        public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

        Stream IHttpResponseFeature.Body { get => Buffer; set => throw new NotSupportedException("Replace IHttpResponseBodyFeature instead."); }

        public bool HasStarted { get; private set; }

        public void OnStarting(Func<object, Task> callback, object state) => _onStarting.Add((callback, state));

        public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add((callback, state));

        public void Reset(int statusCode)
        {
            StatusCode = statusCode;
            Headers.Clear();
            Buffer.SetLength(0);
        }

        public async Task CompleteAsync()
        {
            // Registration order reversed, as Kestrel does: the last registered runs first.
            for (var i = _onStarting.Count - 1; i >= 0; i--)
            {
                await _onStarting[i].Callback(_onStarting[i].State).ConfigureAwait(false);
            }
            HasStarted = true;
            await BodyFeature.CompleteAsync().ConfigureAwait(false);
            for (var i = _onCompleted.Count - 1; i >= 0; i--)
            {
                await _onCompleted[i].Callback(_onCompleted[i].State).ConfigureAwait(false);
            }
        }
    }
}
