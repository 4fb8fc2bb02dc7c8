using System.CommandLine;
using Spectre.Console;
using System.Text.Json;

namespace ReleaseCenter.Cli.Commands;

/// <summary>rc login / rc logout: the sign-in cached for every other command.</summary>
internal static class AuthCommands
{
    public static Command Login(CliContext context)
    {
        var local = new Option<bool>("--local") { Description = "Sign in to the local stack (dotnet run --project src/ReleaseCenter.Local) with a development token" };
        var user = new Option<string>("--user") { Description = "Who to be on the local stack", DefaultValueFactory = _ => Environment.UserName };
        var groups = new Option<string[]>("--groups")
        {
            Description = "Groups, comma separated (ml-engineers, release-admins, approvers-staging, approvers-prod)",
            AllowMultipleArgumentsPerToken = true,
        };
        var apiUrl = new Option<string>("--api-url") { Description = $"The API's base URL: the console's URL in AWS (default: $RC_API_URL, else {CredentialStore.DefaultApiUrl})" };
        var domain = new Option<string>("--cognito-domain") { Description = "Cognito's hosted UI domain (default: from the console's config.json; the stack's CognitoDomain output)" };
        var clientId = new Option<string>("--client-id") { Description = "rc's app client (default: config.json's cliClientId; the stack's CliClientId output)" };
        var clientCredentials = new Option<bool>("--client-credentials")
        {
            Description = "For CI: the client credentials of the stack's CI app client, from RC_CLIENT_ID and RC_CLIENT_SECRET (never from the command line)",
        };
        var scope = new Option<string>("--scope") { Description = "With --client-credentials: the scope to ask for", DefaultValueFactory = _ => CognitoLogin.CiScope };
        var command = new Command("login",
            "Sign in, and keep the sign-in for the next commands (credentials.json in the config directory, mode 0600). In AWS your browser signs you in " +
            "through Cognito's hosted UI; --local for the local stack; --client-credentials for CI.")
        {
            local, user, groups, apiUrl, domain, clientId, clientCredentials, scope,
        };
        command.SetAction(Session.Run(context, async (s, ct) =>
        {
            var url = (s.Parse.GetValue(apiUrl) ?? context.Variable("RC_API_URL") ?? CredentialStore.DefaultApiUrl).TrimEnd('/');
            if (!s.Parse.GetValue(local))
            {
                return await CognitoAsync(s, context, url, s.Parse.GetValue(domain), s.Parse.GetValue(clientId), s.Parse.GetValue(clientCredentials),
                    s.Parse.GetValue(scope)!, ct).ConfigureAwait(false);
            }
            var name = s.Parse.GetValue(user)!;
            var groupList = (s.Parse.GetValue(groups) ?? []).SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
            using var anonymous = new RcApi(url, null, context.Handler);
            var token = await anonymous.GetAsync($"/v1/local/token?user={Uri.EscapeDataString(name)}&groups={Uri.EscapeDataString(string.Join(',', groupList))}", ct)
                .ConfigureAwait(false);
            var expires = token.Str("expiresAt");
            var credentials = new Credentials(url, token.Str("token")!, expires is null ? null : DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture),
                name, groupList, "local");
            var store = new CredentialStore(context);
            store.Save(credentials);
            // The token itself is never printed, in either output.
            var summary = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
            {
                ["apiUrl"] = url, ["user"] = name, ["groups"] = groupList, ["expiresAt"] = expires, ["credentials"] = store.FilePath,
            });
            return s.Show(summary, () => s.Out.MarkupLineInterpolated(
                $"Signed in to [bold]{url}[/] as [bold]{name}[/] ({(groupList.Length == 0 ? "no groups" : string.Join(", ", groupList))}) until {J.Time(expires)}."));
        }));
        return command;
    }

    /// <summary>rc login in AWS: the browser (PKCE, loopback) for people, client credentials for CI.</summary>
    private static async Task<int> CognitoAsync(Session s, CliContext context, string url, string? domain, string? clientId, bool clientCredentials, string scope,
        CancellationToken ct)
    {
        using var http = context.Handler is null ? new HttpClient() : new HttpClient(context.Handler, disposeHandler: false);
        if (domain is null || (clientId is null && !clientCredentials))
        {
            var config = await CognitoLogin.DiscoverAsync(http, url, ct).ConfigureAwait(false);
            if (config.Auth == "local")
            {
                throw new UsageException($"{url} is the local stack: sign in with 'rc login --local --user <name> --groups <groups>'.");
            }
            domain ??= config.Domain ?? throw new UsageException($"{url}/config.json names no Cognito domain: give --cognito-domain.");
            clientId ??= config.CliClientId;
        }
        Credentials credentials;
        if (clientCredentials)
        {
            var id = context.Variable("RC_CLIENT_ID") is { Length: > 0 } i ? i : throw new UsageException("--client-credentials reads the app client from RC_CLIENT_ID; it is not set.");
            var secret = context.Variable("RC_CLIENT_SECRET") is { Length: > 0 } x ? x : throw new UsageException("--client-credentials reads the secret from RC_CLIENT_SECRET; it is not set.");
            credentials = await CognitoLogin.ClientCredentialsAsync(http, url, domain, id, secret, scope, ct).ConfigureAwait(false);
        }
        else
        {
            credentials = await new CognitoLogin(context).BrowserAsync(http, url, domain,
                clientId ?? throw new UsageException($"{url}/config.json names no cliClientId: give --client-id (the stack's CliClientId output)."), ct).ConfigureAwait(false);
        }
        var store = new CredentialStore(context);
        store.Save(credentials);
        var expires = credentials.ExpiresAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var summary = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["apiUrl"] = url, ["user"] = credentials.User, ["groups"] = credentials.Groups, ["expiresAt"] = expires, ["credentials"] = store.FilePath, ["via"] = credentials.Via,
        });
        return s.Show(summary, () => s.Out.MarkupLineInterpolated(
            $"Signed in to [bold]{url}[/] as [bold]{credentials.User ?? "?"}[/] ({(credentials.Groups.Count == 0 ? "no groups" : string.Join(", ", credentials.Groups))}) until {J.Time(expires)}."));
    }

    public static Command Logout(CliContext context)
    {
        var command = new Command("logout", "Forget the cached sign-in");
        command.SetAction(Session.Run(context, (s, _) =>
        {
            var removed = new CredentialStore(context).Delete();
            s.Out.WriteLine(removed ? "Signed out." : "Not signed in.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }
}
