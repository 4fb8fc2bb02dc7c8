using Microsoft.Extensions.Logging.Abstractions;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Local;

/// <summary>
/// The local stack's stand-in for CloudWatch Logs: one file of JSON lines, as the functions write
/// them in Lambda (<see cref="JsonLogLine"/>), with the metric lines in embedded metric format
/// among them. The terminal keeps the short human lines; this file has every field, so
/// <c>grep '"releaseId":"rel-…"' artifacts/local/release-center.jsonl</c> (path printed at start) finds a release's story.
/// </summary>
public sealed class LocalLogFile : IDisposable
{
    /// <summary>
    /// Where the run command writes: artifacts/local/release-center.jsonl in the repository (found above the working
    /// directory, which <c>dotnet run</c> sets to the project's), else in the working directory.
    /// </summary>
    public static string DefaultPath()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, "artifacts", "local", "release-center.jsonl");
            }
        }
        return System.IO.Path.Combine(Environment.CurrentDirectory, "artifacts", "local", "release-center.jsonl");
    }

    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;

    public LocalLogFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        // A fresh file per run: the emulator's state does not outlive the run either.
        _writer = new StreamWriter(new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true, NewLine = "\n" };
    }

    public string Path { get; }

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}

/// <summary>Metric lines (EMF) into the local log file, where CloudWatch would read them from the function's log.</summary>
public sealed class LocalMetricSink(LocalLogFile file) : IMetricSink
{
    public void Write(string line) => file.WriteLine(line);
}

/// <summary>Log lines into the local log file, flat JSON with the scopes' fields (<see cref="JsonLogLine"/>).</summary>
public sealed class LocalLogFileProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly LocalLogFile _file;
    private readonly TimeProvider _clock;
    private IExternalScopeProvider? _scopes;

    public LocalLogFileProvider(LocalLogFile file, TimeProvider clock)
    {
        _file = file;
        _clock = clock;
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class FileLogger(LocalLogFileProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = JsonLogLine.Format(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, provider._clock.GetUtcNow());
            if (line.Length > 0)
            {
                provider._file.WriteLine(line);
            }
        }
    }
}
