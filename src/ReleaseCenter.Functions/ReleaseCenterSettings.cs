using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Functions;

/// <summary>
/// What every host (Lambda, local stack, tests) tells the product about its environment. In
/// Lambda these come from environment variables the CDK app sets; see <see cref="FromEnvironment"/>.
/// </summary>
public sealed record ReleaseCenterSettings(
    string Stage,
    string TableName,
    string EventBusName,
    string? ReleaseStateMachineArn,
    string EnvironmentsJson,
    string SageMakerExecutionRoleArn)
{
    public const string TableNameVariable = FunctionVariables.TableName;
    public const string EventBusNameVariable = FunctionVariables.EventBusName;
    public const string StageVariable = FunctionVariables.Stage;
    public const string ReleaseStateMachineArnVariable = FunctionVariables.ReleaseStateMachineArn;
    public const string EnvironmentsVariable = FunctionVariables.Environments;
    public const string SageMakerRoleVariable = FunctionVariables.SageMakerRole;
    public const string RollbackStateMachineArnVariable = FunctionVariables.RollbackStateMachineArn;

    /// <summary>The rollback state machine the API starts (statemachines/rollback.asl.json); null where no rollback is started.</summary>
    public string? RollbackStateMachineArn { get; init; }

    public const string RetrainStateMachineArnVariable = FunctionVariables.RetrainStateMachineArn;

    /// <summary>The retrain state machine the start-retrain trigger starts (statemachines/retrain.asl.json).</summary>
    public string? RetrainStateMachineArn { get; init; }

    /// <summary>
    /// How long a workflow parked on an updating endpoint waits before it looks again without an event
    /// (SageMaker's "Endpoint State Change" normally wakes it first). Five minutes in AWS: a lost event
    /// costs at most that much time, and the wait costs no transitions.
    /// </summary>
    public int EndpointFallbackCheckSeconds { get; init; } = 300;

    /// <summary>
    /// How often a release waiting at a frozen environment's door looks again (a lifted freeze is noticed within this).
    /// A minute in AWS: each look costs three transitions. Soaks and freezes with an end wait exactly as long as needed.
    /// </summary>
    public int DoorCheckSeconds { get; init; } = 60;

    /// <summary>The S3 bucket (Object Lock, compliance mode) that holds audit chain anchors; null where nothing anchors or verifies.</summary>
    public string? AuditAnchorBucket { get; init; }

    /// <summary>How long an anchor cannot be changed or deleted (S3 Object Lock retention).</summary>
    public TimeSpan AuditAnchorRetention { get; init; } = TimeSpan.FromDays(3650);

    /// <summary>
    /// What starts the name of every endpoint, endpoint config, model and model package group a release uses
    /// (SageMakerNames); the CDK app sets it (default "release-center-") and scopes the SageMaker grants to it. Empty
    /// locally, where the emulated SageMaker holds nothing but ours.
    /// </summary>
    public string SageMakerNamePrefix { get; init; } = "";

    /// <summary>The S3 bucket export jobs write to (files expire after a day); null where no export job runs or is handed out.</summary>
    public string? ExportBucket { get; init; }

    /// <summary>The Secrets Manager secret holding Slack's signing secret (and bot token); null where Slack approval is off.</summary>
    public string? SlackSecretArn { get; init; }

    /// <summary>config/slack.json: Slack users mapped to identities, and the hosts a message update may be posted to.</summary>
    public string? SlackJson { get; init; }

    /// <summary>config/model-registry.json: SageMaker model package groups mapped to models, and the buckets metrics reports may be read from.</summary>
    public string? ModelRegistryJson { get; init; }

    public static ReleaseCenterSettings FromEnvironment()
    {
        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v
            ? v
            : throw new InvalidOperationException($"The environment variable {name} is not set.");
        return new ReleaseCenterSettings(
            Required(StageVariable),
            Required(TableNameVariable),
            Required(EventBusNameVariable),
            Environment.GetEnvironmentVariable(ReleaseStateMachineArnVariable),
            Required(EnvironmentsVariable),
            Environment.GetEnvironmentVariable(SageMakerRoleVariable) ?? "")
        {
            RollbackStateMachineArn = Environment.GetEnvironmentVariable(RollbackStateMachineArnVariable),
            RetrainStateMachineArn = Environment.GetEnvironmentVariable(RetrainStateMachineArnVariable),
            AuditAnchorBucket = Environment.GetEnvironmentVariable(FunctionVariables.AuditAnchorBucket),
            SageMakerNamePrefix = Environment.GetEnvironmentVariable(FunctionVariables.SageMakerNamePrefix) ?? "",
            ExportBucket = Environment.GetEnvironmentVariable(FunctionVariables.ExportBucket) is { Length: > 0 } exports ? exports : null,
            SlackSecretArn = Environment.GetEnvironmentVariable(FunctionVariables.SlackSecretArn) is { Length: > 0 } slack ? slack : null,
            SlackJson = Environment.GetEnvironmentVariable(FunctionVariables.Slack) is { Length: > 0 } slackJson ? slackJson : null,
            ModelRegistryJson = Environment.GetEnvironmentVariable(FunctionVariables.ModelRegistry) is { Length: > 0 } registry ? registry : null,
        };
    }
}
