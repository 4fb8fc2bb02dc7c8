using System.CommandLine;
using System.Text.Json;
using ReleaseCenter.Cli.Commands;
using Spectre.Console;

namespace ReleaseCenter.Cli;

/// <summary>The <c>rc</c> command tree (docs/cli.md), parsed by System.CommandLine, drawn with Spectre.Console.</summary>
public static class RcApp
{
    /// <summary>--output json on every command: the API's own JSON, for scripts.</summary>
    internal const string OutputOptionName = "--output";

    /// <summary>One per command tree: an option belongs to the commands it was added to.</summary>
    private static Option<string> CreateOutputOption()
    {
        var option = new Option<string>(OutputOptionName, "-o")
        {
            Description = "table (for people, the default) or json (the API's answer, for scripts)",
            DefaultValueFactory = _ => "table",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("table", "json");
        return option;
    }

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("rc: release models through ML Release Center, from a terminal or a CI job.");
        root.Options.Add(CreateOutputOption());
        foreach (var command in new[]
        {
            AuthCommands.Login(context), AuthCommands.Logout(context),
            RegistryCommands.Models(context), RegistryCommands.Versions(context),
            ReleaseCommands.Release(context), ApprovalCommands.Approve(context, "approve"), ApprovalCommands.Approve(context, "reject"),
            OperationsCommands.Rollback(context), OperationsCommands.Diff(context), OperationsCommands.Environments(context),
            OperationsCommands.Audit(context), OperationsCommands.Drift(context), PolicyCommands.Policy(context), PolicyCommands.Templates(context),
            OperationsCommands.Completion(context),
        })
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Parses and runs one command line; a usage error is exit code 2 with the parser's reasons.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var parse = Build(context).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync(error.Message).ConfigureAwait(false);
            }
            var names = new List<string>();
            for (System.CommandLine.Parsing.SymbolResult? r = parse.CommandResult; r is System.CommandLine.Parsing.CommandResult c; r = c.Parent)
            {
                names.Insert(0, c.Command is RootCommand ? "rc" : c.Command.Name);
            }
            await context.Error.WriteLineAsync($"Run '{string.Join(' ', names)} --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { Output = context.OutText, Error = context.Error }, ct).ConfigureAwait(false);
    }
}

/// <summary>One command's run: its sign-in, its API client, how it prints; turns API problems into exit code 1 with field and reason.</summary>
internal sealed class Session(CliContext context, ParseResult parse) : IDisposable
{
    private RcApi? _api;

    public CliContext Context => context;

    public ParseResult Parse => parse;

    public bool Json => parse.GetValue<string>(RcApp.OutputOptionName) == "json";

    public IAnsiConsole Out => context.Out;

    public Credentials Credentials => new CredentialStore(context).Current()
        ?? throw new NotSignedInException();

    public RcApi Api => _api ??= new RcApi(Credentials.ApiUrl, Credentials.Token, context.Handler);

    /// <summary>Prints the API's JSON as it came (--output json) or runs the table rendering.</summary>
    public int Show(JsonElement answer, Action render)
    {
        if (Json)
        {
            context.OutText.WriteLine(J.Pretty(answer));
        }
        else
        {
            render();
        }
        return ExitCodes.Ok;
    }

    /// <summary>Runs a command body: a refused request, an unreachable API or a missing sign-in is said on stderr with exit code 1.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Run(CliContext context, Func<Session, CancellationToken, Task<int>> body) =>
        async (parse, ct) =>
        {
            using var session = new Session(context, parse);
            try
            {
                return await body(session, ct).ConfigureAwait(false);
            }
            catch (ApiException ex)
            {
                await context.Error.WriteLineAsync($"Error: {ex.Title}{(ex.Detail is null || ex.Fields.Count > 0 ? "" : $": {ex.Detail}")}").ConfigureAwait(false);
                foreach (var (field, reason) in ex.Fields)
                {
                    await context.Error.WriteLineAsync($"  {field}: {reason}").ConfigureAwait(false);
                }
                return ExitCodes.Error;
            }
            catch (SignInException ex)
            {
                await context.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Error;
            }
            catch (NotSignedInException ex)
            {
                await context.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Error;
            }
            catch (UsageException ex)
            {
                await context.Error.WriteLineAsync($"Error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
        };

    public void Dispose() => _api?.Dispose();
}

internal sealed class NotSignedInException()
    : Exception("Not signed in. Run 'rc login --api-url <console URL>' (your browser signs you in), 'rc login --local --user <name> --groups <groups>' for the local stack, or set RC_TOKEN (and RC_API_URL).");

/// <summary>A command line that parses but cannot be run as given (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
