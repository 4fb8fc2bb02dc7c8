using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ApiHttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace ReleaseCenter.Infra;

/// <summary>Everything one stage of ML Release Center runs on.</summary>
public sealed class ReleaseCenterStack : Stack
{
    /// <summary>The bootstrap's handler for the HTTP API; the workflows' handlers are in <see cref="Workflows.TaskFunctions"/>.</summary>
    public const string ApiHandler = "api";

    private const string SageMakerService = "sagemaker.amazonaws.com";

    private const string RetrainWorkflowTrigger = "start-retrain";

    /// <summary>The one task that gets the SageMaker execution role's ARN and may pass it.</summary>
    private const string DeployHandler = "deploy";

    public ReleaseCenterStack(Construct scope, string id, ReleaseCenterStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        Names = new ResourceNames(props.Stage);

        Amazon.CDK.Tags.Of(this).Add("service", ResourceNames.Service);
        Amazon.CDK.Tags.Of(this).Add("stage", props.Stage);
        Amazon.CDK.Tags.Of(this).Add("version", props.Version);

        Table = CreateTable(Names);

        // Audit chain anchors (architecture.md, "Audit log"): write once, kept ten years, in compliance mode, so that nobody,
        // the account's root included, can change or delete an anchor that a rewritten chain would contradict.
        AuditAnchors = new Bucket(this, "AuditAnchors", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            Versioned = true,
            ObjectLockEnabled = true,
            ObjectLockDefaultRetention = ObjectLockRetention.Compliance(Duration.Days(3650)),
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        // Export jobs' files (architecture.md, "Exports"): private, handed out only as presigned links that last 15 minutes;
        // each file is deleted after a day, and an upload a crashed job left open after a day.
        Exports = new Bucket(this, "Exports", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            LifecycleRules =
            [
                new LifecycleRule { Id = "expire-exports", Prefix = S3ExportFiles.Prefix, Expiration = Duration.Days(1) },
                new LifecycleRule { Id = "abort-abandoned-uploads", AbortIncompleteMultipartUploadAfter = Duration.Days(1) },
            ],
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Bus = new EventBus(this, "EventBus", new EventBusProps { EventBusName = Names.EventBusName });
        Bus.Archive("EventArchive", new BaseArchiveProps
        {
            ArchiveName = Names.EventArchiveName,
            Description = "Every event on the release-center bus, for replay and audit.",
            // An archive on a bus sees only that bus's events; matching our account takes all of them.
            EventPattern = new EventPattern { Account = [Account] },
            Retention = Duration.Days(365),
        });

        // One asset for every function: the bootstrap runs the handler named by the function's Handler.
        var code = Code.FromAsset(RequireLambdaBundle(props.LambdaAssetPath));
        ModelRegistry = props.ModelRegistry;
        var shared = new Dictionary<string, string>
        {
            [FunctionVariables.TableName] = Table.TableName,
            [FunctionVariables.EventBusName] = Bus.EventBusName,
            [FunctionVariables.Stage] = props.Stage,
            [FunctionVariables.Environments] = props.EnvironmentsJson,
            [FunctionVariables.SageMakerNamePrefix] = props.SageMakerNamePrefix,
        };
        SageMakerNamePrefix = props.SageMakerNamePrefix;

        SageMakerExecutionRole = CreateSageMakerExecutionRole(props.ModelArtifactsBucket);

        var taskFunctions = new Dictionary<string, LambdaFunction>(StringComparer.Ordinal);
        foreach (var task in Workflows.TaskFunctions)
        {
            var environment = new Dictionary<string, string>(shared);
            if (task.Handler == DeployHandler)
            {
                environment[FunctionVariables.SageMakerRole] = SageMakerExecutionRole.RoleArn;
            }
            if (props.ModelRegistryJson is { } mapping && (task.Handler is "retrain-register" || task.Handler == ModelRegistrySync.ImportFunction.Handler))
            {
                // Which groups are imported, and which buckets' metrics reports may be read.
                environment[FunctionVariables.ModelRegistry] = mapping;
            }

            // Step Functions invokes these synchronously (also with .waitForTaskToken) and retries
            // per the ASL, so a dead-letter queue would never receive anything.
            var function = new ReleaseCenterFunction(this, ConstructId(task.Handler), new ReleaseCenterFunctionProps
            {
                FunctionName = Names.FunctionName(task.Handler),
                Handler = task.Handler,
                Description = task.Purpose,
                Code = code,
                Environment = environment,
            }).Function;
            GrantTaskPermissions(task, function);
            taskFunctions[task.Handler] = function;
        }

        TaskFunctions = taskFunctions;
        StateMachine = CreateStateMachine(props, "ReleaseStateMachine", ReleaseWorkflow.Name, ReleaseWorkflow.DefinitionFile, ReleaseWorkflow.Functions,
            ReleaseWorkflow.Substitutions(handler => TaskFunctions[handler].FunctionArn));
        RollbackStateMachine = CreateStateMachine(props, "RollbackStateMachine", RollbackWorkflow.Name, RollbackWorkflow.DefinitionFile, RollbackWorkflow.Functions,
            RollbackWorkflow.Substitutions(handler => TaskFunctions[handler].FunctionArn));
        RetrainStateMachine = CreateStateMachine(props, "RetrainStateMachine", RetrainWorkflow.Name, RetrainWorkflow.DefinitionFile, RetrainWorkflow.Functions,
            RetrainWorkflow.Substitutions(handler => TaskFunctions[handler].FunctionArn));
        // What a rule cannot deliver after EventBridge's retries (8 attempts, 24 hours) lands here, never silently dropped.
        RuleDeadLetters = DeadLetterQueue("RuleDeadLetters", "rules", props.Stage);
        // A retrained candidate gets a normal release; drift.detected.v1 starts the retrain machine through its trigger function.
        StateMachine.GrantStartExecution(TaskFunctions["retrain-open-release"]);
        TaskFunctions["retrain-open-release"].AddEnvironment(FunctionVariables.ReleaseStateMachineArn, StateMachine.StateMachineArn);
        var trigger = TaskFunctions[RetrainWorkflow.TriggerFunction.Handler];
        RetrainStateMachine.GrantStartExecution(trigger);
        trigger.AddEnvironment(FunctionVariables.RetrainStateMachineArn, RetrainStateMachine.StateMachineArn);
        new Rule(this, "StartRetrainRule", new RuleProps
        {
            RuleName = $"{ResourceNames.Service}-start-retrain-{props.Stage}",
            Description = "Drift found: start the model's governed retraining (statemachines/retrain.asl.json), named after the drift report.",
            EventBus = Bus,
            EventPattern = new EventPattern { Source = [ResourceNames.EventSource], DetailType = [RetrainWorkflow.DetectedDetailType] },
            Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(trigger, RuleTargetProps())],
        });
        // A workflow whose endpoint is still updating parks on a task token; SageMaker's state-change event (default bus) wakes it.
        // Waking is SendTaskSuccess only (Step Functions authorizes it against the state machine). The ARNs are built from the
        // names: await-endpoint is itself invoked by these state machines, and referencing them would make a dependency cycle.
        foreach (var waker in new[] { TaskFunctions[ReleaseWorkflow.AwaitEndpointHandler], TaskFunctions[ReleaseWorkflow.EndpointChangedHandler] })
        {
            waker.AddToRolePolicy(Allow(["states:SendTaskSuccess"], StateMachineArnOf(ReleaseWorkflow.Name), StateMachineArnOf(RollbackWorkflow.Name)));
        }
        new Rule(this, "EndpointChangedRule", new RuleProps
        {
            RuleName = $"{ResourceNames.Service}-endpoint-changed-{props.Stage}",
            Description = "SageMaker says an endpoint's status changed: wake the release or rollback waiting for it.",
            EventPattern = new EventPattern { Source = [ReleaseWorkflow.EndpointStateChangeSource], DetailType = [ReleaseWorkflow.EndpointStateChangeDetailType] },
            Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(TaskFunctions[ReleaseWorkflow.EndpointChangedHandler],
                RuleTargetProps())],
        });
        // AWS's own drift signals (alarms, Model Monitor jobs with violations) arrive on the account's default bus.
        new Rule(this, "DriftSignalsRule", new RuleProps
        {
            RuleName = $"{ResourceNames.Service}-drift-signals-{props.Stage}",
            Description = "CloudWatch alarms and Model Monitor violations about our endpoints become drift reports.",
            EventPattern = new EventPattern
            {
                Source = ["aws.cloudwatch", "aws.sagemaker"],
                DetailType = [Domain.Drift.AwsDriftSignals.AlarmDetailType, Domain.Drift.AwsDriftSignals.ProcessingJobDetailType],
            },
            Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(TaskFunctions[RetrainWorkflow.SignalFunction.Handler],
                RuleTargetProps())],
        });

