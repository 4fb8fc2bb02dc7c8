using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ReleaseCenter.Api.Http;

/// <summary>
/// Reads a JSON request body strictly: a size cap that holds on every host (Kestrel, test host,
/// Lambda adapter), the media type, syntax, unknown members and types, each turned into a
/// problem+json answer that names the field. Binding is done here rather than by the framework
/// so that every failure says which field and why.
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 1024 * 1024;

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken ct)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBytes)
        {
            return (null, TooLarge());
        }
        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type", detail: "Send the body as application/json."));
        }

        byte[] body;
        try
        {
            body = await ReadCappedAsync(request.Body, ct).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        if (body.Length > MaxBytes)
        {
            return (null, TooLarge());
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is null
                ? (null, Invalid("body", "must be a JSON object."))
                : (value, null);
        }
        catch (JsonException ex)
        {
            var (field, reason) = Describe(ex);
            return (null, Invalid(field, reason));
        }
    }

    private static async Task<byte[]> ReadCappedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes)
            {
                break; // no need to read the rest of an oversized body
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Turns a serializer error into (field, reason) without echoing CLR type names.</summary>
    internal static (string Field, string Reason) Describe(JsonException ex)
    {
        var message = ex.Message;
        const string unmapped = "could not be mapped to any .NET member";
        if (message.Contains(unmapped, StringComparison.Ordinal))
        {
            var start = message.IndexOf('\'', StringComparison.Ordinal);
            var end = start >= 0 ? message.IndexOf('\'', start + 1) : -1;
            var name = start >= 0 && end > start ? message[(start + 1)..end] : "body";
            // The path already ends at the unknown member ($.inferenceConfig.colour); fall back to the message at the root.
            var fromPath = FieldFromPath(ex.Path);
            return (fromPath == "body" ? name : fromPath, "is not a known field.");
        }
        var field = FieldFromPath(ex.Path);
        return ex.Path is null || ex.LineNumber is null
            ? (field, "is not valid JSON.")
            : (field, message.Contains("could not be converted", StringComparison.Ordinal)
                ? "has the wrong type."
                : "is not valid JSON.");
    }

    private static string FieldFromPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        // Bracket notation for odd property names: $['a b'] -> a b
        return field.Replace("['", ".", StringComparison.Ordinal).Replace("']", "", StringComparison.Ordinal).TrimStart('.');
    }

    public static ValidationProblem Invalid(string field, string reason) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [$"'{field}' {reason}"] },
            title: "The request is not valid.", detail: $"'{field}' {reason}");

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "Request body too large", detail: $"The body must be at most {MaxBytes} bytes.");
}
