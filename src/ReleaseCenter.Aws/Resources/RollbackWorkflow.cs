namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// statemachines/rollback.asl.json and what it needs: the rollback of one model in one
/// environment, named after the rollback id. Built like <see cref="ReleaseWorkflow"/> by the CDK
/// app and the local stack, from this one list.
/// </summary>
public static class RollbackWorkflow
{
    public const string Name = "rollback";

    /// <summary>Relative to the repository root.</summary>
    public const string DefinitionFile = "statemachines/rollback.asl.json";

    public static readonly IReadOnlyList<TaskFunction> Functions =
    [
        new("rollback-request-approval", "RollbackRequestApprovalFunctionArn", "Store a rollback's approval task token and ask reviewers"),
        new("rollback-acquire-lock", "RollbackAcquireLockFunctionArn", "Take the environment's deployment lock for a rollback (conditional write)"),
        new("rollback-restore", "RollbackRestoreFunctionArn", "Point the endpoint back at the target release's endpoint config"),
        new("rollback-check-endpoint", "RollbackCheckEndpointFunctionArn", "Say whether the endpoint serves the target yet, and how long to wait if not; fail past the time a rollback may take"),
        // The same function as the release workflow's: one waiter per endpoint, whichever workflow waits.
        ReleaseWorkflow.Functions.Single(f => f.Handler == ReleaseWorkflow.AwaitEndpointHandler),
        new("rollback-verify", "RollbackVerifyFunctionArn", "Check the restored endpoint's health after the bake time"),
        new("rollback-record", "RollbackRecordFunctionArn", "Make the target live again, free the lock, announce the rollback"),
        new("rollback-stop", "RollbackStopFunctionArn", "Record a rejected, expired or failed rollback, free the lock, name the outcome"),
    ];

    /// <summary>Every ${Key} the ASL file uses, resolved. <paramref name="functionArn"/> maps a handler name to its function's ARN.</summary>
    public static IReadOnlyDictionary<string, string> Substitutions(Func<string, string> functionArn)
    {
        ArgumentNullException.ThrowIfNull(functionArn);
        return Functions.ToDictionary(f => f.SubstitutionKey, f => functionArn(f.Handler), StringComparer.Ordinal);
    }
}
