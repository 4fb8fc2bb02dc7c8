using System.Diagnostics;
using ReleaseCenter.Benchmarks.Suites;

namespace ReleaseCenter.Benchmarks;

/// <summary>How a run was asked for. Smoke: every suite at its smallest size, once, nothing written (CI).</summary>
public sealed record BenchmarkOptions(bool Smoke, bool Write, string RepoRoot, TextWriter Out)
{
    /// <summary>False (--no-publish): the cold start suite measures the builds a previous full run published.</summary>
    public bool Publish { get; init; } = true;
}

/// <summary>One benchmark suite: it measures, and says what it measured in tables and target checks.</summary>
public interface ISuite
{
    /// <summary>The name on the command line.</summary>
    string Name { get; }

    Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct);
}

public static class SuiteRunner
{
    public static IReadOnlyList<ISuite> All { get; } =
    [
        new ColdStartSuite(),
        new CostSuite(),
        new OverheadSuite(),
        new ScaleSuite(),
        new StreamingSuite(),
        new MicroSuite(),
    ];

    public static ISuite? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Runs the suites one after another (never side by side: they measure the machine). Returns how many failed.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<ISuite> suites, BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(suites);
        ArgumentNullException.ThrowIfNull(options);
        var failed = 0;
        var machine = Machine.Describe();
        options.Out.WriteLine($"Machine: {machine}{(options.Smoke ? " (smoke run: smallest sizes, figures not written)" : "")}");
        foreach (var suite in suites)
        {
            var clock = Stopwatch.StartNew();
            options.Out.WriteLine();
            options.Out.WriteLine($"== {suite.Name} ==");
            SuiteReport report;
            try
            {
                report = await suite.RunAsync(options, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                options.Out.WriteLine($"{suite.Name} failed: {ex}");
                failed++;
                continue;
            }
            report.Duration = clock.Elapsed;
            report.WriteText(options.Out);
            if (options.Write)
            {
                BenchmarksFile.Append(Path.Combine(options.RepoRoot, "docs", "benchmarks.md"), report, machine, DateTimeOffset.UtcNow);
            }
        }
        return failed;
    }
}
