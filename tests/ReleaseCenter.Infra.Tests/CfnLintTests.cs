using System.ComponentModel;
using System.Diagnostics;
using Xunit.Abstractions;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class CfnLintTests(SynthesizedStackFixture stack, ITestOutputHelper output)
{
    /// <summary>cfn-lint's exit code is a bit set: 1 = cfn-lint itself failed, 2 = errors, 4 = warnings, 8 = informational.</summary>
    private const int LintFailed = 1;
    private const int LintErrors = 2;

    [Fact]
    public void SynthesizedTemplate_HasNoCfnLintErrors()
    {
        var (exitCode, text) = RunCfnLint(stack.TemplatePath);
        output.WriteLine($"cfn-lint exit code {exitCode}{(text.Length == 0 ? ", no findings" : ":")}");
        output.WriteLine(text);

        Assert.True((exitCode & LintFailed) == 0, $"cfn-lint could not check the template (exit code {exitCode}):\n{text}");
        Assert.True((exitCode & LintErrors) == 0, $"cfn-lint reports errors (exit code {exitCode}):\n{text}");
    }

    private static (int ExitCode, string Output) RunCfnLint(string templatePath)
    {
        var start = new ProcessStartInfo("cfn-lint")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(templatePath);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("cfn-lint did not start.");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"cfn-lint is not on PATH ({e.Message}). Install it with `pip install cfn-lint` (CI uses 1.51) and run the tests again.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("cfn-lint did not finish within 3 minutes.");
            }

            return (process.ExitCode, (stdout.Result + stderr.Result).Trim());
        }
    }
}
