using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Lambda.Api;

/// <summary>
/// The API Gateway HTTP API (payload format 2.0) event, only the fields the adapter reads.
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
/// </summary>
public sealed class HttpApiV2Request
{
    public string? RawPath { get; init; }

    /// <summary>As the client sent it, repeated keys included (queryStringParameters joins them with commas).</summary>
    public string? RawQueryString { get; init; }

    /// <summary>Sent apart from the headers; there is no Cookie header in the event.</summary>
    public IReadOnlyList<string>? Cookies { get; init; }

    /// <summary>Lower-case names; a repeated header arrives as one comma-joined value.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }

    public HttpApiV2RequestContext? RequestContext { get; init; }
}

public sealed class HttpApiV2RequestContext
{
    public string? RequestId { get; init; }

    public string? Stage { get; init; }

    public HttpApiV2Http? Http { get; init; }

    public HttpApiV2Authorizer? Authorizer { get; init; }
}

public sealed class HttpApiV2Http
{
    public string? Method { get; init; }

    public string? Protocol { get; init; }

    public string? SourceIp { get; init; }
}

public sealed class HttpApiV2Authorizer
{
    public HttpApiV2Jwt? Jwt { get; init; }
}

public sealed class HttpApiV2Jwt
{
    /// <summary>
    /// API Gateway sends every claim as a string, arrays flattened to "[a b]"; JsonElement also accepts a
    /// real JSON value so a future change in that format does not fail deserialization.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement>? Claims { get; init; }
}

/// <summary>The structured response API Gateway turns back into HTTP.</summary>
public sealed class HttpApiV2Response
{
    public int StatusCode { get; init; }

    /// <summary>One value per name; repeated values joined with commas (Set-Cookie goes to <see cref="Cookies"/>).</summary>
    public Dictionary<string, string>? Headers { get; init; }

    public IReadOnlyList<string>? Cookies { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HttpApiV2Request))]
[JsonSerializable(typeof(HttpApiV2Response))]
public sealed partial class HttpApiV2JsonContext : JsonSerializerContext
{
    /// <summary>
    /// For what goes back to API Gateway: a JSON body travels as a string inside the result, and the default
    /// encoder's \u0022 for every quote makes it about a fifth larger (the response limit is 6 MB). Escaping
    /// only what JSON requires is safe because API Gateway, not an HTML page, reads the result.
    /// </summary>
    public static HttpApiV2JsonContext Compact { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
