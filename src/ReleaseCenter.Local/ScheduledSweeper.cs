using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions;

namespace ReleaseCenter.Local;

/// <summary>
/// Locally, what the scheduled EventBridge rules do in AWS: run each scheduled handler
/// (<see cref="ReleaseWorkflow.ScheduledFunctions"/>: approval reminders, and the reconciler that
/// frees abandoned locks and delivers decided approvals) every <see cref="Interval"/>
/// (RELEASE_CENTER_REMINDER_SWEEP_SECONDS, default 30).
/// </summary>
public sealed partial class ScheduledSweeper(ITaskHandlers handlers, ILogger<ScheduledSweeper> log) : BackgroundService
{
    public static TimeSpan Interval =>
        TimeSpan.FromSeconds(int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_REMINDER_SWEEP_SECONDS"), out var s) && s > 0 ? s : 30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            foreach (var (function, _) in ReleaseWorkflow.ScheduledFunctions)
            {
                try
                {
                    await handlers.InvokeAsync(function.Handler, "{}", stoppingToken).ConfigureAwait(false);
                }
                catch (Exception) when (stoppingToken.IsCancellationRequested)
                {
                    return; // stopping: the emulator may be gone already
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogSweepFailed(log, function.Handler, ex);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduled {Handler} run failed; it runs again at the next tick")]
    private static partial void LogSweepFailed(ILogger logger, string handler, Exception ex);
}
