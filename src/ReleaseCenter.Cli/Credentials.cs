using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReleaseCenter.Cli;

/// <summary>A sign-in: which API, the bearer token, until when, as whom. The token is never printed.</summary>
public sealed record Credentials(string ApiUrl, string Token, DateTimeOffset? ExpiresAt, string? User, IReadOnlyList<string> Groups, string Via);

/// <summary>
/// The cached sign-in, <c>credentials.json</c> in the config directory, created with mode 0600 (only its owner reads it).
/// <c>RC_TOKEN</c> (with <c>RC_API_URL</c>) takes precedence, for CI jobs that get a token from elsewhere.
/// </summary>
public sealed class CredentialStore(CliContext context)
{
    public const string DefaultApiUrl = "http://127.0.0.1:5080";

    public string FilePath => Path.Combine(context.ConfigDirectory, "credentials.json");

    public Credentials? Current()
    {
        var apiUrl = context.Variable("RC_API_URL") is { Length: > 0 } url ? url.TrimEnd('/') : null;
        if (context.Variable("RC_TOKEN") is { Length: > 0 } token)
        {
            return new Credentials(apiUrl ?? Load()?.ApiUrl ?? DefaultApiUrl, token, null, null, [], "RC_TOKEN");
        }
        var stored = Load();
        return stored is null ? null : apiUrl is null ? stored : stored with { ApiUrl = apiUrl };
    }

    public Credentials? Load()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }
        var json = JsonNode.Parse(File.ReadAllText(FilePath))!.AsObject();
        return new Credentials(
            (string)json["apiUrl"]!,
            (string)json["token"]!,
            json["expiresAt"] is { } at ? DateTimeOffset.Parse((string)at!, System.Globalization.CultureInfo.InvariantCulture) : null,
            (string?)json["user"],
            json["groups"]?.AsArray().Select(g => (string)g!).ToArray() ?? [],
            (string?)json["via"] ?? "local");
    }

    public void Save(Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Directory.CreateDirectory(context.ConfigDirectory);
        var json = new JsonObject
        {
            ["apiUrl"] = credentials.ApiUrl,
            ["token"] = credentials.Token,
            ["expiresAt"] = credentials.ExpiresAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["user"] = credentials.User,
            ["groups"] = new JsonArray([.. credentials.Groups.Select(g => (JsonNode)g)]),
            ["via"] = credentials.Via,
        };
        // Written to a new file created 0600, then moved over the old one: the token is never readable by others, even briefly.
        var temp = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteTo(writer);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temp, FilePath, overwrite: true);
    }

    public bool Delete()
    {
        if (!File.Exists(FilePath))
        {
            return false;
        }
        File.Delete(FilePath);
        return true;
    }
}
