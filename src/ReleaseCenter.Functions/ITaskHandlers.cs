namespace ReleaseCenter.Functions;

/// <summary>
/// Step Functions task handlers by name (<see cref="Aws.Resources.ReleaseWorkflow.Functions"/>).
/// The Lambda bootstrap dispatches on the function's Handler setting; the local endpoint on the
/// invoked function's name. A failure the workflow should match on is a
/// <see cref="Domain.Workflow.WorkflowErrorException"/>; report its ErrorType as the error type.
/// </summary>
public interface ITaskHandlers
{
    bool Has(string handler);

    /// <summary>Runs one invocation: JSON payload in, JSON result out.</summary>
    Task<string> InvokeAsync(string handler, string payload, CancellationToken ct);
}
