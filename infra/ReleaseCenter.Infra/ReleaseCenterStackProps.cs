using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Constructs;

namespace ReleaseCenter.Infra;

/// <summary>Everything that varies between deployments. Tests build it directly; the app reads it from CDK context.</summary>
public sealed partial class ReleaseCenterStackProps : StackProps
{
    public const string DefaultStage = "dev";
    public const string DefaultVersion = "0.1.0";

    /// <summary>How to produce the API bundle; part of every error about a missing or incomplete one.</summary>
    public const string ApiAssetHint =
        "Publish the API first, e.g. `dotnet publish src/ReleaseCenter.Api -r linux-arm64 -o artifacts/api` " +
        "(the executable must be named bootstrap), then pass the folder with `-c apiAssetPath=artifacts/api` " +
        "or set it in cdk.json.";

    public required string Stage { get; init; }

    public required string Version { get; init; }

    /// <summary>Folder with the published API (a linux-arm64 executable named <c>bootstrap</c>).</summary>
    public required string ApiAssetPath { get; init; }

    public required string JwtIssuer { get; init; }

    public required IReadOnlyList<string> JwtAudiences { get; init; }

    /// <summary>
    /// Reads stage, version, apiAssetPath, jwtIssuer and jwtAudience (comma-separated) from context.
    /// Throws <see cref="InvalidOperationException"/> naming the missing key, so synth fails before anything is built.
    /// </summary>
    public static ReleaseCenterStackProps FromContext(Construct scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var node = scope.Node;

        var stage = ReadString(node, "stage") ?? DefaultStage;
        if (!StagePattern().IsMatch(stage))
        {
            throw new InvalidOperationException(
                $"Context 'stage' is '{stage}': use 1-16 lowercase letters, digits or hyphens, starting with a letter " +
                "(it becomes part of every resource name).");
        }

        var apiAssetPath = ReadString(node, "apiAssetPath")
            ?? throw new InvalidOperationException($"Missing context 'apiAssetPath' (the published API bundle). {ApiAssetHint}");

        var issuer = ReadString(node, "jwtIssuer")
            ?? throw new InvalidOperationException(
                "Missing context 'jwtIssuer': the HTTP API's JWT authorizer needs the token issuer URL " +
                "(e.g. `-c jwtIssuer=https://login.example.com/realms/release-center` or set it in cdk.json).");
        if (!Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri) || issuerUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"Context 'jwtIssuer' is '{issuer}': API Gateway requires an https:// URL.");
        }

        var audiences = ReadList(node, "jwtAudience");
        if (audiences.Count == 0)
        {
            throw new InvalidOperationException(
                "Missing context 'jwtAudience': the JWT authorizer needs at least one allowed audience " +
                "(comma-separated, e.g. `-c jwtAudience=release-center,release-center-cli` or set it in cdk.json).");
        }

        return new ReleaseCenterStackProps
        {
            Stage = stage,
            Version = ReadString(node, "version") ?? DefaultVersion,
            ApiAssetPath = apiAssetPath,
            JwtIssuer = issuer,
            JwtAudiences = audiences,
            Description = $"ML Release Center ({stage})",
        };
    }

    private static string? ReadString(Node node, string key) =>
        node.TryGetContext(key) switch
        {
            null => null,
            string s when string.IsNullOrWhiteSpace(s) => null,
            string s => s.Trim(),
            IConvertible c => c.ToString(CultureInfo.InvariantCulture),
            var other => other.ToString(),
        };

    /// <summary>Accepts "a,b" (the only form `-c` can pass) and a JSON array (convenient in cdk.json).</summary>
    private static List<string> ReadList(Node node, string key)
    {
        var raw = node.TryGetContext(key);
        IEnumerable<string?> items = raw switch
        {
            null => [],
            string s => s.Split(','),
            System.Collections.IEnumerable e => e.Cast<object?>().Select(o => o?.ToString()),
            var other => [other.ToString()],
        };
        return items.Select(i => i?.Trim()).OfType<string>().Where(i => i.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex StagePattern();
}