        // SageMaker Model Registry: a new package of a mapped group becomes a version (default bus, where SageMaker puts its events);
        // mappings with releaseTo open a release. Our deployment and rollback events set the package's approval status.
        var import = TaskFunctions[ModelRegistrySync.ImportFunction.Handler];
        StateMachine.GrantStartExecution(import);
        import.AddEnvironment(FunctionVariables.ReleaseStateMachineArn, StateMachine.StateMachineArn);
        new Rule(this, "ModelPackageChangedRule", new RuleProps
        {
            RuleName = $"{ResourceNames.Service}-model-package-changed-{props.Stage}",
            Description = "SageMaker says a model package changed: register new packages of the groups config/model-registry.json maps.",
            EventPattern = new EventPattern { Source = ["aws.sagemaker"], DetailType = [ModelRegistrySync.PackageStateChangeDetailType] },
            Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(import, RuleTargetProps())],
        });
        new Rule(this, "ModelPackageSyncRule", new RuleProps
        {
            RuleName = $"{ResourceNames.Service}-model-package-sync-{props.Stage}",
            Description = "Live in the last environment: the version's model package becomes Approved; rolled back: Rejected, naming the release.",
            EventBus = Bus,
            EventPattern = new EventPattern { Source = [ResourceNames.EventSource], DetailType = [.. ModelRegistrySync.SyncDetailTypes] },
            Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(TaskFunctions[ModelRegistrySync.SyncFunction.Handler], RuleTargetProps())],
        });

        // Handlers that run on a schedule, not in the state machine (approval reminders).
        var scheduled = new Dictionary<string, LambdaFunction>(StringComparer.Ordinal);
        foreach (var (task, schedule) in ReleaseWorkflow.ScheduledFunctions)
        {
            var function = new ReleaseCenterFunction(this, ConstructId(task.Handler), new ReleaseCenterFunctionProps
            {
                FunctionName = Names.FunctionName(task.Handler),
                Handler = task.Handler,
                Description = task.Purpose,
                Code = code,
                Environment = new Dictionary<string, string>(shared),
            }).Function;
            if (task.Handler == ReleaseWorkflow.AnchorAuditHandler)
            {
                // Reads the chain heads and writes each project's head as an anchor object, locked; never changes the table.
                GrantTable(function, task.Handler, TableReadActions);
                function.AddEnvironment(FunctionVariables.AuditAnchorBucket, AuditAnchors.BucketName);
                function.AddToRolePolicy(Allow(["s3:ListBucketVersions"], AuditAnchors.BucketArn));
                function.AddToRolePolicy(Allow(["s3:GetObjectVersion", "s3:PutObject", "s3:PutObjectRetention"], AuditAnchors.ArnForObjects(S3AuditAnchors.Prefix + "*")));
            }
            else
            {
                // Reads waiting releases, writes a once-only timeline entry with its event (outbox); the outbox sweep publishes.
                GrantTable(function, task.Handler);
            }
            if (task.Handler == ReleaseWorkflow.SweepOutboxHandler)
            {
                Bus.GrantPutEventsTo(function);
            }
            if (task.Handler == ReleaseWorkflow.CheckLiveStateHandler)
            {
                // Compares what each live endpoint serves with the record; never changes an endpoint.
                function.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
            }
            if (task.Handler == ReleaseWorkflow.ReconcileHandler)
            {
                // Frees a lock only once its holder's execution has ended; delivers stored approval decisions.
                function.AddToRolePolicy(Allow(["states:DescribeExecution"], ExecutionsOf(ReleaseWorkflow.Name), ExecutionsOf(RollbackWorkflow.Name)));
                StateMachine.GrantTaskResponse(function);
            }
            new Rule(this, ConstructId(task.Handler) + "Schedule", new RuleProps
            {
                RuleName = $"{ResourceNames.Service}-{task.Handler}-{props.Stage}",
                Schedule = Schedule.Expression(schedule),
                Targets = [new Amazon.CDK.AWS.Events.Targets.LambdaFunction(function)],
            });
            scheduled[task.Handler] = function;
        }
        ScheduledFunctions = scheduled;

        // The outbox relay: INSERTs of outbox events on the table's stream, published to the bus and marked sent. Records it
        // cannot publish are retried (bisected) and then described in its DLQ; the sweep publishes what is still pending.
        RelayDeadLetters = DeadLetterQueue("RelayDeadLetters", "relay", props.Stage);
        RelayFunction = new ReleaseCenterFunction(this, ConstructId(ReleaseWorkflow.RelayOutboxHandler), new ReleaseCenterFunctionProps
        {
            FunctionName = Names.FunctionName(ReleaseWorkflow.RelayOutboxHandler),
            Handler = ReleaseWorkflow.RelayOutboxHandler,
            Description = "Publish outbox events from the table's stream to the bus and mark them sent",
            Code = code,
            Environment = new Dictionary<string, string>(shared),
        }).Function;
        GrantTable(RelayFunction, ReleaseWorkflow.RelayOutboxHandler, ["dynamodb:UpdateItem"]); // marks outbox items sent
        Bus.GrantPutEventsTo(RelayFunction);
        RelayFunction.AddEventSource(new DynamoEventSource(Table, new DynamoEventSourceProps
        {
            StartingPosition = StartingPosition.TRIM_HORIZON,
            BatchSize = ReleaseWorkflow.PutEventsBatchSize * 10,
            MaxBatchingWindow = Duration.Millis(0),
            BisectBatchOnError = true,
            RetryAttempts = 10,
            ReportBatchItemFailures = true,
            OnFailure = new SqsDlq(RelayDeadLetters),
            Filters = [InsertsOf(DynamoOutbox.ItemTypeName)],
        }));

        // The export function: export jobs' INSERTs on the table's stream start it. A job runs to the end or fails with its
        // reason in the job; only a crash or a time-out is retried, then the record goes to the DLQ (the status route
        // reports such a job as failed once the time-out has passed).
        ExportDeadLetters = DeadLetterQueue("ExportDeadLetters", "export", props.Stage);
        ExportFunction = new ReleaseCenterFunction(this, ConstructId(ReleaseWorkflow.RunExportHandler), new ReleaseCenterFunctionProps
        {
            FunctionName = Names.FunctionName(ReleaseWorkflow.RunExportHandler),
            Handler = ReleaseWorkflow.RunExportHandler,
            Description = "Run export jobs: release and audit exports and chain verifications too large for one API response, written to S3",
            Code = code,
            MemorySize = 1024,
            Timeout = Duration.Minutes(ExportJobMinutes),
            Environment = new Dictionary<string, string>(shared)
            {
                [FunctionVariables.ExportBucket] = Exports.BucketName,
                [FunctionVariables.AuditAnchorBucket] = AuditAnchors.BucketName,
            },
        }).Function;
        // Reads what it exports, writes only its job's status (TableAccess: run-export).
        GrantTable(ExportFunction, ReleaseWorkflow.RunExportHandler, [.. TableReadActions, "dynamodb:UpdateItem"]);
        ExportFunction.AddToRolePolicy(Allow(["s3:PutObject", "s3:AbortMultipartUpload"], Exports.ArnForObjects(S3ExportFiles.Prefix + "*")));
        // A verification job checks the anchors, as GET /v1/audit/verify does.
        ExportFunction.AddToRolePolicy(Allow(["s3:ListBucketVersions"], AuditAnchors.BucketArn));
        ExportFunction.AddToRolePolicy(Allow(["s3:GetObjectVersion"], AuditAnchors.ArnForObjects(S3AuditAnchors.Prefix + "*")));
        ExportFunction.AddEventSource(new DynamoEventSource(Table, new DynamoEventSourceProps
        {
            StartingPosition = StartingPosition.TRIM_HORIZON,
            BatchSize = 1,
            // Jobs of different ids run side by side instead of queueing behind a long one on the same shard.
            ParallelizationFactor = 5,
            RetryAttempts = 2,
            OnFailure = new SqsDlq(ExportDeadLetters),
            Filters = [InsertsOf(DynamoExportJobs.ItemTypeName)],
        }));

        ApiFunction = new ReleaseCenterFunction(this, "ApiFunction", new ReleaseCenterFunctionProps
        {
            FunctionName = Names.ApiFunctionName,
            Handler = ApiHandler,
            Description = "HTTP API: registry, releases, approvals",
            Code = code,
            Environment = new Dictionary<string, string>(shared)
            {
                [FunctionVariables.ReleaseStateMachineArn] = StateMachine.StateMachineArn,
                [FunctionVariables.RollbackStateMachineArn] = RollbackStateMachine.StateMachineArn,
                [FunctionVariables.AuditAnchorBucket] = AuditAnchors.BucketName,
                [FunctionVariables.ExportBucket] = Exports.BucketName,
            },
        }).Function;
        GrantApiPermissions(ApiFunction);
        // Slack approval: the signing secret lives in Secrets Manager (generated here; put the Slack app's real signing secret
        // in it after deploying), read by the API alone; the user mapping comes from config/slack.json.
        if (props.SlackJson is { } slack)
        {
            SlackSecret = new Amazon.CDK.AWS.SecretsManager.Secret(this, "SlackSecret", new Amazon.CDK.AWS.SecretsManager.SecretProps
            {
                SecretName = $"{ResourceNames.Service}/slack-{props.Stage}",
                Description = "Slack approval: {\"signingSecret\": the Slack app's signing secret, \"botToken\": its bot token}. Replace the generated value after deploying.",
                GenerateSecretString = new Amazon.CDK.AWS.SecretsManager.SecretStringGenerator
                {
                    SecretStringTemplate = "{}",
                    GenerateStringKey = "signingSecret",
                    ExcludePunctuation = true,
                },
            });
            SlackSecret.GrantRead(ApiFunction);
            ApiFunction.AddEnvironment(FunctionVariables.SlackSecretArn, SlackSecret.SecretArn);
            ApiFunction.AddEnvironment(FunctionVariables.Slack, slack);
        }
        // Importing a model package by hand (POST /v1/models/{model}/versions/import): a package of a mapped group or a retraining
        // group (the importer refuses others before asking SageMaker), and its metrics report.
        ApiFunction.AddToRolePolicy(Allow(["sagemaker:DescribeModelPackage"], [.. MappedPackages(autoOnly: false), SageMakerArn("model-package")]));
        GrantMetricsReports(ApiFunction);
        if (props.ModelRegistryJson is { } registryJson)
        {
            ApiFunction.AddEnvironment(FunctionVariables.ModelRegistry, registryJson);
        }
        // The status route presigns download links with the API's role: the link can read export files and nothing else.
        ApiFunction.AddToRolePolicy(Allow(["s3:GetObject"], Exports.ArnForObjects(S3ExportFiles.Prefix + "*")));
        // Verify reads the anchors; it never writes one.
        ApiFunction.AddToRolePolicy(Allow(["s3:ListBucketVersions"], AuditAnchors.BucketArn));
        ApiFunction.AddToRolePolicy(Allow(["s3:GetObjectVersion"], AuditAnchors.ArnForObjects(S3AuditAnchors.Prefix + "*")));

        HttpApi = CreateHttpApi(Names, ApiFunction, props);

        _ = new NotificationsConstruct(this, "Notifications", new NotificationsConstructProps
        {
            Bus = Bus,
            DeadLetterQueue = RuleDeadLetters,
            Policy = props.Notifications,
            ApiUrl = HttpApi.ApiEndpoint,
            Names = Names,
        });

        ReleaseFailuresAlarm = AnyInFiveMinutes("ReleaseFailuresAlarm", $"{ResourceNames.Service}-{ReleaseWorkflow.Name}-failures-{props.Stage}",
            "A release workflow execution failed in the last 5 minutes; see the release history and the state machine's log group.",
            StateMachine.MetricFailed(FiveMinuteSum));
        RollbackFailuresAlarm = AnyInFiveMinutes("RollbackFailuresAlarm", $"{ResourceNames.Service}-{RollbackWorkflow.Name}-failures-{props.Stage}",
            "A rollback failed in the last 5 minutes: the endpoint may not serve what was intended; see GET /v1/rollbacks/{id} and the state machine's log group.",
            RollbackStateMachine.MetricFailed(FiveMinuteSum));
        // EventBridge invokes the trigger asynchronously: if it fails after Lambda's own retries, no retrain starts and
        // RetrainFailuresAlarm (executions) cannot see it. This alarm can.
        StartRetrainErrorsAlarm = AnyInFiveMinutes("StartRetrainErrorsAlarm", $"{ResourceNames.Service}-start-retrain-errors-{props.Stage}",
            "The start-retrain trigger failed: a drift.detected.v1 event may not have started its retrain; see the function's log group.",
            TaskFunctions[RetrainWorkflow.TriggerFunction.Handler].MetricErrors(FiveMinuteSum));
        RetrainFailuresAlarm = AnyInFiveMinutes("RetrainFailuresAlarm", $"{ResourceNames.Service}-{RetrainWorkflow.Name}-failures-{props.Stage}",
            "A drift-triggered retrain failed in the last 5 minutes (pipeline failure or time-out, or registration); see GET /v1/models/{model}/drift-reports/{id}/retrain.",
            RetrainStateMachine.MetricFailed(FiveMinuteSum));

        Operations = new OperationsConstruct(this, "Operations", new OperationsConstructProps
        {
            Names = Names,
            StateMachines = new Dictionary<string, StateMachine>
            {
                [ReleaseWorkflow.Name] = StateMachine,
                [RollbackWorkflow.Name] = RollbackStateMachine,
                [RetrainWorkflow.Name] = RetrainStateMachine,
            },
            DeadLetterQueues = new Dictionary<string, Queue>
            {
                ["rule-targets"] = RuleDeadLetters,
                ["outbox-relay"] = RelayDeadLetters,
                ["export-jobs"] = ExportDeadLetters,
            },
            RelayFunction = RelayFunction,
            HttpApi = HttpApi,
            Environments = EnvironmentNames(props.EnvironmentsJson),
        });

        _ = new CfnOutput(this, "ApiUrl", new CfnOutputProps { Value = HttpApi.ApiEndpoint, Description = "Base URL of the HTTP API" });
        _ = new CfnOutput(this, "TableName", new CfnOutputProps { Value = Table.TableName });
        _ = new CfnOutput(this, "EventBusName", new CfnOutputProps { Value = Bus.EventBusName });
        _ = new CfnOutput(this, "ReleaseStateMachineArn", new CfnOutputProps { Value = StateMachine.StateMachineArn });
        _ = new CfnOutput(this, "RollbackStateMachineArn", new CfnOutputProps { Value = RollbackStateMachine.StateMachineArn });
        _ = new CfnOutput(this, "RetrainStateMachineArn", new CfnOutputProps { Value = RetrainStateMachine.StateMachineArn });
    }

    public ResourceNames Names { get; }

    public Table Table { get; }

    public EventBus Bus { get; }

    public LambdaFunction ApiFunction { get; }

    /// <summary>Every workflow's task functions (release, rollback, retrain and the retrain trigger) by handler name.</summary>
    public IReadOnlyDictionary<string, LambdaFunction> TaskFunctions { get; }

    public Role SageMakerExecutionRole { get; }

    public StateMachine StateMachine { get; }

    public Alarm ReleaseFailuresAlarm { get; }

    /// <summary>statemachines/rollback.asl.json.</summary>
    public StateMachine RollbackStateMachine { get; }

    public Alarm RollbackFailuresAlarm { get; }

    /// <summary>statemachines/retrain.asl.json.</summary>
    public StateMachine RetrainStateMachine { get; }

    public Alarm RetrainFailuresAlarm { get; }

    public Alarm StartRetrainErrorsAlarm { get; }

    public HttpApi HttpApi { get; }

    /// <summary>The dashboard and the alarms for dead letters, relay lag and the API's 5xx rate.</summary>
    public OperationsConstruct Operations { get; }

    /// <summary>The web console: S3 + CloudFront in front of the API, and its Cognito sign-in.</summary>
    public ConsoleConstruct Console { get; private set; } = null!;

    private static readonly MetricOptions FiveMinuteSum = new() { Period = Duration.Minutes(5), Statistic = Stats.SUM };

    /// <summary>An alarm that fires when <paramref name="metric"/> counts one or more in 5 minutes; no data (nothing ran) is not a breach.</summary>
    private Alarm AnyInFiveMinutes(string id, string name, string description, IMetric metric) => new(this, id, new AlarmProps
    {
        AlarmName = name,
        AlarmDescription = description,
        Metric = metric,
        Threshold = 1,
        EvaluationPeriods = 1,
        ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        TreatMissingData = TreatMissingData.NOT_BREACHING,
    });

    /// <summary>"roll-back-endpoint" becomes "RollBackEndpointFunction".</summary>
    private static string ConstructId(string handler) =>
        string.Concat(handler.Split('-').Select(part => char.ToUpperInvariant(part[0]) + part[1..])) + "Function";

    /// <summary>The table comes from <see cref="TableSchema"/>, the same description local provisioning uses.</summary>
    private Table CreateTable(ResourceNames names)
    {
        static DynamoAttribute Key(string name) => new() { Name = name, Type = AttributeType.STRING };

        var table = new Table(this, "Table", new TableProps
        {
            TableName = names.TableName,
            PartitionKey = Key(TableSchema.PartitionKey),
            SortKey = Key(TableSchema.SortKey),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            // Release history is the product's record; deleting the stack must never delete it.
            RemovalPolicy = RemovalPolicy.RETAIN,
            // The outbox relay reads new events from the stream (architecture.md, "Events").
            Stream = StreamViewType.NEW_IMAGE,
            // Only export jobs carry it (a week after they were requested); nothing of the release record expires.
            TimeToLiveAttribute = DynamoExportJobs.TimeToLiveAttribute,
        });

        foreach (var index in TableSchema.GlobalSecondaryIndexes)
        {
            table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
            {
                IndexName = index.Name,
                PartitionKey = Key(index.PartitionKey),
                SortKey = Key(index.SortKey),
                ProjectionType = ProjectionType.ALL,
            });
        }

        return table;
    }

    /// <summary>
    /// The role SageMaker assumes to host our endpoints (CreateModel's ExecutionRoleArn). Unnamed on
    /// purpose: IAM names are global, and a name would collide when one stage is deployed to two regions.
    /// </summary>
    private Role CreateSageMakerExecutionRole(string modelArtifactsBucket)
    {
        var role = new Role(this, "SageMakerExecutionRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal(SageMakerService),
            Description = "Assumed by SageMaker to host release-center endpoints: reads model artifacts, pulls images, writes logs and metrics.",
        });

        var bucket = Bucket.FromBucketName(this, "ModelArtifactsBucket", modelArtifactsBucket);
        role.AddToPolicy(Allow(["s3:GetObject"], bucket.ArnForObjects("*")));

        // GetAuthorizationToken has no resource type: "*" is its only valid Resource.
        role.AddToPolicy(Allow(["ecr:GetAuthorizationToken"], "*"));
        // Inference images from this account's repositories only; AWS-owned images (other accounts) are not granted.
        role.AddToPolicy(Allow(
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            FormatArn(new ArnComponents { Service = "ecr", Resource = "repository", ResourceName = "*" })));

        // Endpoint containers log to /aws/sagemaker/Endpoints/{endpoint name}; the pattern covers the streams too.
        role.AddToPolicy(Allow(
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            FormatArn(new ArnComponents
            {
                Service = "logs",
                Resource = "log-group",
                ResourceName = $"/aws/sagemaker/Endpoints/{SageMakerNamePrefix}*",
                ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
            })));

        // PutMetricData has no resource type; the namespace condition keeps it to SageMaker's instance metrics.
        var metrics = Allow(["cloudwatch:PutMetricData"], "*");
        metrics.AddCondition("StringLike", new Dictionary<string, object> { ["cloudwatch:namespace"] = "/aws/sagemaker/*" });
        role.AddToPolicy(metrics);

        return role;
    }

    /// <summary>
    /// What each workflow task may do, by handler; a handler added to <see cref="Workflows.TaskFunctions"/>
    /// without a decision here fails synth rather than deploying with guessed permissions.
    /// </summary>
    private void GrantTaskPermissions(TaskFunction task, LambdaFunction function)
    {
        GrantTable(function, task.Handler);

        switch (task.Handler)
        {
            case "evaluate":
            case "check-door":
            case "acquire-lock":
            case "stop-stage":
            case "rollback-acquire-lock":
                break;

            case "request-approval":
            case "record-deployment":
            case "finish":
            case "rollback-request-approval":
            case "rollback-record":
                break; // what they announce goes into the outbox with their journal entry; the relay publishes it

            case "rollback-restore":
                // Back to an endpoint config that exists (it checks, and fails clearly if the config is gone).
                function.AddToRolePolicy(Allow(
                    ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint"],
                    SageMakerArn("endpoint-config"),
                    SageMakerArn("endpoint")));
                break;

            case "rollback-check-endpoint":
            case "rollback-verify":
                function.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
                break;

            case "retrain-check-policy":
            case "retrain-stop":
            case "normalize-drift-signal": // stores a drift report, announces drift.detected.v1
            case "retrain-open-release": // plus states:StartExecution on the release state machine, granted once it exists
                break;

            case RetrainWorkflowTrigger:
                break; // states:StartExecution on the retrain state machine, granted once it exists

            case "retrain-start-pipeline":
                // Pipelines are named in each model's retraining policy (data, set by release-admins), and only those under the
                // service's prefix may be started: a policy cannot point retraining at an arbitrary pipeline of the account.
                function.AddToRolePolicy(Allow(["sagemaker:StartPipelineExecution"], SageMakerArn("pipeline")));
                break;

            case "retrain-check-pipeline":
                // Stop: a pipeline past the policy's time bound is stopped, so that it registers nothing later.
                function.AddToRolePolicy(Allow(["sagemaker:DescribePipelineExecution", "sagemaker:StopPipelineExecution"], SageMakerArn("pipeline")));
                break;

            case "retrain-register":
                // The Service Authorization Reference (as cfn-lint ships it) gives both actions the resource type model-package.
                function.AddToRolePolicy(Allow(["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"], SageMakerArn("model-package")));
                GrantMetricsReports(function);
                break;

            case var import when import == ModelRegistrySync.ImportFunction.Handler:
                // Packages of the groups imported on SageMaker's event only; states:StartExecution on the release state
                // machine, for mappings that open a release, is granted once it exists.
                if (MappedPackages(autoOnly: true) is { Length: > 0 } automatic)
                {
                    function.AddToRolePolicy(Allow(["sagemaker:DescribeModelPackage"], automatic));
                }
                GrantMetricsReports(function);
                break;

            case var sync when sync == ModelRegistrySync.SyncFunction.Handler:
                // Versions come from the mapped groups' packages and from the retraining groups (under the prefix).
                function.AddToRolePolicy(Allow(["sagemaker:UpdateModelPackage"], [.. MappedPackages(autoOnly: false), SageMakerArn("model-package")]));
                break;

            case "rollback-stop":
                // A rollback that fails after moving the endpoint puts it back on what was live.
                function.AddToRolePolicy(Allow(
                    ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
                    SageMakerArn("endpoint-config"),
                    SageMakerArn("endpoint")));
                break;

            case DeployHandler:
                // Model, endpoint and config names derive from model names (ResourceNames.EndpointName),
                // so no prefix narrows them further than this account and region.
                // DescribeModel: a model of that name counts only if it is this release's (same image and artifact).
                function.AddToRolePolicy(Allow(["sagemaker:AddTags", "sagemaker:CreateModel", "sagemaker:DescribeModel"], SageMakerArn("model")));
                function.AddToRolePolicy(Allow(
                    [
                        "sagemaker:AddTags", "sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig",
                        "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint",
                    ],
                    SageMakerArn("endpoint-config"),
                    SageMakerArn("endpoint")));
                // CreateModel hands the execution role to SageMaker; only that role, and only to SageMaker.
                var passRole = Allow(["iam:PassRole"], SageMakerExecutionRole.RoleArn);
                passRole.AddCondition("StringEquals", new Dictionary<string, object> { ["iam:PassedToService"] = SageMakerService });
                function.AddToRolePolicy(passRole);
                break;

            case "check-endpoint":
                function.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
                break;

            case ReleaseWorkflow.AwaitEndpointHandler:
                // Stores the waiting token, looks once more at the endpoint (an event may have come first); states:SendTaskSuccess
                // on the release and rollback state machines is granted once they exist.
                function.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
                break;

            case ReleaseWorkflow.EndpointChangedHandler:
                break; // takes the waiting token from the table; states:SendTaskSuccess granted once the state machines exist

            case "verify":
                // Verification reads the endpoint only; alarm-based checks come with the deployment strategies.
                function.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
                break;

            case "roll-back-endpoint":
                function.AddToRolePolicy(Allow(
                    // DeleteEndpoint: when nothing was live before the failed release, taking its endpoint down is the rollback.
                    ["sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
                    SageMakerArn("endpoint-config"),
                    SageMakerArn("endpoint")));
                break;

            default:
                throw new InvalidOperationException(
                    $"Workflows.TaskFunctions has the handler '{task.Handler}', for which {nameof(ReleaseCenterStack)} grants no permissions. " +
                    $"Decide what it may do in {nameof(GrantTaskPermissions)}.");
        }
    }

    public IReadOnlyDictionary<string, LambdaFunction> ScheduledFunctions { get; }

    /// <summary>Audit chain anchors, Object Lock in compliance mode.</summary>
    public Bucket AuditAnchors { get; }

    /// <summary>Export jobs' files, deleted after a day.</summary>
    public Bucket Exports { get; }

    /// <summary>Runs export jobs, started from the table's stream.</summary>
    public LambdaFunction ExportFunction { get; }

    /// <summary>Slack's signing secret and bot token; null when config/slack.json is absent.</summary>
    public Amazon.CDK.AWS.SecretsManager.Secret? SlackSecret { get; }

    /// <summary>Export job records whose runs crashed or timed out after their retries.</summary>
    public Queue ExportDeadLetters { get; }

    /// <summary>The export function's timeout, Lambda's longest (the status route's JobTimeout is the same).</summary>
    public const int ExportJobMinutes = 15;

    /// <summary>Publishes outbox events from the table's stream.</summary>
    public LambdaFunction RelayFunction { get; }

    /// <summary>Stream records the relay could not publish after its retries (the sweep still publishes their events).</summary>
    public Queue RelayDeadLetters { get; }

    /// <summary>Events the product's rules could not deliver to their targets after EventBridge's retries.</summary>
    public Queue RuleDeadLetters { get; }

    private StateMachine CreateStateMachine(ReleaseCenterStackProps props, string id, string workflow, string definitionFile,
        IReadOnlyList<TaskFunction> functions, IReadOnlyDictionary<string, string> substitutions)
    {
        var name = Names.StateMachineName(workflow);

        // Step Functions writes through CloudWatch Logs' vended-logs delivery; names under
        // /aws/vendedlogs/ keep it from adding to the account's size-limited log resource policy.
        var logGroup = new LogGroup(this, id + "LogGroup", new LogGroupProps
        {
            LogGroupName = $"/aws/vendedlogs/states/{name}",
            Retention = RetentionDays.ONE_MONTH,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var stateMachine = new StateMachine(this, id, new StateMachineProps
        {
            StateMachineName = name,
            StateMachineType = StateMachineType.STANDARD,
            DefinitionBody = DefinitionBody.FromFile(Path.Combine(props.RepositoryRoot, definitionFile)),
            DefinitionSubstitutions = new Dictionary<string, string>(substitutions),
            Logs = new LogOptions
            {
                Destination = logGroup,
                Level = LogLevel.ALL,
                // Execution data holds the approval task tokens, which let anyone holding one approve.
                IncludeExecutionData = false,
            },
            TracingEnabled = true,
        });

        // Exactly the workflow's task functions, unqualified, as the ASL names them; not their versions, not the API.
        stateMachine.AddToRolePolicy(Allow(["lambda:InvokeFunction"], [.. functions.Select(f => TaskFunctions[f.Handler].FunctionArn)]));
        return stateMachine;
    }

    /// <summary>The ARN pattern of a workflow's executions.</summary>
    private string StateMachineArnOf(string workflow) => FormatArn(new ArnComponents
    {
        Service = "states",
        Resource = "stateMachine",
        ResourceName = Names.StateMachineName(workflow),
        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
    });

    private string ExecutionsOf(string workflow) => FormatArn(new ArnComponents
    {
        Service = "states",
        Resource = "execution",
        ResourceName = $"{Names.StateMachineName(workflow)}:*",
        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
    });

    private void GrantApiPermissions(LambdaFunction api)
    {
        GrantTable(api, TableAccess.Api);

        StateMachine.GrantStartExecution(api);
        RollbackStateMachine.GrantStartExecution(api);
        api.AddToRolePolicy(Allow(["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution"], ExecutionsOf(ReleaseWorkflow.Name)));
        // Unlocking by hand checks whether the holder (a release or a rollback) still runs.
        api.AddToRolePolicy(Allow(["states:DescribeExecution"], ExecutionsOf(RollbackWorkflow.Name)));
        // The console shows a deploying release's traffic split (GET /v1/releases/{id}/traffic).
        api.AddToRolePolicy(Allow(["sagemaker:DescribeEndpoint"], SageMakerArn("endpoint")));
        // Reconciling an out-of-band change by restoring the recorded config points the endpoint back at it (or creates it again).
        api.AddToRolePolicy(Allow(["sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"], SageMakerArn("endpoint-config"), SageMakerArn("endpoint")));

        // Approvals answer the "Wait for approval" task token. The IAM reference lists no resource
        // type for SendTask*, which would mean "*", but Step Functions authorizes these calls against
        // the ARN of the state machine that issued the token (its AccessDenied errors name that ARN,
        // and CDK's grantTaskResponse scopes the same way), so this state machine is the tightest valid form.
        StateMachine.GrantTaskResponse(api);
        // Rollback approvals answer the rollback state machine's "Wait for rollback approval" token.
        RollbackStateMachine.GrantTaskResponse(api);
    }

    private HttpApi CreateHttpApi(ResourceNames names, IFunction handler, ReleaseCenterStackProps props)
    {
        var api = new HttpApi(this, "HttpApi", new HttpApiProps
        {
            ApiName = names.HttpApiName,
            Description = "ML Release Center API",
        });

        var integration = new HttpLambdaIntegration("ApiIntegration", handler);
        // The console (and its sign-in) lives on a CloudFront distribution in front of this API.
        Console = new ConsoleConstruct(this, "Console", new ConsoleConstructProps
        {
            Api = api,
            Names = names,
            Stage = props.Stage,
            Environments = EnvironmentNames(props.EnvironmentsJson),
            CognitoDomainPrefix = props.CognitoDomainPrefix,
        });
        // API Gateway accepts a token whose aud (ID token) or client_id (access token) is listed.
        var jwt = props.JwtIssuer is null
            ? new HttpJwtAuthorizer("JwtAuthorizer", Console.Users.UserPoolProviderUrl, new HttpJwtAuthorizerProps
            {
                AuthorizerName = "jwt",
                // Access tokens name their app client (client_id): the console's, rc's and CI's.
                JwtAudience = [Console.Client.UserPoolClientId, Console.CliClient.UserPoolClientId, Console.CiClient.UserPoolClientId, .. props.JwtAudiences],
            })
            : new HttpJwtAuthorizer("JwtAuthorizer", props.JwtIssuer, new HttpJwtAuthorizerProps
            {
                AuthorizerName = "jwt",
                JwtAudience = [.. props.JwtAudiences],
            });

        api.AddRoutes(new AddRoutesOptions
        {
            Path = "/{proxy+}",
            Methods = [ApiHttpMethod.ANY],
            Integration = integration,
            Authorizer = jwt,
        });

        // Load balancers and uptime checks call this without a token; the handler reveals nothing else there.
        api.AddRoutes(new AddRoutesOptions
        {
            Path = "/healthz",
            Methods = [ApiHttpMethod.GET],
            Integration = integration,
            Authorizer = new HttpNoneAuthorizer(),
        });

        // Slack signs its interaction callbacks instead of sending a token: the route checks the signature itself.
        api.AddRoutes(new AddRoutesOptions
        {
            Path = "/v1/integrations/slack/interactions",
            Methods = [ApiHttpMethod.POST],
            Integration = integration,
            Authorizer = new HttpNoneAuthorizer(),
        });

        // Access logs (one JSON line per request, including the ones the JWT authorizer refuses, with its reason; never a
        // header, so never a token) and throttling: a runaway client gets 429s instead of spending the account's Lambda
        // concurrency.
        ApiAccessLogs = new LogGroup(this, "ApiAccessLogs", new LogGroupProps
        {
            LogGroupName = $"/aws/apigateway/{names.HttpApiName}",
            Retention = RetentionDays.ONE_YEAR,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        var stage = (CfnStage)api.DefaultStage!.Node.DefaultChild!;
        stage.AccessLogSettings = new CfnStage.AccessLogSettingsProperty
        {
            DestinationArn = ApiAccessLogs.LogGroupArn,
            Format = ApiAccessLogFormat,
        };
        stage.DefaultRouteSettings = new CfnStage.RouteSettingsProperty
        {
            ThrottlingRateLimit = ApiThrottleRatePerSecond,
            ThrottlingBurstLimit = ApiThrottleBurst,
        };

        return api;
    }

    /// <summary>Steady requests per second the HTTP API accepts before it answers 429, and the burst above that.</summary>
    public const int ApiThrottleRatePerSecond = 50;

    public const int ApiThrottleBurst = 100;

    /// <summary>
    /// The access log line: who (the token's sub), what (route, status), why refused (the authorizer's error), how long, and
    /// the ids to follow it into the function's logs. No header is logged, so no token is.
    /// </summary>
    public static readonly string ApiAccessLogFormat = System.Text.Json.JsonSerializer.Serialize(new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["requestId"] = "$context.requestId",
        ["time"] = "$context.requestTime",
        ["ip"] = "$context.identity.sourceIp",
        ["method"] = "$context.httpMethod",
        ["path"] = "$context.path",
        ["routeKey"] = "$context.routeKey",
        ["status"] = "$context.status",
        ["caller"] = "$context.authorizer.claims.sub",
        ["authorizerError"] = "$context.authorizer.error",
        ["integrationError"] = "$context.integrationErrorMessage",
        ["latencyMs"] = "$context.responseLatency",
        ["responseLength"] = "$context.responseLength",
    });

    /// <summary>The HTTP API's access log group.</summary>
    public LogGroup ApiAccessLogs { get; private set; } = null!;

    /// <summary>The environment names of config/environments.json, in promotion order.</summary>
    private static string[] EnvironmentNames(string environmentsJson)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(environmentsJson);
        return doc.RootElement.GetProperty("environments").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
    }

    /// <summary>SageMaker resources of this type whose names start with the service's prefix (<see cref="SageMakerNames"/>).</summary>
    /// <summary>A model package ARN pattern in this account and region (packages are named after their group, not our prefix).</summary>
    private string ModelPackageArn(string name) =>
        FormatArn(new ArnComponents { Service = "sagemaker", Resource = "model-package", ResourceName = name });

    /// <summary>The package ARN patterns of the groups config/model-registry.json maps (package ARNs name their group in lower case).</summary>
    private string[] MappedPackages(bool autoOnly) =>
        [.. ModelRegistry.Groups.Values.Where(g => g.Auto || !autoOnly).Select(g => g.Group.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal)
            .Select(g => ModelPackageArn(g + "/*"))];

    /// <summary>Read access to the metrics reports in the buckets config/model-registry.json lists, and nothing else of them.</summary>
    private void GrantMetricsReports(LambdaFunction function)
    {
        if (ModelRegistry.ReportBuckets.Count > 0)
        {
            function.AddToRolePolicy(Allow(["s3:GetObject"], [.. ModelRegistry.ReportBuckets.Select(b => $"arn:{Amazon.CDK.Aws.PARTITION}:s3:::{b}/*")]));
        }
    }

    /// <summary>config/model-registry.json, parsed.</summary>
    public ModelRegistryConfig ModelRegistry { get; private set; } = ModelRegistryConfig.Empty;

    private string SageMakerArn(string resourceType) =>
        FormatArn(new ArnComponents { Service = "sagemaker", Resource = resourceType, ResourceName = SageMakerNamePrefix + "*" });

    /// <summary>Context sageMakerNamePrefix: every SageMaker grant is scoped to names starting with it.</summary>
    public string SageMakerNamePrefix { get; private set; } = "";

    /// <summary>How the product's rules deliver to a function: 8 retries over at most 24 hours, then the rules' DLQ.</summary>
    private Amazon.CDK.AWS.Events.Targets.LambdaFunctionProps RuleTargetProps() => new()
    {
        RetryAttempts = 8,
        MaxEventAge = Duration.Hours(24),
        DeadLetterQueue = RuleDeadLetters,
    };

    /// <summary>Item reads: no Scan, which names no partition key and so would pass any LeadingKeys condition.</summary>
    public static readonly string[] TableReadActions = ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query"];

    public static readonly string[] TableReadWriteActions =
        [.. TableReadActions, "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"];

    /// <summary>
    /// The function's table access: the items (base table and indexes) whose partition keys match its patterns in
    /// <see cref="TableAccess"/>, as a dynamodb:LeadingKeys condition. The integration tests hold each handler's requests
    /// to the same list.
    /// </summary>
    private void GrantTable(LambdaFunction function, string handler, string[]? actions = null)
    {
        if (TableAccess.For(handler).Count == 0)
        {
            return; // touches no item (start-retrain only starts an execution)
        }
        var statement = Allow(actions ?? TableReadWriteActions, Table.TableArn, $"{Table.TableArn}/index/*");
        statement.AddCondition("ForAllValues:StringLike", new Dictionary<string, object> { ["dynamodb:LeadingKeys"] = TableAccess.For(handler).ToArray() });
        function.AddToRolePolicy(statement);
    }

    /// <summary>A dead-letter queue: {service}-{what}-dlq-{stage}, kept 14 days, encrypted, TLS only (each gets an alarm in OperationsConstruct).</summary>
    private Queue DeadLetterQueue(string id, string what, string stage) => new(this, id, new QueueProps
    {
        QueueName = $"{ResourceNames.Service}-{what}-dlq-{stage}",
        RetentionPeriod = Duration.Days(14),
        Encryption = QueueEncryption.SQS_MANAGED,
        EnforceSSL = true,
    });

    /// <summary>An event source mapping's filter: only INSERTs of items of one type reach the function.</summary>
    private static IDictionary<string, object> InsertsOf(string itemType) => FilterCriteria.Filter(new Dictionary<string, object>
    {
        ["eventName"] = FilterRule.IsEqual("INSERT"),
        ["dynamodb"] = new Dictionary<string, object>
        {
            ["NewImage"] = new Dictionary<string, object>
            {
                [TableSchema.ItemType] = new Dictionary<string, object> { ["S"] = FilterRule.IsEqual(itemType) },
            },
        },
    });

    private static PolicyStatement Allow(string[] actions, params string[] resources) =>
        new(new PolicyStatementProps { Effect = Effect.ALLOW, Actions = actions, Resources = resources });

    /// <summary>Fails synth with the command that produces the bundle instead of CDK's bare "Cannot find asset".</summary>
    private static string RequireLambdaBundle(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new InvalidOperationException($"Lambda bundle folder '{full}' (context 'lambdaAssetPath') does not exist. {ReleaseCenterStackProps.LambdaAssetHint}");
        }

        if (!File.Exists(Path.Combine(full, "bootstrap")))
        {
            throw new InvalidOperationException($"Lambda bundle folder '{full}' has no 'bootstrap' executable. {ReleaseCenterStackProps.LambdaAssetHint}");
        }

        return full;
    }
}
