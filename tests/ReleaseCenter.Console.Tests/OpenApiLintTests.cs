using System.Diagnostics;
using System.Text.Json;

namespace ReleaseCenter.Console.Tests;

/// <summary>
/// The OpenAPI description the console's types come from passes Redocly's recommended rules with no error. The
/// only warnings allowed are the ones docs/api.md explains: operations that can answer no 4xx at all.
/// </summary>
public sealed class OpenApiLintTests
{
    /// <summary>Anonymous operations without input: nothing a caller sends can be refused (docs/api.md, "OpenAPI").</summary>
    private static readonly string[] NoClientError =
    [
        "#/paths/~1healthz/get/responses",
        "#/paths/~1v1~1local~1info/get/responses",
        "#/paths/~1v1~1local~1faults/get/responses",
        "#/paths/~1v1~1local~1faults/delete/responses",
    ];

    [Fact]
    public async Task Description_HasNoLintError_AndOnlyTheExplainedWarnings()
    {
        var web = Path.Combine(ConsoleFixture.RepoRoot(), "src", "ReleaseCenter.Web");
        var cli = Path.Combine(web, "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"Redocly CLI is missing at {cli}: build the console first (dotnet build src/ReleaseCenter.Local runs npm ci).");
        var start = new ProcessStartInfo("node") { WorkingDirectory = web, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { cli, "lint", "openapi.json", "--format=json" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        using var report = JsonDocument.Parse(await stdout);
        var problems = report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => (Rule: p.GetProperty("ruleId").GetString()!, Severity: p.GetProperty("severity").GetString()!,
                Where: p.GetProperty("location")[0].GetProperty("pointer").GetString()!))
            .ToList();
        var unexplained = problems.Where(p => p.Severity == "error" || !(p.Rule == "operation-4xx-response" && NoClientError.Contains(p.Where))).ToList();
        Assert.True(unexplained.Count == 0,
            $"redocly lint (exit {process.ExitCode}):\n{string.Join('\n', unexplained.Select(p => $"{p.Severity} {p.Rule} at {p.Where}"))}\n{await stderr}");
    }
}
