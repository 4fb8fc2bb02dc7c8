using Spectre.Console;

namespace ReleaseCenter.Cli;

/// <summary>The documented exit codes (docs/cli.md): what a CI job gates on.</summary>
public static class ExitCodes
{
    /// <summary>Done: released, approved, registered, listed.</summary>
    public const int Ok = 0;

    /// <summary>An error: the API refused the request, could not be reached, or the caller is not signed in.</summary>
    public const int Error = 1;

    /// <summary>The command line itself is wrong: an unknown option, a missing argument, a bad value.</summary>
    public const int Usage = 2;

    /// <summary>With --wait (or watch): the release ended without reaching its last environment (rejected, expired, rolled back, failed, cancelled).</summary>
    public const int NotReleased = 3;
}

/// <summary>What a command runs against: where it writes, where credentials live, the environment, how often it polls.</summary>
public sealed record CliContext
{
    /// <summary>Standard output, for tables, live progress and JSON.</summary>
    public required IAnsiConsole Out { get; init; }

    /// <summary>Standard output as text: JSON (--output json), files, help.</summary>
    public required TextWriter OutText { get; init; }

    /// <summary>Standard error, for what went wrong.</summary>
    public required TextWriter Error { get; init; }

    /// <summary>Where the sign-in is cached (credentials.json, mode 0600).</summary>
    public required string ConfigDirectory { get; init; }

    public Func<string, string?> Variable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>How often --wait and watch look at the release.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether a person can answer a question (a confirmation); false in CI and tests.</summary>
    public bool Interactive { get; init; }

    /// <summary>Opens the sign-in page (rc login); tests follow it with their own client.</summary>
    public Func<string, Task> OpenBrowser { get; init; } = CognitoLogin.OpenInDefaultBrowser;

    /// <summary>The HTTP handler (tests may pass their own); null: the default.</summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>The user's config directory: $RC_CONFIG_DIR, else $XDG_CONFIG_HOME/release-center, else ~/.config/release-center.</summary>
    public static string DefaultConfigDirectory(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        if (variable("RC_CONFIG_DIR") is { Length: > 0 } dir)
        {
            return dir;
        }
        var config = variable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(config, "release-center");
    }
}
