using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReleaseCenter.Cli;

/// <summary>An error answer of the API (problem+json): its status, title, detail and each field with its reasons.</summary>
public sealed class ApiException(HttpStatusCode status, string title, string? detail, IReadOnlyList<(string Field, string Reason)> fields, JsonElement? body)
    : Exception(detail is null ? title : $"{title}: {detail}")
{
    public HttpStatusCode Status { get; } = status;

    public string Title { get; } = title;

    public string? Detail { get; } = detail;

    public IReadOnlyList<(string Field, string Reason)> Fields { get; } = fields;

    /// <summary>The whole problem body (a 413's ready export job request is in <c>job</c>).</summary>
    public JsonElement? Body { get; } = body;
}

/// <summary>The HTTP API as the CLI uses it: JSON in, JSON out, the sign-in's bearer token on every call, problems as <see cref="ApiException"/>.</summary>
public sealed class RcApi : IDisposable
{
    private readonly HttpClient _http;

    public RcApi(string baseUrl, string? token, HttpMessageHandler? handler = null)
    {
        BaseUrl = baseUrl.TrimEnd('/');
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.BaseAddress = new Uri(BaseUrl + "/");
        _http.Timeout = TimeSpan.FromSeconds(100);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("rc", typeof(RcApi).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public string BaseUrl { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body ?? new JsonObject(), ct);

    public Task<JsonElement> PutAsync(string path, JsonNode? body, CancellationToken ct) => SendAsync(HttpMethod.Put, path, body ?? new JsonObject(), ct);

    /// <summary>A file download (an export): the raw bytes, or an <see cref="ApiException"/>.</summary>
    public async Task<(Stream Body, string? FileName)> DownloadAsync(string path, CancellationToken ct)
    {
        var response = await _http.GetAsync(path.TrimStart('/'), HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, ct).ConfigureAwait(false);
        }
        return (await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false), response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
    }

    /// <summary>A presigned link (no token: the link is the permission).</summary>
    public async Task<Stream> DownloadLinkAsync(Uri link, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, link);
        request.Headers.Authorization = null;
        using var plain = new HttpClient();
        var response = await plain.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ApiException(0, $"The API at {BaseUrl} cannot be reached", ex.Message, [], null);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ProblemAsync(response, ct).ConfigureAwait(false);
            }
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static async Task<ApiException> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        JsonElement? body = null;
        try
        {
            body = JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            // not problem+json (a proxy's page): the status says enough
        }
        string? Text(string name) => body is { ValueKind: JsonValueKind.Object } b && b.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var fields = new List<(string, string)>();
        if (body is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var field in errors.EnumerateObject())
            {
                fields.AddRange(field.Value.EnumerateArray().Select(reason => (field.Name, reason.GetString() ?? "")));
            }
        }
        var title = Text("title") ?? $"The API answered {(int)response.StatusCode} {response.ReasonPhrase}";
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            title = "Not signed in, or the sign-in expired";
        }
        return new ApiException(response.StatusCode, title, Text("detail"), fields, body);
    }

    public void Dispose() => _http.Dispose();
}
