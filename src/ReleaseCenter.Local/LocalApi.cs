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
