using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReleaseCenter.Api.Auth;

namespace ReleaseCenter.Lambda.Api;

/// <summary>
/// The principal from the claims of the HTTP API's JWT authorizer. API Gateway has already checked
/// the token's signature, issuer, audience and expiry; routes without the authorizer (/healthz) carry
/// no claims, and a request without claims is anonymous (401 where a policy needs a user).
/// </summary>
public sealed class ApiGatewayAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiGateway";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var claims = Context.Features.Get<ApiGatewayRequestFeature>()?.Event.RequestContext?.Authorizer?.Jwt?.Claims;
        if (claims is not { Count: > 0 })
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var identity = new ClaimsIdentity(ToClaims(claims), SchemeName, nameType: "name", roleType: Roles.GroupClaimTypes[0]);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName);
        return Task.FromResult(AuthenticateResult.Success(ticket));
    }

    internal static IEnumerable<Claim> ToClaims(IReadOnlyDictionary<string, JsonElement> claims)
    {
        foreach (var (type, value) in claims)
        {
            var values = Roles.GroupClaimTypes.Contains(type) ? Groups(value) : [Scalar(value)];
            foreach (var v in values)
            {
                yield return new Claim(type, v, ClaimValueTypes.String, SchemeName);
            }
        }
    }

    /// <summary>
    /// One group per claim, from every form a group list reaches us in: API Gateway's flattening of a
    /// JSON array ("[a b]"), a JSON array inside the string ("[\"a\",\"b\"]"), a comma-separated string
    /// ("a,b" or "a, b"), a single name ("a"), or a real JSON array. Group names contain no blanks or commas.
    /// </summary>
    internal static IEnumerable<string> Groups(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            return value.EnumerateArray().SelectMany(Groups);
        }
        var text = Scalar(value).Trim();
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            if (text.Contains('"', StringComparison.Ordinal))
            {
                try
                {
                    using var document = JsonDocument.Parse(text);
                    return Groups(document.RootElement.Clone());
                }
                catch (JsonException)
                {
                    // Not JSON after all: fall through to the flattened form, quotes stripped below.
                }
            }
            text = text[1..^1];
        }
        return text.Split([' ', ',', '"', '\t'], StringSplitOptions.RemoveEmptyEntries);
    }

    private static string Scalar(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
}
