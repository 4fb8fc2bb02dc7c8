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

    /// <summary>Policy: release-admins only (freeing a lock by hand).</summary>
    public const string CanAdminister = "can-administer";

    /// <summary>Policy: any authenticated caller may read.</summary>
    public const string CanRead = "can-read";

    /// <summary>Claim types that carry groups: our own tokens and generic IdPs use "groups", Cognito "cognito:groups".</summary>
    public static readonly string[] GroupClaimTypes = ["groups", "cognito:groups"];

    public static IReadOnlySet<string> GroupsOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Claims
            .Where(c => GroupClaimTypes.Contains(c.Type))
            .SelectMany(c => c.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Who the caller is, as audit entries, approvals and requesters name them. Cognito's tokens (they carry
    /// <c>token_use</c>) name the person by user name (<c>username</c> in access tokens, <c>cognito:username</c> in ID
    /// tokens); their <c>sub</c> is an opaque UUID. Other issuers: <c>sub</c>.
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
        }
        return user.FindFirst("sub")?.Value ?? throw new InvalidOperationException("An authenticated principal always has a subject.");
    }
}
