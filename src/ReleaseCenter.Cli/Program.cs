using ReleaseCenter.Cli;
using Spectre.Console;

var context = new CliContext
{
    Out = AnsiConsole.Console,
    OutText = Console.Out,
    Error = Console.Error,
    ConfigDirectory = CliContext.DefaultConfigDirectory(Environment.GetEnvironmentVariable),
    Interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected,
};
return await RcApp.RunAsync(args, context).ConfigureAwait(false);
