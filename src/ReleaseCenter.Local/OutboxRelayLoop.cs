using ReleaseCenter.Aws.Store;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions.Events;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Local;

/// <summary>
/// Locally, what the table's DynamoDB stream and the relay function do in AWS: publish outbox events
/// to the emulator's bus. It wakes as soon as this host writes an event (the journal signals it) and
/// otherwise every <see cref="Interval"/> (RELEASE_CENTER_OUTBOX_POLL_MS, default 1000), which is also
/// how often it retries events the bus refused. See platform-notes: we poll the outbox rather than
/// read moto's stream.
/// </summary>
public sealed partial class OutboxRelayLoop(OutboxRelay relay, DynamoOutbox outbox, ILogger<OutboxRelayLoop> log) : BackgroundService
{
    public static TimeSpan Interval =>
        TimeSpan.FromMilliseconds(int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_OUTBOX_POLL_MS"), out var ms) && ms > 0 ? ms : 1000);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // What the sweep-outbox function does in AWS (and so what its table grant must allow, see TableAccess).
                using var scope = LogScopes.Begin(log, [new("handler", ReleaseWorkflow.SweepOutboxHandler)]);
                await relay.SweepAsync(TimeSpan.Zero, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                return; // stopping: the emulator may be gone already; what is pending stays in the outbox
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPassFailed(log, ex.Message);
            }
            try
            {
                await outbox.Signal.WaitAsync(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The outbox relay pass failed; it tries again shortly: {Reason}")]
    private static partial void LogPassFailed(ILogger logger, string reason);
}
