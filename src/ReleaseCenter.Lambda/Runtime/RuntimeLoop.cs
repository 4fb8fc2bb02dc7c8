using System.Diagnostics;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Lambda.Runtime;

/// <summary>What one Lambda function does with one invocation: payload in, result out; the token ends at the deadline.</summary>
public delegate Task<byte[]> InvocationHandler(byte[] payload, CancellationToken ct);

/// <summary>
/// Asks the Runtime API for invocations one at a time until <c>stopping</c> is cancelled (ApplicationStopping,
/// which SIGTERM triggers; a loop that ignored it would keep the process alive). Payloads may carry task
/// tokens, so only the request id, handler, duration and error type are logged.
/// </summary>
public sealed partial class RuntimeLoop(RuntimeApiClient runtime, string handlerName, InvocationHandler handler, ILogger logger)
{
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    /// <returns>The process exit code: 0 when stopped, 1 when the Runtime API failed.</returns>
    public async Task<int> RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var invocation = await runtime.NextAsync(stopping).ConfigureAwait(false);
                await InvokeAsync(invocation, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (HttpRequestException ex)
            {
                LogRuntimeApiFailed(logger, ex.StatusCode is { } status ? (int)status : null);
                return 1;
            }
        }
        return 0;
    }

    private async Task InvokeAsync(Invocation invocation, CancellationToken stopping)
    {
        // The X-Ray SDK and the AWS SDK read the current trace from here.
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        if (invocation.Deadline is { } at)
        {
            deadline.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(0, (at - DateTimeOffset.UtcNow).TotalMilliseconds)));
        }
        // Every line of this invocation names Lambda's request id (the function's REPORT line has it too).
        using var scope = logger.BeginScope(new KeyValuePair<string, object?>[] { new("awsRequestId", invocation.RequestId) });
        var started = Stopwatch.GetTimestamp();
        byte[] result;
        try
        {
            result = await handler(invocation.Payload, deadline.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Every failure of the function's code becomes the invocation's error, never the runtime's.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var error = new LambdaError(ErrorType(ex), ex.Message);
            LogFailed(logger, invocation.RequestId, handlerName, Stopwatch.GetElapsedTime(started).TotalMilliseconds, error.ErrorType);
            await runtime.FailAsync(invocation.RequestId, error).ConfigureAwait(false);
            return;
        }
        LogSucceeded(logger, invocation.RequestId, handlerName, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        await runtime.RespondAsync(invocation.RequestId, result).ConfigureAwait(false);
    }

    /// <summary>The name Step Functions matches on: a workflow error's own, else the exception's type name.</summary>
    public static string ErrorType(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        return ex is WorkflowErrorException workflow ? workflow.ErrorType : ex.GetType().Name;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Invocation {RequestId} of {Handler} succeeded in {DurationMs:F1} ms")]
    private static partial void LogSucceeded(ILogger logger, string requestId, string handler, double durationMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Invocation {RequestId} of {Handler} failed with {ErrorType} after {DurationMs:F1} ms")]
    private static partial void LogFailed(ILogger logger, string requestId, string handler, double durationMs, string errorType);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The Runtime API failed (HTTP status {StatusCode}); the process exits for Lambda to restart it")]
    private static partial void LogRuntimeApiFailed(ILogger logger, int? statusCode);
}
