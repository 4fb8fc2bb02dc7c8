using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using System.Text.Json;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Not a state machine task: the EventBridge target of drift.detected.v1. Starts the retrain execution named after the report;
/// a redelivered event finds it running and starts nothing.
/// </summary>
public sealed class StartRetrainStep(
    IStepFunctions stepFunctions,
    ReleaseCenterSettings settings) : ITaskStep
{
    public string Handler => ReleaseCenter.Aws.Resources.RetrainWorkflow.TriggerFunction.Handler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        $$"""{"executionArn":"{{await RunAsync(payload, ct).ConfigureAwait(false)}}"}""";

    /// <summary>The EventBridge target: starts the execution named after the report; a redelivered event finds it running and starts nothing.</summary>
    public async Task<string> RunAsync(JsonElement driftEvent, CancellationToken ct)
    {
        var detail = driftEvent.GetProperty("detail");
        var id = detail.GetProperty("driftReportId").GetString()!;
        var model = detail.GetProperty("model").GetString()!;
        try
        {
            var input = JsonSerializer.Serialize(new Dictionary<string, string> { ["driftReportId"] = id, ["model"] = model }, WorkflowJsonContext.Default.DictionaryStringString);
            return (await stepFunctions.StartExecutionAsync(new StartExecutionRequest(
                settings.RetrainStateMachineArn ?? throw new InvalidOperationException("No retrain state machine is configured.")) { Name = id, Input = input }, ct)
                .ConfigureAwait(false)).ExecutionArn;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == StepFunctionsErrors.ExecutionAlreadyExists)
        {
            return StepFunctionsArns.Execution(settings.RetrainStateMachineArn!, id);
        }
    }
}
