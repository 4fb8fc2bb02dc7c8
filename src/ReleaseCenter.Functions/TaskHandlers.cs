using System.Text.Json;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions;

/// <summary>
/// The task handlers of every workflow (and of the rules and schedules that invoke functions), by
/// handler name: one <see cref="ITaskStep"/> class each. Transient AWS errors become
/// <c>Release.Transient</c>, which the state machines retry (every step is idempotent).
/// </summary>
public sealed class TaskHandlers : ITaskHandlers
{
    private readonly Dictionary<string, ITaskStep> _steps;

    public TaskHandlers(IEnumerable<ITaskStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
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
        try
        {
            return await step.InvokeAsync(doc.RootElement, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Aws.Clients.TransientErrors.IsTransient(ex))
        {
            // The state machine retries Release.Transient with backoff; every step is idempotent.
            throw new Domain.Workflow.WorkflowErrorException(Domain.Workflow.WorkflowErrors.Transient, $"{handler}: {ex.Message}");
        }
    }
}
