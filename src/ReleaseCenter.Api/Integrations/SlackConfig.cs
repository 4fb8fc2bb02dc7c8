using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Api.Integrations;

/// <summary>A Slack user's Release Center identity: who votes, in which groups.</summary>
public sealed record SlackIdentity(string User, IReadOnlySet<string> Groups);

/// <summary>config/slack.json: the user mapping, and the hosts a message update may go to (never anywhere a payload names).</summary>
public sealed record SlackConfig(IReadOnlyDictionary<string, SlackIdentity> Users, IReadOnlySet<string> ResponseUrlHosts)
{
    /// <summary>Locally the update goes to the stack's own webhook sink over plain HTTP; in AWS only https.</summary>
    public bool AllowHttp { get; init; }

    public static SlackConfig Empty { get; } = new(new Dictionary<string, SlackIdentity>(), new HashSet<string>());

    public static SlackConfig Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }
        using var doc = JsonDocument.Parse(json);
        var users = new Dictionary<string, SlackIdentity>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("users", out var map))
        {
            foreach (var user in map.EnumerateObject())
            {
                users[user.Name] = new SlackIdentity(user.Value.GetProperty("user").GetString()!,
                    user.Value.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToHashSet(StringComparer.Ordinal));
            }
        }
        var hosts = doc.RootElement.TryGetProperty("responseUrlHosts", out var list)
            ? list.EnumerateArray().Select(h => h.GetString()!).ToHashSet(StringComparer.OrdinalIgnoreCase)
            : new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        return new SlackConfig(users, hosts);
    }

    /// <summary>Whether a message update may be posted to <paramref name="url"/>.</summary>
    public bool MayRespondTo(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return (url.Scheme == Uri.UriSchemeHttps || (AllowHttp && url.Scheme == Uri.UriSchemeHttp)) && ResponseUrlHosts.Contains(url.Host);
    }
}

/// <summary>Slack's signing secret, read from Secrets Manager (a JSON secret: signingSecret, botToken) and kept five minutes.</summary>
public interface ISlackSigningSecret
{
    /// <returns>null when Slack approval is not configured.</returns>
    Task<string?> GetAsync(CancellationToken ct);
}

public sealed class SecretsManagerSlackSigningSecret(SecretsManagerClient secrets, string? secretArn, TimeProvider clock) : ISlackSigningSecret
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);
    private (string Value, DateTimeOffset Until)? _cached;

    public async Task<string?> GetAsync(CancellationToken ct)
    {
        if (secretArn is null)
        {
            return null;
        }
        if (_cached is { } cached && cached.Until > clock.GetUtcNow())
        {
            return cached.Value;
        }
        var secret = await secrets.GetSecretValueAsync(secretArn, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(secret.SecretString ?? "{}");
        var value = doc.RootElement.TryGetProperty("signingSecret", out var s) ? s.GetString() : null;
        if (value is { Length: > 0 })
        {
            _cached = (value, clock.GetUtcNow() + KeepFor);
        }
        return value;
    }
}

/// <summary>
/// Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack): v0=hex(HMAC-SHA256(secret,
/// "v0:{timestamp}:{body}")), the timestamp within five minutes of now (a replayed old request is refused), compared in
/// constant time.
/// </summary>
public static class SlackSignature
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <returns>null when the request is Slack's; otherwise why not (never echoing the secret or the expected signature).</returns>
    public static string? Check(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!long.TryParse(timestamp, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return "X-Slack-Request-Timestamp is missing or not a number of seconds.";
        }
        var at = seconds > 253_402_300_799 ? DateTimeOffset.MaxValue : DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - at).Duration() > MaxAge)
        {
            return "X-Slack-Request-Timestamp is more than five minutes from now: an old request replayed, or a clock far off.";
        }
        if (signature is null || !signature.StartsWith("v0=", StringComparison.Ordinal))
        {
            return "X-Slack-Signature is missing or not a v0 signature.";
        }
        var expected = Sign(secret, timestamp!, body);
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? null : "X-Slack-Signature does not match the request.";
    }

    /// <summary>The v0 signature of a request, as ASCII bytes ("v0=" + lowercase hex).</summary>
    public static byte[] Sign(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var basestring = new List<byte>(Encoding.UTF8.GetBytes($"v0:{timestamp}:"));
        basestring.AddRange(body.ToArray());
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), basestring.ToArray());
        return Encoding.ASCII.GetBytes("v0=" + Convert.ToHexStringLower(mac));
    }
}
