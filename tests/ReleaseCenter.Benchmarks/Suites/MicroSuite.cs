using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Benchmarks.Suites;

/// <summary>
/// Domain micro-benchmarks with BenchmarkDotNet (in-process toolchain, memory diagnoser): the audit hash of one
/// entry, PSI and KS on 100k samples each side, the diff of two releases with 50 metrics, and the evaluation gate.
/// </summary>
public sealed class MicroSuite : ISuite
{
    public string Name => "micro";

    public Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var job = (options.Smoke ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(Path.Combine(options.RepoRoot, "artifacts", "benchmarks", "BenchmarkDotNet"))
            // A smoke run (CI) may come from a Debug build; its figures are not kept.
            .WithOptions(options.Smoke ? ConfigOptions.DisableOptimizationsValidator : ConfigOptions.Default);
        var summary = BenchmarkRunner.Run<DomainBenchmarks>(config);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
        {
            throw new InvalidOperationException("BenchmarkDotNet could not run every benchmark: "
                + string.Join("; ", summary.ValidationErrors.Select(e => e.Message).Concat(summary.Reports.Where(r => !r.Success).Select(r => $"{r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo} failed"))));
        }
        var report = new SuiteReport(Name, "Domain micro-benchmarks (BenchmarkDotNet, " + (options.Smoke ? "dry job: one pass, figures meaningless)" : "short run: 3 warm-ups, 3 iterations)"));
        var table = report.Table("Per operation", "benchmark", "mean", "std dev", "allocated");
        foreach (var r in summary.Reports)
        {
            var stats = r.ResultStatistics;
            var allocated = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase);
            table.Add(r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''), Time(stats?.Mean), Time(stats?.StandardDeviation),
                allocated is { } bytes ? Bytes(bytes) : "n/a");
        }
        return Task.FromResult(report);
    }

    private static string Time(double? ns) => ns switch
    {
        null => "n/a",
        < 1_000 => ns.Value.ToString("0.0", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (ns.Value / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
        _ => (ns.Value / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
    };

    private static string Bytes(long bytes) => bytes < 10_240 ? $"{bytes} B" : (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB";
}

/// <summary>The benchmarks themselves; public for BenchmarkDotNet.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet runs instance methods.")]
public class DomainBenchmarks
{
    private AuditEntry _entry = null!;
    private double[] _baseline = null!;
    private double[] _current = null!;
    private Bundle _from = null!;
    private Bundle _to = null!;
    private Dictionary<string, double> _fromMetrics = null!;
    private Dictionary<string, double> _toMetrics = null!;
    private GatePolicy _gate = null!;
    private MetricDirections _directions = null!;

    [GlobalSetup]
    public void Setup()
    {
        _entry = AuditChain.Seal(new AuditRecord("payments", "sam", "release.approved", "release/rel-0123",
            new Dictionary<string, string> { ["environment"] = "prod", ["model"] = "fraud-detector", ["version"] = "7", ["comment"] = "Looks good." }),
            AuditHead.Empty, new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var random = new Random(42);
        _baseline = Normal(random, 100_000, 0, 1);
        _current = Normal(random, 100_000, 0.1, 1.1);
        var names = Enumerable.Range(0, 50).Select(i => i % 2 == 0 ? $"auc_segment_{i}" : $"latency_p{i}_ms").ToArray();
        _fromMetrics = names.ToDictionary(n => n, _ => 0.8 + (random.NextDouble() / 10));
        _toMetrics = names.ToDictionary(n => n, n => _fromMetrics[n] + ((random.NextDouble() - 0.5) / 50));
        var rules = names.Select(n => n.StartsWith("auc", StringComparison.Ordinal)
            ? new MetricRule(n, MetricDirection.HigherIsBetter, Threshold: 0.75, MaxRegression: 0.02)
            : new MetricRule(n, MetricDirection.LowerIsBetter, Threshold: 0.95, MaxRegression: 0.05)).ToList();
        _gate = new GatePolicy(rules);
        _directions = MetricDirections.FromGates([_gate]);
        _from = Bundle("fraud-detector", 6);
        _to = Bundle("fraud-detector", 7);
    }

    [Benchmark(Description = "audit hash (one entry)")]
    public string AuditHash() => AuditChain.ComputeHash(_entry);

    [Benchmark(Description = "PSI, 100k vs 100k samples (10 bins)")]
    public double Psi() => PopulationStabilityIndex.FromSamples(_baseline, _current);

    [Benchmark(Description = "KS two-sample, 100k vs 100k")]
    public double Ks() => KolmogorovSmirnov.TwoSample(_baseline, _current).Statistic;

    [Benchmark(Description = "diff of two releases, 50 metrics, with the gate")]
    public ReleaseDiff Diff() => ReleaseDiff.Compare(_from, _fromMetrics, _to, _toMetrics, _directions, gate: _gate);

    [Benchmark(Description = "gate evaluation, 50 rules against live")]
    public EvaluationReport Gate() => _gate.Evaluate(_toMetrics, _fromMetrics, 6);

    private static double[] Normal(Random random, int count, double mean, double sd)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            // Box-Muller: two uniforms, one normal sample.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = mean + (sd * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return values;
    }

    private static Bundle Bundle(string model, int version) => new(model, version, $"s3://models/{model}/{version}/model.tar.gz",
        "sha256:" + new string((char)('a' + version), 64), null,
        [new DatasetRef("train", $"s3://data/{model}/train-{version}.parquet", "sha256:" + new string('d', 64))],
        new Dictionary<string, JsonElement> { ["max_depth"] = JsonSerializer.SerializeToElement(6 + version), ["eta"] = JsonSerializer.SerializeToElement(0.1) },
        new InferenceConfig("ml.m5.large", 1), "sha256:" + new string((char)('0' + version), 64));
}
