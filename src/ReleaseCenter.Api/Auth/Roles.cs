using System.Security.Claims;

namespace ReleaseCenter.Api.Auth;

/// <summary>Roles come from groups (api.md). Authorization policies are named after what they allow.</summary>
public static class Roles
{
    public const string Admins = "release-admins";
    public const string Engineers = "ml-engineers";
    public const string ApproverPrefix = "approvers-";

    /// <summary>Policy: register models and versions, request releases.</summary>
    public const string CanRegister = "can-register";

    /// <summary>Policy: the organization's release-admins only (freeing a lock by hand, freezing an environment).</summary>
    public const string CanAdminister = "can-administer";

    /// <summary>Policy: release-admins of some project (or all); the handler checks the project (a policy change).</summary>
    public const string CanAdministerProject = "can-administer-project";

    /// <summary>Policy: any authenticated caller may read.</summary>
    public const string CanRead = "can-read";

    /// <summary>Claim types that carry groups: our own tokens and generic IdPs use "groups", Cognito "cognito:groups".</summary>
    public static readonly string[] GroupClaimTypes = ["groups", "cognito:groups"];

    /// <summary>
    /// The Cognito resource server's identifier: an app client's access token (client credentials, for CI) carries its
    /// roles as scopes, <c>release-center/ml-engineers</c>. Which client may ask for which scope is set in the CDK app.
    /// </summary>
    public const string ScopePrefix = "release-center/";

    public static IReadOnlySet<string> GroupsOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var groups = user.Claims
            .Where(c => GroupClaimTypes.Contains(c.Type))
            .SelectMany(c => c.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        // Only Cognito's access tokens (they carry token_use) speak for the resource server's scopes.
        if (user.HasClaim("token_use", "access"))
        {
            groups.UnionWith(user.Claims.Where(c => c.Type == "scope")
                .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(s => s.StartsWith(ScopePrefix, StringComparison.Ordinal) && s.Length > ScopePrefix.Length)
                .Select(s => s[ScopePrefix.Length..]));
        }
        return groups;
    }

    /// <summary>
    /// Who the caller is, as audit entries, approvals and requesters name them. Cognito's tokens (they carry
    /// <c>token_use</c>) name the person by user name (<c>username</c> in access tokens, <c>cognito:username</c> in ID
    /// tokens); their <c>sub</c> is an opaque UUID; a client credentials token is <c>app/{client_id}</c>. Other issuers: <c>sub</c>.
    /// </summary>
    public static string UserId(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.HasClaim(c => c.Type == "token_use"))
        {
            var name = user.FindFirst("username")?.Value ?? user.FindFirst("cognito:username")?.Value;
            if (!string.IsNullOrWhiteSpace(name))
            {
                return name;
            }
            // A client credentials token (a CI job) is nobody's: it names the app client.
            if (user.FindFirst("client_id")?.Value is { Length: > 0 } client)
            {
                return $"app/{client}";
            }
        }
        return user.FindFirst("sub")?.Value ?? throw new InvalidOperationException("An authenticated principal always has a subject.");
    }
}
