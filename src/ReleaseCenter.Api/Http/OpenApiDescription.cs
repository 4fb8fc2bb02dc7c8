using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using ReleaseCenter.Api.Auth;

namespace ReleaseCenter.Api.Http;

/// <summary>
/// Completes the generated OpenAPI description, so clients (the console's generated types among them) can
/// rely on it: bearer security, an operationId on every operation, the problem+json answers each route can
/// give, tag descriptions, a license and a server. Schemas say what the wire carries: numbers are numbers
/// and timestamps are date-time strings.
/// </summary>
public static class OpenApiDescription
{
    public const string BearerScheme = "bearer";
    private const string ProblemSchema = "ProblemDetails";
    private const string ValidationProblemSchema = "HttpValidationProblemDetails";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Operations"] = "Liveness of the service.",
        ["Models"] = "The registry: models and their immutable versions (artifact digest, metrics, datasets, config).",
        ["Releases"] = "Releases of a frozen bundle through the environments, their evaluation, approvals, history, diff and export.",
        ["Approvals"] = "What the caller may vote on now.",
        ["Environments"] = "What is live where, its history, consumers, locks, and rollback with an impact preview.",
        ["Rollbacks"] = "Rollbacks started from an environment, and their approvals.",
        ["Audit"] = "The tamper-evident audit log: search, export and verification of the hash chain.",
        ["Metrics"] = "Delivery metrics per model and environment (deployments, lead time, failure rate, time to restore).",
        ["Drift"] = "Drift reports, drift and retraining policies, and the governed retraining they start.",
        ["Local stack"] = "Only on the local stack: development tokens, the emulator's faults, stand-in pipelines and webhook sinks.",
    };

    public static OpenApiOptions Describe(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info = new OpenApiInfo
            {
                Title = "ML Release Center API",
                Version = "v1",
                Description = "The HTTP contract of ML Release Center. Errors are problem+json (RFC 9457): `title`, `detail`, " +
                              "and for invalid input `errors`, keyed by field, each with its reasons.",
                License = new OpenApiLicense { Name = "Proprietary", Url = new Uri("https://example.com/ml-release-center/license") },
            };
            // Same origin as the console: relative to wherever the API is served (local host or CloudFront).
            doc.Servers = [new OpenApiServer { Url = "/", Description = "The host that serves this description" }];
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            doc.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A JWT whose `groups` (or `cognito:groups`) claim names the caller's groups. Cognito in AWS; " +
                              "`GET /v1/local/token` on the local stack.",
            };
            doc.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            doc.Components.Schemas.TryAdd(ProblemSchema, Problem(withErrors: false));
            doc.Components.Schemas.TryAdd(ValidationProblemSchema, Problem(withErrors: true));
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var path in doc.Paths.Values)
                foreach (var op in path.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
                    foreach (var tag in op.Tags ?? new HashSet<OpenApiTagReference>())
                        used.Add(tag.Name ?? "");
            doc.Tags = new HashSet<OpenApiTag>(used.Where(t => t.Length > 0).Order(StringComparer.Ordinal).Select(t => new OpenApiTag
            {
                Name = t,
                Description = TagDescriptions.GetValueOrDefault(t, t),
            }));
            return Task.CompletedTask;
        });

        options.AddOperationTransformer((op, context, _) =>
        {
            var description = context.Description;
            var method = (description.HttpMethod ?? "GET").ToUpperInvariant();
            var route = "/" + (description.RelativePath ?? "").TrimStart('/');
            op.OperationId ??= OperationId(method, route);
            var metadata = description.ActionDescriptor.EndpointMetadata;
            var anonymous = metadata.OfType<IAllowAnonymous>().Any();
            var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToHashSet(StringComparer.Ordinal);
            var authenticated = !anonymous && metadata.OfType<IAuthorizeData>().Any();
            var local = route.StartsWith("/v1/local", StringComparison.Ordinal);

            op.Responses ??= new OpenApiResponses();
            var hasInput = (op.Parameters?.Count ?? 0) > 0 || op.RequestBody is not null;
            if (hasInput)
                AddProblem(op, context, "400", "The input is invalid: `errors` names each field and the reason.", ValidationProblemSchema);
            if (authenticated)
            {
                op.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }];
                AddProblem(op, context, "401", "No bearer token, or one that is expired or not valid.");
                var roleBound = policies.Contains(Roles.CanRegister) || policies.Contains(Roles.CanAdminister);
                // Votes and retraining policy changes check the caller's groups in the use case itself.
                var checkedInside = method == "POST" && route.EndsWith("/approvals", StringComparison.Ordinal)
                                    || method == "PUT" && route.EndsWith("/retraining-policy", StringComparison.Ordinal);
                if (roleBound || checkedInside)
                    AddProblem(op, context, "403", "The caller's groups do not allow this.");
            }
            else
            {
                op.Security = [];
            }
            if (route.Contains('{', StringComparison.Ordinal))
                AddProblem(op, context, "404", "Nothing exists under the identifiers in the path.");
            if (method != "GET" && !local)
                AddProblem(op, context, "409", "The request conflicts with the current state (for example it is already done, " +
                                                "the stage is not waiting, or the evidence changed); nothing was changed.");
            if (op.RequestBody is not null)
            {
                AddProblem(op, context, "413", "The body is larger than the API accepts.");
                AddProblem(op, context, "415", "The body is not JSON.");
            }
            return Task.CompletedTask;
        });

        options.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema is not OpenApiSchema s || s.Type is not { } type)
            {
                // Our timestamp converter writes ISO 8601 strings; the generator left the type out.
                if (schema is OpenApiSchema t && t.Format == "date-time" && t.Type is null)
                    t.Type = JsonSchemaType.String;
                return Task.CompletedTask;
            }
            // The API writes numbers as JSON numbers; reading them from strings is a leniency, not the contract.
            if ((type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)) && type.HasFlag(JsonSchemaType.String))
            {
                s.Type = type & ~JsonSchemaType.String;
                s.Pattern = null;
            }
            if (s.Format == "date-time" && !type.HasFlag(JsonSchemaType.String))
                s.Type = type | JsonSchemaType.String;
            return Task.CompletedTask;
        });
        return options;
    }

    private static void AddProblem(OpenApiOperation op, OpenApiOperationTransformerContext context, string status, string description, string schema = ProblemSchema)
    {
        op.Responses ??= new OpenApiResponses();
        if (op.Responses.TryGetValue(status, out var existing) && existing.Content?.ContainsKey("application/problem+json") == true)
            return;
        op.Responses[status] = new OpenApiResponse
        {
            Description = existing?.Description is { Length: > 0 } d && d != "Bad Request" ? d : description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(schema, context.Document) },
            },
        };
    }

    private static OpenApiSchema Problem(bool withErrors)
    {
        var s = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["title"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.Null, Format = "int32" },
                ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
                ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String },
            },
        };
        if (withErrors)
            s.Properties["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            };
        return s;
    }

    /// <summary>"GET /v1/releases/{id}/history" -> "getReleasesIdHistory"; "POST /v1/models" -> "postModels".</summary>
    internal static string OperationId(string method, string route)
    {
        var sb = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in route.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "v1")
                continue;
            var words = segment.Trim('{', '}').Split(['-', '_', '.'], StringSplitOptions.RemoveEmptyEntries);
            foreach (var w in words)
                sb.Append(char.ToUpper(w[0], CultureInfo.InvariantCulture)).Append(w.AsSpan(1));
        }
        return sb.ToString();
    }
}
