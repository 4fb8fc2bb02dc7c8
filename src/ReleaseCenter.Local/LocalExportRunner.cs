using System.Threading.Channels;
using ReleaseCenter.Api.Exports;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Local;

/// <summary>
/// Locally, what the table's stream and the export function do in AWS: the API hands each new job here, and it runs in
/// the background, one at a time, in the export function's role (its table grant, see TableAccess). A job queued when
/// the local stack stops stays queued.
/// </summary>
public sealed partial class LocalExportRunner(IServiceProvider services, ILogger<LocalExportRunner> log) : BackgroundService, IExportStarter
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private int _unfinished;

    /// <summary>Jobs handed over and not yet run to their end (tests wait for none before comparing the table).</summary>
    public bool Busy => Volatile.Read(ref _unfinished) > 0;

    public Task StartAsync(string jobId, CancellationToken ct)
    {
        Interlocked.Increment(ref _unfinished);
        return _queue.Writer.WriteAsync(jobId, ct).AsTask();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var runner = services.GetRequiredService<ExportJobRunner>();
        try
        {
            await foreach (var id in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                using var scope = LogScopes.Begin(log, [new("handler", ReleaseWorkflow.RunExportHandler)]);
                try
                {
                    await runner.RunAsync(id, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRunFailed(log, id, ex.Message);
                }
                finally
                {
                    Interlocked.Decrement(ref _unfinished);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export job {ExportId} could not be run: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string exportId, string reason);
}
