namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// SageMaker Model Registry integration: the functions EventBridge rules invoke. New packages of mapped groups become
/// versions (a rule on the account's default bus, where SageMaker puts "Model Package State Change"); a release live in
/// the last environment approves its package, a rollback rejects it (a rule on our bus).
/// </summary>
public static class ModelRegistrySync
{
    public const string PackageStateChangeDetailType = "SageMaker Model Package State Change";

    /// <summary>The default bus's rule pattern: SageMaker's model package state changes.</summary>
    public const string PackageStateChangePattern = """{"source":["aws.sagemaker"],"detail-type":["SageMaker Model Package State Change"]}""";

    /// <summary>Our events that change what a package's approval status should say.</summary>
    public static IReadOnlyList<string> SyncDetailTypes { get; } = ["deployment.succeeded.v1", "deployment.rolled-back.v1", "rollback.completed.v1"];

    /// <summary>Our bus's rule pattern for <see cref="SyncDetailTypes"/>.</summary>
    public static string SyncPattern(string source) =>
        $$"""{"source":["{{source}}"],"detail-type":[{{string.Join(",", SyncDetailTypes.Select(t => $"\"{t}\""))}}]}""";

    public static readonly TaskFunction ImportFunction =
        new("import-model-package", "", "Register a new model package of a mapped SageMaker Model Registry group as a model version (and release it when the mapping says so)");

    public static readonly TaskFunction SyncFunction =
        new("sync-model-package", "", "Set the model package's approval status in SageMaker's Model Registry: Approved when live in the last environment, Rejected when rolled back");
}
