namespace ReleaseCenter.Aws.Resources;

/// <summary>Every workflow's task functions, for those that host or deploy them all.</summary>
public static class Workflows
{
    /// <summary>Functions a state machine invokes, plus the retrain trigger and the drift-signal normalizer (invoked by EventBridge rules).</summary>
    public static IReadOnlyList<TaskFunction> TaskFunctions { get; } =
        [.. ReleaseWorkflow.Functions, .. RollbackWorkflow.Functions, .. RetrainWorkflow.Functions, RetrainWorkflow.TriggerFunction, RetrainWorkflow.SignalFunction];
}
