using System.Text;
using ReleaseCenter.Cli;
using Spectre.Console;

namespace ReleaseCenter.Integration.Tests.Cli;

/// <summary>One person's terminal: their own config directory (so their own sign-in), output captured.</summary>
internal sealed class RcTerminal(string configDirectory, string apiUrl, IReadOnlyDictionary<string, string>? variables = null,
    Func<string, Task>? openBrowser = null)
{
    public StringBuilder Out { get; } = new();

    public StringBuilder Err { get; } = new();

    public async Task<int> RunAsync(params string[] args) => await RunAsync(CancellationToken.None, args);

    public async Task<int> RunAsync(CancellationToken ct, params string[] args)
    {
        var outWriter = new StringWriter(Out);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(outWriter),
        });
        console.Profile.Width = 200;
        var context = new CliContext
        {
            Out = console,
            OutText = outWriter,
            Error = new StringWriter(Err),
            ConfigDirectory = configDirectory,
            PollInterval = TimeSpan.FromMilliseconds(200),
            Variable = name => name == "RC_API_URL" ? apiUrl : variables?.GetValueOrDefault(name),
            OpenBrowser = openBrowser ?? (_ => throw new InvalidOperationException("This test opens no browser.")),
        };
        return await RcApp.RunAsync(args, context, ct);
    }
}
