using ReleaseCenter.Benchmarks;
using Xunit.Abstractions;

namespace ReleaseCenter.Benchmarks.Tests;

/// <summary>
/// CI runs every benchmark suite once at its smallest size: a broken benchmark fails the build. No figure is asserted
/// (this machine is shared and noisy; targets live in docs/benchmarks.md), only that each suite ran to the end and
/// measured something in every table it prints.
/// </summary>
public sealed class BenchmarkSmokeTests(ITestOutputHelper output)
{
    public static TheoryData<string> SuiteNames() => new(SuiteRunner.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(SuiteNames))]
    public async Task Suite_RunsToTheEnd_AtItsSmallestSize(string name)
    {
        var suite = SuiteRunner.Find(name)!;
        using var text = new StringWriter();
        var options = new BenchmarkOptions(Smoke: true, Write: false, RepoRootOfTests(), text);

        var report = await suite.RunAsync(options, CancellationToken.None);

        report.WriteText(text);
        output.WriteLine(text.ToString());
        Assert.NotEmpty(report.Tables);
        Assert.All(report.Tables, t => Assert.True(t.Rows.Count > 0, $"The table '{t.Title}' has no rows."));
        Assert.All(report.Tables.SelectMany(t => t.Rows).SelectMany(r => r), cell => Assert.DoesNotContain("NaN", cell, StringComparison.Ordinal));
    }

    private static string RepoRootOfTests()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Serverless.sln was not found above the test's directory.");
    }
}
