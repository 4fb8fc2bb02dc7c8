using ReleaseCenter.Functions;

namespace ReleaseCenter.Local;

/// <summary>
/// Locally, what the scheduled EventBridge rule does in AWS: run the send-reminders handler
/// every <see cref="Interval"/> (RELEASE_CENTER_REMINDER_SWEEP_SECONDS, default 30).
/// </summary>
public sealed partial class ReminderSweeper(ITaskHandlers handlers, ILogger<ReminderSweeper> log) : BackgroundService
{
    public static TimeSpan Interval =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_REMINDER_SWEEP_SECONDS"), out var s) && s > 0 ? s : 30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await handlers.InvokeAsync("send-reminders", "{}", stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSweepFailed(log, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The approval reminder sweep failed; it runs again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, Exception ex);
}
