namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// The environment variables the CDK app gives each function and the functions read at start-up
/// (ReleaseCenterSettings.FromEnvironment). Both sides name them from here.
/// </summary>
public static class FunctionVariables
{
    public const string TableName = "TABLE_NAME";
    public const string EventBusName = "EVENT_BUS_NAME";
    public const string Stage = "STAGE";
    public const string Environments = "RELEASE_CENTER_ENVIRONMENTS";
    public const string SageMakerRole = "SAGEMAKER_EXECUTION_ROLE_ARN";
    public const string ReleaseStateMachineArn = "RELEASE_STATE_MACHINE_ARN";
    public const string RollbackStateMachineArn = "ROLLBACK_STATE_MACHINE_ARN";
    public const string RetrainStateMachineArn = "RETRAIN_STATE_MACHINE_ARN";
    public const string AuditAnchorBucket = "AUDIT_ANCHOR_BUCKET";
    public const string SageMakerNamePrefix = "SAGEMAKER_NAME_PREFIX";
    public const string ExportBucket = "EXPORT_BUCKET";
    public const string SlackSecretArn = "SLACK_SECRET_ARN";
    public const string Slack = "RELEASE_CENTER_SLACK";
    public const string ModelRegistry = "RELEASE_CENTER_MODEL_REGISTRY";
}
