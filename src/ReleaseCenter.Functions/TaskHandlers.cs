using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Functions.Telemetry;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions;

/// <summary>
/// The task handlers of every workflow (and of the rules and schedules that invoke functions), by
/// handler name: one <see cref="ITaskStep"/> class each. Transient AWS errors become
/// <c>Release.Transient</c>, which the state machines retry (every step is idempotent).
/// </summary>
public sealed partial class TaskHandlers : ITaskHandlers
{
    private readonly Dictionary<string, ITaskStep> _steps;
    private readonly ILogger _log;

    public TaskHandlers(IEnumerable<ITaskStep> steps, ILogger<TaskHandlers> log)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _log = log;
        _steps = new Dictionary<string, ITaskStep>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            if (!_steps.TryAdd(step.Handler, step))
            {
                throw new InvalidOperationException($"Two steps answer the handler '{step.Handler}': {_steps[step.Handler].GetType().Name} and {step.GetType().Name}.");
            }
        }
    }

    public bool Has(string handler) => _steps.ContainsKey(handler);

    public async Task<string> InvokeAsync(string handler, string payload, CancellationToken ct)
    {
        if (!_steps.TryGetValue(handler, out var step))
        {
            throw new InvalidOperationException($"No task handler is named '{handler}'.");
        }
        using var doc = JsonDocument.Parse(payload);
        using var scope = LogScopes.BeginTask(_log, handler, doc.RootElement);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var result = await step.InvokeAsync(doc.RootElement, ct).ConfigureAwait(false);
            LogStepDone(_log, handler, Elapsed(started));
            return result;
        }
        catch (Exception ex) when (Aws.Clients.TransientErrors.IsTransient(ex))
        {
            // The state machine retries Release.Transient with backoff; every step is idempotent.
            LogStepTransient(_log, handler, Elapsed(started), ex.Message);
            throw new Domain.Workflow.WorkflowErrorException(Domain.Workflow.WorkflowErrors.Transient, $"{handler}: {ex.Message}");
        }
        catch (Domain.Workflow.WorkflowErrorException ex)
        {
            // A named outcome the state machine branches on (rejected, rolled back): no stack trace.
            LogStepRaised(_log, handler, Elapsed(started), ex.ErrorType, ex.Message);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStepFailed(_log, ex, handler, Elapsed(started));
            throw;
        }
    }

    private static double Elapsed(long started) => Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Handler} done in {DurationMs} ms")]
    private static partial void LogStepDone(ILogger logger, string handler, double durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Step {Handler} met a transient AWS error after {DurationMs} ms; the state machine retries it: {Reason}")]
    private static partial void LogStepTransient(ILogger logger, string handler, double durationMs, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Step {Handler} raised {ErrorType} after {DurationMs} ms: {Reason}")]
    private static partial void LogStepRaised(ILogger logger, string handler, double durationMs, string errorType, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Step {Handler} failed after {DurationMs} ms")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string handler, double durationMs);
}
