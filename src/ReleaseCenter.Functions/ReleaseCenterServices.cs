using Amazon.DynamoDBv2;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions;

/// <summary>
/// The product's services over AWS, for every host: the Lambda bootstrap (clients from the
/// environment), the local stack and the tests (clients pointed at the emulator).
/// </summary>
public static class ReleaseCenterServices
{
    /// <param name="aws">Endpoint and credentials for an emulator; null in Lambda, where the SDK reads the environment.</param>
    public static IServiceCollection AddReleaseCenter(this IServiceCollection services, ReleaseCenterSettings settings, AwsClientOptions? aws)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAmazonDynamoDB>(_ =>
        {
            // Every call asks what it consumed (DynamoCapacity): the benchmarks price a release with it.
            return aws?.ServiceUrl is { } url
                ? new DynamoCapacity.Client(aws.Credentials, new AmazonDynamoDBConfig
                {
                    ServiceURL = url,
                    AuthenticationRegion = aws.Region,
                    MaxErrorRetry = 3,
                    HttpClientFactory = aws.HttpClientFactory,
                })
                : new DynamoCapacity.Client();
        });
        services.AddSingleton<IRegistryStore>(sp => new DynamoRegistryStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<DynamoJournal>()));
        services.AddSingleton(_ => new StepFunctionsClient(aws));
        services.AddSingleton(_ => new EventBridgeClient(aws));
        services.AddSingleton(_ => new SecretsManagerClient(aws));
        services.AddSingleton(_ => new SageMakerClient(aws));
        // The use cases see the ports; a host or a test may replace them.
        services.AddSingleton<IStepFunctions>(sp => sp.GetRequiredService<StepFunctionsClient>());
        services.AddSingleton<IEventBridge>(sp => sp.GetRequiredService<EventBridgeClient>());
        services.AddSingleton<ISageMaker>(sp => sp.GetRequiredService<SageMakerClient>());
        services.AddSingleton(sp => new ReleaseStatusIndex(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IWorkflowStore>(sp => new DynamoWorkflowStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName));
        services.AddSingleton<IFreezeStore>(sp => new DynamoFreezeStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName,
            sp.GetRequiredService<DynamoJournal>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DynamoAuditLog(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReleaseCenter.Domain.Audit.IAuditLog>(sp => sp.GetRequiredService<DynamoAuditLog>());
        services.AddSingleton(sp => new DynamoOutbox(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DynamoJournal(sp.GetRequiredService<DynamoAuditLog>(), sp.GetRequiredService<DynamoOutbox>()));
        services.AddSingleton<IJournal>(sp => sp.GetRequiredService<DynamoJournal>());
        services.AddSingleton<Events.OutboxRelay>();
        services.AddSingleton<Telemetry.IMetricSink, Telemetry.StdoutMetricSink>();
        services.AddSingleton<Telemetry.ReleaseMetrics>();
        services.AddSingleton<Amazon.S3.IAmazonS3>(_ => aws?.ServiceUrl is { } s3Url
            ? new Amazon.S3.AmazonS3Client(aws.Credentials, new Amazon.S3.AmazonS3Config
            {
                ServiceURL = s3Url,
                ForcePathStyle = true,
                AuthenticationRegion = aws.Region,
                HttpClientFactory = aws.HttpClientFactory,
            })
            : new Amazon.S3.AmazonS3Client());
        services.AddSingleton<ReleaseCenter.Domain.Audit.IAuditAnchors>(sp => settings.AuditAnchorBucket is { } bucket
            ? new S3AuditAnchors(sp.GetRequiredService<Amazon.S3.IAmazonS3>(), bucket, settings.AuditAnchorRetention)
            : new NoAuditAnchors());
        services.AddSingleton<Audit.AnchoredAuditVerifier>();
        services.AddSingleton<ITaskStep, Audit.AnchorAuditStep>();
        services.AddSingleton(EnvironmentPolicies.Parse(settings.EnvironmentsJson));
        services.AddSingleton<ModelProjects>();
        services.AddSingleton<IPolicyStore>(sp => new DynamoPolicyStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName,
            sp.GetRequiredService<DynamoJournal>(), sp.GetRequiredService<EnvironmentPolicies>()));
        services.AddSingleton<Policies.PolicyService>();
        services.AddSingleton<ITemplateStore>(sp => new DynamoTemplateStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName,
            sp.GetRequiredService<DynamoJournal>()));
        services.AddSingleton<Releases.TemplateService>();
        services.AddSingleton<ILiveStateStore>(sp => new DynamoLiveStateStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName,
            sp.GetRequiredService<DynamoJournal>()));
        services.AddSingleton<IEndpointVerifier, SageMakerEndpointVerifier>();
        services.AddSingleton<Releases.ReleaseJournal>();
        services.AddSingleton<DeploymentCompensation>();
        services.AddSingleton<EndpointWaits>();
        services.AddSingleton<ReleaseRecord>();
        services.AddSingleton<Rollbacks.RollbackRecord>();
        // One class per task; TaskHandlers dispatches by handler name.
        services.AddSingleton<ITaskStep, EvaluateStep>();
        services.AddSingleton<ITaskStep, RequestApprovalStep>();
        services.AddSingleton<ITaskStep, SendRemindersStep>();
        services.AddSingleton<ITaskStep, CheckDoorStep>();
        services.AddSingleton<Environments.LiveStateService>();
        services.AddSingleton<ITaskStep, Environments.CheckLiveStateStep>();
        services.AddSingleton<ITaskStep, AcquireLockStep>();
        services.AddSingleton<ITaskStep, DeployStep>();
        services.AddSingleton<ITaskStep, CheckEndpointStep>();
        services.AddSingleton<ITaskStep, AwaitEndpointStep>();
        services.AddSingleton<ITaskStep, EndpointChangedStep>();
        services.AddSingleton<ITaskStep, VerifyStep>();
        services.AddSingleton<ITaskStep, RollBackEndpointStep>();
        services.AddSingleton<ITaskStep, RecordDeploymentStep>();
        services.AddSingleton<ITaskStep, StopStageStep>();
        services.AddSingleton<ITaskStep, FinishStep>();
        services.AddSingleton<ITaskStep, Environments.ReconcileStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackRequestApprovalStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackAcquireLockStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackRestoreStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackCheckEndpointStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackVerifyStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackRecordStep>();
        services.AddSingleton<ITaskStep, Rollbacks.RollbackStopStep>();
        services.AddSingleton<ITaskStep, Drift.StartRetrainStep>();
        services.AddSingleton<ITaskStep, Drift.NormalizeDriftSignalStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainCheckPolicyStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainStartPipelineStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainCheckPipelineStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainRegisterStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainOpenReleaseStep>();
        services.AddSingleton<ITaskStep, Drift.RetrainStopStep>();
        services.AddSingleton(ModelRegistryConfig.Parse(settings.ModelRegistryJson));
        services.AddSingleton<Registry.IMetricsReports>(sp => new Registry.S3MetricsReports(
            new Lazy<Amazon.S3.IAmazonS3>(sp.GetRequiredService<Amazon.S3.IAmazonS3>), sp.GetRequiredService<ModelRegistryConfig>()));
        services.AddSingleton<Registry.ModelPackageImporter>();
        services.AddSingleton<ITaskStep, Registry.ImportModelPackageStep>();
        services.AddSingleton<ITaskStep, Registry.SyncModelPackageStep>();
        services.AddSingleton<ITaskStep, Events.RelayOutboxStep>();
        services.AddSingleton<ITaskStep, Events.SweepOutboxStep>();
        services.AddSingleton<ITaskHandlers, TaskHandlers>();
        services.AddSingleton<Releases.ReleaseService>();
        services.AddSingleton<Releases.ReleaseTraffic>();
        services.AddSingleton<IRollbackStore>(sp => new DynamoRollbackStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<DynamoJournal>()));
        services.AddSingleton<Environments.EnvironmentLocks>();
        services.AddSingleton<Rollbacks.RollbackService>();
        services.AddSingleton<IDriftStore>(sp => new DynamoDriftStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<DynamoJournal>()));
        services.AddSingleton<Drift.DriftService>();
        services.AddSingleton<IRetrainStore>(sp => new DynamoRetrainStore(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TableName, sp.GetRequiredService<DynamoJournal>()));
        return services;
    }
}
