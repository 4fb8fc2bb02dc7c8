namespace ReleaseCenter.Aws.Resources;

/// <summary>A Lambda task of a workflow: the handler name the bootstrap dispatches on, and the ASL substitution key of its ARN.</summary>
public sealed record TaskFunction(string Handler, string SubstitutionKey, string Purpose);

/// <summary>
/// statemachines/release.asl.json and what it needs. The CDK app and the local stack build the
/// state machine from the same file with the same substitutions: this list is the only list.
/// </summary>
public static class ReleaseWorkflow
{
    public const string Name = "release";

    /// <summary>Relative to the repository root.</summary>
    public const string DefinitionFile = "statemachines/release.asl.json";

    public const string ReconcileHandler = "reconcile";

    /// <summary>The task that parks a workflow until its endpoint changes (release and rollback state machines both use it).</summary>
    public const string AwaitEndpointHandler = "await-endpoint";

    /// <summary>The target of the rule on SageMaker's "Endpoint State Change" events: wakes the parked workflow.</summary>
    public const string EndpointChangedHandler = "endpoint-changed";

    /// <summary>SageMaker's event for an endpoint's status change, on the account's default bus.</summary>
    public const string EndpointStateChangeSource = "aws.sagemaker";

    public const string EndpointStateChangeDetailType = "SageMaker Endpoint State Change";

    /// <summary>The rule matches every status: a woken workflow checks the endpoint itself and parks again if it still moves.</summary>
    public static string EndpointStateChangePattern =>
        $$"""{"source":["{{EndpointStateChangeSource}}"],"detail-type":["{{EndpointStateChangeDetailType}}"]}""";

    /// <summary>Every task function's timeout: the reconciler waits this long after an execution ended before it undoes what the execution left, so no task of it can still be running.</summary>
    public const int TaskTimeoutSeconds = 30;

    public static readonly IReadOnlyList<TaskFunction> Functions =
    [
        new("evaluate", "EvaluateFunctionArn", "Evaluate the candidate against each environment's gate and what is live there"),
        new("request-approval", "RequestApprovalFunctionArn", "Store the approval task token and ask reviewers"),
        new("check-door", "CheckDoorFunctionArn", "Say whether the release may enter the environment now (not frozen, soaked upstream), and how long to wait if not"),
        new("acquire-lock", "AcquireLockFunctionArn", "Take the environment's deployment lock (conditional write)"),
        new("deploy", "DeployFunctionArn", "Create the SageMaker model and endpoint config, create or update the endpoint"),
        new("check-endpoint", "CheckEndpointFunctionArn", "Say whether the endpoint serves the release yet, and how long to wait if not; fail past the deployment bound"),
        new(AwaitEndpointHandler, "AwaitEndpointFunctionArn", "Park the workflow's task token until SageMaker's Endpoint State Change event (or the fallback timeout)"),
        new("verify", "VerifyFunctionArn", "Check the endpoint's health after the bake time"),
        new("roll-back-endpoint", "RollBackEndpointFunctionArn", "Put the previous endpoint config back and release the lock"),
        new("record-deployment", "RecordDeploymentFunctionArn", "Record the deployment, make the release live, release the lock"),
        new("stop-stage", "StopStageFunctionArn", "Record a failed stage, release its lock, name the release-level error to raise"),
        new("finish", "FinishFunctionArn", "Record the release's final status and announce it"),
    ];

    /// <summary>The target of the EventBridge rule on SageMaker's endpoint state changes (default bus): wakes the workflow parked on that endpoint.</summary>
    public static readonly TaskFunction EndpointChangedFunction =
        new(EndpointChangedHandler, "", "Wake the workflow waiting for a SageMaker endpoint when SageMaker says its status changed");

    /// <summary>Handlers run on a schedule rather than by the state machine, with their EventBridge schedule expression.</summary>
    public static readonly IReadOnlyList<(TaskFunction Function, string Schedule)> ScheduledFunctions =
    [
        (new("send-reminders", "", "Announce a reminder for stages that have waited for approval longer than their policy's reminder delay"), "rate(5 minutes)"),
        (new(ReconcileHandler, "", "Free environment locks whose execution has ended; deliver approval decisions that were stored but never reached their workflow"), "rate(1 minute)"),
        (new(SweepOutboxHandler, "", "Publish outbox events still pending two minutes after they were written (the stream relay's safety net)"), "rate(1 minute)"),
        (new(AnchorAuditHandler, "", "Anchor each project's audit chain head in the Object Lock bucket (after 100 new entries or an hour)"), "rate(5 minutes)"),
        (new(CheckLiveStateHandler, "", "Compare each live endpoint (DescribeEndpoint) with the record; flag an out-of-band change, so releases wait until it is reconciled"), "rate(5 minutes)"),
    ];

    /// <summary>The scheduled check of the live state against the record (operations.md, "Out-of-band changes").</summary>
    public const string CheckLiveStateHandler = "check-live-state";

    /// <summary>The scheduled function that anchors audit chain heads outside the table.</summary>
    public const string AnchorAuditHandler = "anchor-audit";

    /// <summary>The function on the table's stream that publishes outbox events to the bus (architecture.md, "Events").</summary>
    public const string RelayOutboxHandler = "relay-outbox";

    /// <summary>The export function: runs export jobs, started by their items' INSERTs on the table's stream.</summary>
    public const string RunExportHandler = "run-export";

    /// <summary>The scheduled safety net of the relay.</summary>
    public const string SweepOutboxHandler = "sweep-outbox";

    /// <summary>PutEvents takes at most 10 entries.</summary>
    public const int PutEventsBatchSize = 10;

    /// <summary>Every ${Key} the ASL file uses, resolved. <paramref name="functionArn"/> maps a handler name to its function's ARN.</summary>
    public static IReadOnlyDictionary<string, string> Substitutions(Func<string, string> functionArn)
    {
        ArgumentNullException.ThrowIfNull(functionArn);
        return Functions.ToDictionary(f => f.SubstitutionKey, f => functionArn(f.Handler), StringComparer.Ordinal);
    }

    /// <summary>Replaces ${Key} placeholders; an unknown or unresolved placeholder is an error, never left in the definition.</summary>
    public static string Resolve(string definition, IReadOnlyDictionary<string, string> substitutions)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(substitutions);
        var resolved = System.Text.RegularExpressions.Regex.Replace(definition, @"\$\{([A-Za-z0-9]+)\}", m =>
            substitutions.TryGetValue(m.Groups[1].Value, out var value)
                ? value
                : throw new InvalidOperationException($"The state machine definition uses ${{{m.Groups[1].Value}}}, which has no substitution."));
        return resolved;
    }
}
