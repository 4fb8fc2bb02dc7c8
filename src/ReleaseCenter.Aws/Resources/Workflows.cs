namespace ReleaseCenter.Aws.Resources;

/// <summary>Every workflow's task functions, for those that host or deploy them all.</summary>
public static class Workflows
{
    /// <summary>
    /// Functions a state machine invokes (once each, though two workflows may share one), plus those EventBridge
    /// rules invoke: the retrain trigger, the drift-signal normalizer, the endpoint-change waker and the Model Registry import and sync.
    /// </summary>
    public static IReadOnlyList<TaskFunction> TaskFunctions { get; } =
        [.. new[] { ReleaseWorkflow.Functions, RollbackWorkflow.Functions, RetrainWorkflow.Functions }.SelectMany(f => f).DistinctBy(f => f.Handler, StringComparer.Ordinal),
            RetrainWorkflow.TriggerFunction, RetrainWorkflow.SignalFunction, ReleaseWorkflow.EndpointChangedFunction,
            ModelRegistrySync.ImportFunction, ModelRegistrySync.SyncFunction];
}
