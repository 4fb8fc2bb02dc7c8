namespace ReleaseCenter.Domain.Workflow;

/// <summary>
/// A failure with a Step Functions error name ("Release.Rejected", "Release.EndpointNotReady").
/// Lambda hosts report <see cref="ErrorType"/> as the function error's type, which is what the
/// state machine's Retry and Catch match on.
/// </summary>
public class WorkflowErrorException(string errorType, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;
}

/// <summary>The error names the release state machine matches on (statemachines/release.asl.json).</summary>
public static class WorkflowErrors
{
    public const string Rejected = "Release.Rejected";
    public const string Expired = "Release.Expired";
    public const string RolledBack = "Release.RolledBack";
    public const string StageFailed = "Release.StageFailed";
    public const string EnvironmentLocked = "Release.EnvironmentLocked";
    public const string EndpointNotReady = "Release.EndpointNotReady";
    public const string Transient = "Release.Transient";

    /// <summary>SageMaker rolled the update back itself (an auto-rollback alarm went off).</summary>
    public const string AutoRolledBack = "Release.AutoRolledBack";

    /// <summary>The endpoint did not serve the release within the environment's deployment bound.</summary>
    public const string DeploymentTimedOut = "Release.DeploymentTimedOut";

    /// <summary>The release was cancelled while a step ran.</summary>
    public const string Cancelled = "Release.Cancelled";

    /// <summary>A SageMaker name this release would create is taken by a resource that is not this release's.</summary>
    public const string NameCollision = "Release.NameCollision";

    /// <summary>The release's version was marked as bad while the release was in flight; it stops at the next environment's door.</summary>
    public const string Vetoed = "Release.Vetoed";
}
