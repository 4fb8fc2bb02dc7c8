using System.Text.Json;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>Completes a waiting approval task (release stage or rollback) once its gate has decided.</summary>
public static class ApprovalTasks
{
    /// <param name="what">What was decided, for messages: "prod", "rollback rb-...".</param>
    public static async Task CompleteAsync(IStepFunctions stepFunctions, string token, string decided, string actor, string? comment, string what,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stepFunctions);
        try
        {
            if (decided == "approved")
            {
                await stepFunctions.SendTaskSuccessAsync(new SendTaskSuccessRequest(token,
                    JsonSerializer.Serialize(new Dictionary<string, string> { ["decision"] = decided, ["decidedBy"] = actor }, WorkflowJsonContext.Default.DictionaryStringString)),
                    ct).ConfigureAwait(false);
            }
            else
            {
                await stepFunctions.SendTaskFailureAsync(new SendTaskFailureRequest(token)
                {
                    Error = WorkflowErrors.Rejected,
                    Cause = $"{actor} rejected {what}" + (comment is null ? "." : $": {comment}"),
                }, ct).ConfigureAwait(false);
            }
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode is "TaskTimedOut" or "TaskDoesNotExist" or "InvalidToken")
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Approval window closed", $"The approval of {what} can no longer be completed ({ex.ErrorCode}).");
        }
    }
}
