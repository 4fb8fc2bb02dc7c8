using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Api.Auth;

namespace ReleaseCenter.Api.Http;

/// <summary>
/// Every refused request (401, 403) leaves one warning: method, route, caller and why. The reason is
/// ours (no token; the token expired or is not valid; the caller's groups; a use case's refusal), never
/// a header or a token, so the log can be read by anyone who operates the service.
/// </summary>
public static partial class DeniedRequestLog
{
    public const string CategoryName = "ReleaseCenter.Api.DeniedRequests";

    /// <summary>Where a use case's refusal (403 from a domain rule) leaves its reason for the log.</summary>
    internal const string ReasonItem = "release-center.denied-reason";

    /// <summary>Where bearer authentication leaves why it refused a token (the exception, never the token).</summary>
    internal const string AuthenticationFailureItem = "release-center.authentication-failure";

    /// <summary>Remembers why a bearer token was refused, for the log line of the 401 that follows.</summary>
    public static Task RememberAuthenticationFailure(HttpContext context, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Items[AuthenticationFailureItem] = failure;
        return Task.CompletedTask;
    }

    public static IApplicationBuilder UseDeniedRequestLog(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        await next(context).ConfigureAwait(false);
        if (context.Response.StatusCode is not (StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden))
        {
            return;
        }
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(CategoryName);
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "";
        route = route.Length > 1 ? route.TrimEnd('/') : route; // a group's root route ("/v1/models/") reads as its path
        var caller = context.User.Identity?.IsAuthenticated == true ? Roles.UserId(context.User) : "anonymous";
        LogDenied(logger, context.Response.StatusCode, context.Request.Method, route, caller, await ReasonOfAsync(context).ConfigureAwait(false), context.TraceIdentifier);
    });

    private static async Task<string> ReasonOfAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(ReasonItem, out var refused) && refused is string text)
        {
            return text;
        }
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            if (!context.Request.Headers.Authorization.Any(h => h?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true))
            {
                return "no bearer token";
            }
            return (context.Items.TryGetValue(AuthenticationFailureItem, out var remembered) ? remembered as Exception : null) switch
            {
                null => "the token was not accepted",
                Microsoft.IdentityModel.Tokens.SecurityTokenExpiredException => "the token expired",
                Microsoft.IdentityModel.Tokens.SecurityTokenInvalidSignatureException or Microsoft.IdentityModel.Tokens.SecurityTokenSignatureKeyNotFoundException
                    => "the token's signature does not verify",
                Microsoft.IdentityModel.Tokens.SecurityTokenInvalidAudienceException => "the token is for another audience",
                Microsoft.IdentityModel.Tokens.SecurityTokenInvalidIssuerException => "the token is from another issuer",
                Microsoft.IdentityModel.Tokens.SecurityTokenMalformedException or ArgumentException => "the token is malformed",
                var failure => $"the token is not valid ({failure.GetType().Name})",
            };
        }
        // The route's policies that this caller does not meet (evaluated again: the authorization middleware does not say which).
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        var failed = new List<string>();
        foreach (var policy in context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Distinct() ?? [])
        {
            if (!(await authorization.AuthorizeAsync(context.User, null, policy).ConfigureAwait(false)).Succeeded)
            {
                failed.Add(policy);
            }
        }
        var groups = Roles.GroupsOf(context.User);
        return $"the caller's groups ({(groups.Count == 0 ? "none" : string.Join(", ", groups.Order(StringComparer.Ordinal)))}) do not meet "
            + (failed.Count == 0 ? "the route's policy" : string.Join(", ", failed));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Denied {Status} {Method} {Route} for {Caller}: {Reason} (request {RequestId})")]
    private static partial void LogDenied(ILogger logger, int status, string method, string route, string caller, string reason, string requestId);
}
