using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ReleaseCenter.Api;

namespace ReleaseCenter.Local;

/// <summary>
/// Development tokens for the local stack only (api.md): HS256 with a key made at start-up and
/// never written anywhere, so a token is good for this run of the stack and nothing else.
/// </summary>
public sealed partial class DevTokens
{
    public const string Issuer = "release-center-local";
    public const string Audience = "release-center";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly TimeProvider _clock;

    public DevTokens(TimeProvider clock) => _clock = clock;

    public ApiAuthOptions AuthOptions => new(Issuer, Audience, _key);

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    public static partial Regex UserPattern();

    /// <summary>A group, global ("ml-engineers") or scoped to a project ("payments:approvers-prod").</summary>
    [GeneratedRegex("^(?:[a-z0-9-]{3,63}:)?[a-z0-9-]{1,64}$")]
    public static partial Regex GroupPattern();

    public (string Token, DateTimeOffset ExpiresAt) Issue(string user, IReadOnlyList<string> groups)
    {
        var now = _clock.GetUtcNow();
        var expires = now + Lifetime;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = user,
                ["name"] = user,
                ["groups"] = groups.ToArray(),
            },
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
        return (token, expires);
    }
}
