namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// statemachines/retrain.asl.json and what it needs: drift-triggered retraining of one model,
/// named after the drift report. An EventBridge rule on drift.detected.v1 invokes
/// <see cref="TriggerFunction"/>, which starts the execution under that name (so a redelivered
/// event starts nothing twice).
/// </summary>
public static class RetrainWorkflow
{
    public const string Name = "retrain";

    /// <summary>Relative to the repository root.</summary>
    public const string DefinitionFile = "statemachines/retrain.asl.json";

    public const string DetectedDetailType = "drift.detected.v1";

    public static readonly TaskFunction TriggerFunction =
        new("start-retrain", "", "Start the retrain state machine for a drift.detected.v1 event, named after its drift report");

    /// <summary>Invoked by a rule on the account's default bus, where AWS services put their events.</summary>
    public static readonly TaskFunction SignalFunction =
        new("normalize-drift-signal", "", "Turn a CloudWatch alarm or Model Monitor violation about one of our endpoints into a drift report (and drift.detected.v1)");

    public static readonly IReadOnlyList<TaskFunction> Functions =
    [
        new("retrain-check-policy", "RetrainCheckPolicyFunctionArn", "Decide under the model's retraining policy (cooldown, daily cap, off) and record why"),
        new("retrain-start-pipeline", "RetrainStartPipelineFunctionArn", "Start the model's SageMaker pipeline with the drift report id as a parameter"),
        new("retrain-check-pipeline", "RetrainCheckPipelineFunctionArn", "Say whether the pipeline execution finished and when to check again; stop it and fail past the policy's time bound"),
        new("retrain-register", "RetrainRegisterFunctionArn", "Register the pipeline's model package as a new version with lineage to the drift report"),
        new("retrain-open-release", "RetrainOpenReleaseFunctionArn", "Open a release of the new version (it passes the normal gates and approvals)"),
        new("retrain-stop", "RetrainStopFunctionArn", "Record and announce a failed retrain"),
    ];

    public static IReadOnlyDictionary<string, string> Substitutions(Func<string, string> functionArn)
    {
        ArgumentNullException.ThrowIfNull(functionArn);
        return Functions.ToDictionary(f => f.SubstitutionKey, f => functionArn(f.Handler), StringComparer.Ordinal);
    }
}
