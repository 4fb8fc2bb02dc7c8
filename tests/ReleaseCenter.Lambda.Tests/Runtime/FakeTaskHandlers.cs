using Microsoft.Extensions.Hosting;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions;

namespace ReleaseCenter.Lambda.Tests.Runtime;

/// <summary>What the handlers saw, for assertions (the handlers live in the bootstrap's container).</summary>
public sealed class HandlerProbe
{
    /// <summary>When the slow handler's token was cancelled (wall clock, to compare with the invocation's deadline).</summary>
    public TaskCompletionSource<DateTimeOffset> CancelledAt { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IHostApplicationLifetime? Lifetime { get; set; }
}

/// <summary>Task handlers with one behaviour each, standing in for the product's.</summary>
public sealed class FakeTaskHandlers(IHostApplicationLifetime lifetime, HandlerProbe probe) : ITaskHandlers
{
    public bool Has(string handler) => handler is "echo" or "locked" or "broken" or "slow" or "trace" or "stop";

    public async Task<string> InvokeAsync(string handler, string payload, CancellationToken ct)
    {
        switch (handler)
        {
            case "echo":
                return $$"""{"echo":{{payload}}}""";
            case "locked":
                throw new WorkflowErrorException(WorkflowErrors.EnvironmentLocked, "prod is locked by release r-41.");
            case "broken":
                throw new InvalidOperationException("Something the workflow does not expect.");
            case "slow":
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                catch (OperationCanceledException)
                {
                    probe.CancelledAt.TrySetResult(DateTimeOffset.UtcNow);
                    throw;
                }
                return "{}";
            case "trace":
                return $$"""{"trace":"{{Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID")}}"}""";
            case "stop":
                probe.Lifetime = lifetime;
                return "{}";
            default:
                throw new ArgumentOutOfRangeException(nameof(handler));
        }
    }
}
