using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Benchmarks.Suites;

/// <summary>
/// Streaming: the audit export's CSV and JSONL writers over 1M entries, and the chain verifier over a chain of 1M,
/// with the process's peak memory growth. The entries come from a generator that seals a real chain page by page
/// (100 entries, a DynamoDB page's worth), so nothing holds the million in memory unless the code under test does.
/// The emulator is not in this path: seeding it with 1M items would measure moto, not us.
/// </summary>
public sealed class StreamingSuite : ISuite
{
    private const int PageSize = 100;
    private const long RssTargetBytes = 50L * 1024 * 1024;

    public string Name => "streaming";

    public async Task<SuiteReport> RunAsync(BenchmarkOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var entries = options.Smoke ? 10_000 : 1_000_000;
        var report = new SuiteReport(Name, $"Streaming: export and verify {entries:#,0} audit entries");
        var table = report.Table($"{entries:#,0} entries, pages of {PageSize}", "operation", "time", "entries/s", "output", "peak RSS growth");

        // The generator's own cost, to subtract from the verifier's (which needs the sealed chain as its input).
        var (generate, _, _) = await MeasureAsync(async () =>
        {
            long n = 0;
            await foreach (var page in Chain(entries, ct).ConfigureAwait(false))
            {
                n += page.Count;
            }
            return n;
        }).ConfigureAwait(false);
        table.Add("generate and seal the chain (input of the rows below)", Seconds(generate), Rate(entries, generate), "", "");

        foreach (var (format, write) in new (string, Func<Stream, IAsyncEnumerable<IReadOnlyList<AuditEntry>>, CancellationToken, Task<long>>)[]
        {
            ("CSV", AuditExport.WriteCsvAsync),
            ("JSONL", AuditExport.WriteJsonlAsync),
        })
        {
            var sink = new CountingStream();
            var (elapsed, growth, rows) = await MeasureAsync(() => write(sink, Chain(entries, ct), ct)).ConfigureAwait(false);
            if (rows != entries)
            {
                throw new InvalidOperationException($"The {format} export wrote {rows} rows, not {entries}.");
            }
            table.Add($"export as {format} (generation included)", Seconds(elapsed), Rate(entries, elapsed), Stats.Mb(sink.Length), Stats.Mb(growth));
            report.Target($"{format} export of {entries:#,0}: peak RSS growth < 50 MB", Stats.Mb(growth), growth < RssTargetBytes);
        }

        var (verifyElapsed, verifyGrowth, verified) = await MeasureAsync(async () =>
        {
            var verifier = new AuditChainVerifier("bench");
            await foreach (var page in Chain(entries, ct).ConfigureAwait(false))
            {
                foreach (var entry in page)
                {
                    verifier.Accept(entry);
                }
            }
            var result = verifier.Complete(null);
            return result.Valid ? verifier.LastSeq : -1;
        }).ConfigureAwait(false);
        if (verified != entries)
        {
            throw new InvalidOperationException($"The verifier accepted {verified} entries, not the chain of {entries}.");
        }
        table.Add("verify the chain (generation included)", Seconds(verifyElapsed), Rate(entries, verifyElapsed), "", Stats.Mb(verifyGrowth));
        var verifyOnly = verifyElapsed - generate;
        table.Add("verify the chain (generation subtracted)", Seconds(verifyOnly), Rate(entries, verifyOnly), "", "");
        report.Target($"verify a chain of {entries:#,0}: peak RSS growth < 50 MB", Stats.Mb(verifyGrowth), verifyGrowth < RssTargetBytes);
        report.Notes.Add("Peak RSS growth: the highest resident set sampled every 5 ms during the operation, less the resident set just before it (after a full GC).");
        return report;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

    private static string Rate(long n, TimeSpan t) => t <= TimeSpan.Zero ? "n/a" : Stats.Count(n / t.TotalSeconds);

    /// <summary>A chain of <paramref name="count"/> entries of one project, sealed as the log seals them, one page at a time.</summary>
    private static async IAsyncEnumerable<IReadOnlyList<AuditEntry>> Chain(long count, [EnumeratorCancellation] CancellationToken ct)
    {
        var head = AuditHead.Empty;
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var page = new List<AuditEntry>(PageSize);
        for (long i = 1; i <= count; i++)
        {
            var release = $"rel-{i / 10:D8}";
            var entry = AuditChain.Seal(new AuditRecord("bench", i % 7 == 0 ? "sam" : "alice", i % 3 == 0 ? "release.approved" : "release.stage-deployed",
                $"release/{release}", new Dictionary<string, string>
                {
                    ["environment"] = (i % 3) switch { 0 => "dev", 1 => "staging", _ => "prod" },
                    ["model"] = "fraud-detector",
                    ["version"] = (i % 40).ToString(CultureInfo.InvariantCulture),
                    ["comment"] = "Metrics hold; latency within budget, \"as agreed\".",
                }), head, at.AddSeconds(i));
            head = new AuditHead(entry.Seq, entry.Hash);
            page.Add(entry);
            if (page.Count == PageSize)
            {
                ct.ThrowIfCancellationRequested();
                yield return page;
                page = new List<AuditEntry>(PageSize);
                await Task.Yield(); // as a DynamoDB page arrives: the consumer runs between pages
            }
        }
        if (page.Count > 0)
        {
            yield return page;
        }
    }

    private static async Task<(TimeSpan Elapsed, long PeakGrowth, long Result)> MeasureAsync(Func<Task<long>> operation)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var baseline = ProcessMemory.Rss();
        using var sampler = new RssSampler();
        var clock = Stopwatch.StartNew();
        var result = await operation().ConfigureAwait(false);
        clock.Stop();
        return (clock.Elapsed, Math.Max(0, sampler.Stop() - baseline), result);
    }

    /// <summary>A write-only stream that only counts: the export's output goes nowhere, so only the writer's memory shows.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>This process's resident set, from /proc (Linux).</summary>
public static class ProcessMemory
{
    public static long Rss() => Status("VmRSS:");

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}

/// <summary>Samples the resident set every 5 ms on its own thread and keeps the highest.</summary>
public sealed class RssSampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _peak;

    public RssSampler()
    {
        _peak = ProcessMemory.Rss();
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                var rss = ProcessMemory.Rss();
                if (rss > Interlocked.Read(ref _peak))
                {
                    Interlocked.Exchange(ref _peak, rss);
                }
                Thread.Sleep(5);
            }
        }) { IsBackground = true, Name = "rss-sampler" };
        _thread.Start();
    }

    public long Stop()
    {
        _stop = true;
        _thread.Join();
        return Math.Max(Interlocked.Read(ref _peak), ProcessMemory.Rss());
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }
}
