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
        var apiUrl = new Option<string>("--api-url") { Description = $"The API's base URL (default: $RC_API_URL, else {CredentialStore.DefaultApiUrl})" };
        var command = new Command("login", "Sign in, and keep the sign-in for the next commands (credentials.json in the config directory, mode 0600)")
        {
            local, user, groups, apiUrl,
        };
        command.SetAction(Session.Run(context, async (s, ct) =>
        {
            var url = (s.Parse.GetValue(apiUrl) ?? context.Variable("RC_API_URL") ?? CredentialStore.DefaultApiUrl).TrimEnd('/');
            if (!s.Parse.GetValue(local))
            {
                throw new UsageException(
                    "Signing in to AWS through Cognito's hosted UI is not built yet. Use 'rc login --local' for the local stack, or set RC_TOKEN to a token from your identity provider.");
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
