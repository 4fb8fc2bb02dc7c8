using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Http;

namespace ReleaseCenter.Local;

/// <summary>Routes that exist only on the local stack (api.md, "Local stack only").</summary>
public static class LocalApi
{
    public static void MapLocalApi(this IEndpointRouteBuilder app, LocalInfoDto info)
    {
        var group = app.MapGroup("/v1/local").WithTags("Local stack").AllowAnonymous();
        group.MapGet("/token", Token).WithSummary("Issue a development token (local stack only)");
        group.MapGet("/info", () => TypedResults.Ok(info))
            .WithSummary("Where the emulated AWS resources behind this stack are, for the aws CLI or boto3");
        group.MapPost("/faults/verification", FailVerification).RequireAuthorization()
            .WithSummary("Make the local SageMaker stand-in fail verification of a model version in an environment (local stack only)")
            .Accepts<VerificationFaultRequest>("application/json");
    }

    private static async Task<Results<Ok<VerificationFaultRequest>, ValidationProblem, ProblemHttpResult>> FailVerification(
        HttpContext http, LocalFaults faults, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, LocalApiJsonContext.Default.VerificationFaultRequest, ct);
        if (request is null)
        {
            return Problems.Unwrap<Ok<VerificationFaultRequest>>(problem!);
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.Environment) is { } envReason)
        {
            return JsonBody.Invalid("environment", envReason);
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.Model) is { } modelReason)
        {
            return JsonBody.Invalid("model", modelReason);
        }
        if (request.Version is null or < 1)
        {
            return JsonBody.Invalid("version", "must be a version number of 1 or more.");
        }
        faults.FailVerification(request.Environment!, request.Model!, request.Version.Value, request.Reason ?? "injected failure: error rate above threshold");
        return TypedResults.Ok(request);
    }

    private static Results<Ok<TokenDto>, ValidationProblem> Token(DevTokens tokens, string? user, string? groups)
    {
        if (string.IsNullOrEmpty(user) || !DevTokens.UserPattern().IsMatch(user))
        {
            return JsonBody.Invalid("user", "is required: 1 to 64 letters, digits and . _ @ -.");
        }
        var list = (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = list.FirstOrDefault(g => !DevTokens.GroupPattern().IsMatch(g));
        if (bad is not null)
        {
            return JsonBody.Invalid("groups", $"has '{bad}', but a group is 1 to 64 lowercase letters, digits and '-'.");
        }
        var (token, expires) = tokens.Issue(user, list);
        return TypedResults.Ok(new TokenDto(token, expires));
    }
}

public sealed record VerificationFaultRequest(string? Environment, string? Model, int? Version, string? Reason);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
[System.Text.Json.Serialization.JsonSerializable(typeof(VerificationFaultRequest))]
internal sealed partial class LocalApiJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
