using Microsoft.Extensions.DependencyInjection.Extensions;
using ReleaseCenter.Api;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Local.Emulator;
using ReleaseCenter.Local.Notifications;

namespace ReleaseCenter.Local;

/// <summary>
/// Provisions the emulated resources the CDK app declares (table, bus + archive, the release
/// and rollback state machines from statemachines/ with the same substitutions) and builds the API host over
/// them, with every task handler answering Lambda Invoke in-process. Used by the run command and
/// by the tests, so both exercise the same wiring.
/// </summary>
public static class LocalHost
{
    public const string DefaultStage = "local";
    public const string SageMakerRoleArn = "arn:aws:iam::123456789012:role/release-center-sagemaker-local";

    /// <param name="awsServiceUrl">The emulated AWS endpoint (ours over moto, or LocalStack).</param>
    /// <param name="functions">Where our Lambda handlers are registered (our endpoint only); null when the emulator cannot call back into us.</param>
    /// <param name="environmentsJson">Release policy per environment; default: config/environments.json as built in.</param>
    /// <param name="faults">The local AWS endpoint's fault switch, served at /v1/local/faults (ours over moto only).</param>
    /// <param name="configure">Last changes to the services (tests: smaller export limits).</param>
    /// <param name="logPath">The JSON-lines log file (<see cref="LocalLogFile"/>); default: a file of this host's own in the temp directory.</param>
    public static async Task<WebApplication> BuildAsync(string awsServiceUrl, LambdaFunctions? functions, int port, string stage, CancellationToken ct,
        string? environmentsJson = null, AwsFaults? faults = null, string? logPath = null, Action<IServiceCollection>? configure = null)
    {
        var names = new ResourceNames(stage);
        var aws = LocalAws.ClientOptions(awsServiceUrl);
        using (var dynamo = LocalAws.CreateDynamoDbClient(awsServiceUrl))
        {
            await TableProvisioner.EnsureTableAsync(dynamo, names.TableName, ct).ConfigureAwait(false);
        }
        using (var events = new EventBridgeClient(aws))
        {
            await EventBusProvisioner.EnsureAsync(events, names, LocalAws.AccountId, ct).ConfigureAwait(false);
        }
        await EnsureBucketAsync(aws, names.LocalAnchorBucketName, objectLock: true, ct).ConfigureAwait(false);
        await EnsureBucketAsync(aws, names.LocalExportBucketName, objectLock: false, ct).ConfigureAwait(false);
        await EnsureBucketAsync(aws, ModelsBucket, objectLock: false, ct).ConfigureAwait(false);
        var stateMachineArn = await EnsureStateMachineAsync(aws, names, ReleaseWorkflow.Name, ReleaseWorkflow.Resolve(ReadResource("release.asl.json"),
            ReleaseWorkflow.Substitutions(handler => FunctionArn(names, handler))), ct).ConfigureAwait(false);
        var rollbackArn = await EnsureStateMachineAsync(aws, names, RollbackWorkflow.Name, ReleaseWorkflow.Resolve(ReadResource("rollback.asl.json"),
            RollbackWorkflow.Substitutions(handler => FunctionArn(names, handler))), ct).ConfigureAwait(false);
        var retrainArn = await EnsureStateMachineAsync(aws, names, RetrainWorkflow.Name, ReleaseWorkflow.Resolve(ReadResource("retrain.asl.json"),
            RetrainWorkflow.Substitutions(handler => FunctionArn(names, handler))), ct).ConfigureAwait(false);
        // Rules on the emulator's default bus, shared by every host that runs against it (DefaultBusRules takes them off again).
        var driftSignalsRule = $"{ResourceNames.Service}-drift-signals-{stage}";
        var endpointChangedRule = $"{ResourceNames.Service}-endpoint-changed-{stage}";
        var packageChangedRule = $"{ResourceNames.Service}-model-package-changed-{stage}";
        using (var events = new EventBridgeClient(aws))
        {
            // As in the CDK app: drift.detected.v1 invokes the start-retrain function, which names the execution after the report.
            await events.PutRuleAsync(new PutRuleRequest($"{ResourceNames.Service}-start-retrain-{stage}")
            {
                EventBusName = names.EventBusName,
                EventPattern = $$"""{"source":["{{ResourceNames.EventSource}}"],"detail-type":["{{RetrainWorkflow.DetectedDetailType}}"]}""",
            }, ct).ConfigureAwait(false);
            await events.PutTargetsAsync(new PutTargetsRequest($"{ResourceNames.Service}-start-retrain-{stage}",
                [new RuleTarget("start-retrain", FunctionArn(names, RetrainWorkflow.TriggerFunction.Handler))]) { EventBusName = names.EventBusName }, ct).ConfigureAwait(false);
            // As in the CDK app: AWS's own drift signals arrive on the default bus.
            await events.PutRuleAsync(new PutRuleRequest(driftSignalsRule)
            {
                EventPattern = DriftSignalPattern,
            }, ct).ConfigureAwait(false);
            await events.PutTargetsAsync(new PutTargetsRequest(driftSignalsRule,
                [new RuleTarget("normalize", FunctionArn(names, RetrainWorkflow.SignalFunction.Handler))]), ct).ConfigureAwait(false);
            // As in the CDK app: SageMaker's endpoint state changes (default bus; the launcher's stand-in sends them) wake parked workflows.
            await events.PutRuleAsync(new PutRuleRequest(endpointChangedRule)
            {
                EventPattern = ReleaseWorkflow.EndpointStateChangePattern,
            }, ct).ConfigureAwait(false);
            await events.PutTargetsAsync(new PutTargetsRequest(endpointChangedRule,
                [new RuleTarget("wake", FunctionArn(names, ReleaseWorkflow.EndpointChangedHandler))]), ct).ConfigureAwait(false);
            // As in the CDK app: SageMaker's model package state changes (default bus; launcher patch 10 sends them) import mapped groups' packages.
            await events.PutRuleAsync(new PutRuleRequest(packageChangedRule)
            {
                EventPattern = ModelRegistrySync.PackageStateChangePattern,
            }, ct).ConfigureAwait(false);
            await events.PutTargetsAsync(new PutTargetsRequest(packageChangedRule,
                [new RuleTarget("import", FunctionArn(names, ModelRegistrySync.ImportFunction.Handler))]), ct).ConfigureAwait(false);
            // As in the CDK app: deployments and rollbacks (our bus) set the package's approval status.
            var syncRule = $"{ResourceNames.Service}-model-package-sync-{stage}";
            await events.PutRuleAsync(new PutRuleRequest(syncRule)
            {
                EventBusName = names.EventBusName,
                EventPattern = ModelRegistrySync.SyncPattern(ResourceNames.EventSource),
            }, ct).ConfigureAwait(false);
            await events.PutTargetsAsync(new PutTargetsRequest(syncRule,
                [new RuleTarget("sync", FunctionArn(names, ModelRegistrySync.SyncFunction.Handler))]) { EventBusName = names.EventBusName }, ct).ConfigureAwait(false);
        }
        var notifications = await LocalNotifications.ProvisionAsync(aws, names, LocalNotifications.ReadPolicy(), ct).ConfigureAwait(false);
        // As the CDK app's secret: Slack's signing secret in Secrets Manager, here a random one per start (tests read it from there).
        string slackSecretArn;
        using (var secrets = new SecretsManagerClient(aws))
        {
            var signing = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
            slackSecretArn = await secrets.PutSecretAsync(SlackSecretName(names), $$"""{"signingSecret":"{{signing}}"}""",
                "Slack signing secret of the local stack", ct).ConfigureAwait(false);
        }
        var settings = new ReleaseCenterSettings(stage, names.TableName, names.EventBusName, stateMachineArn, environmentsJson ?? ReadResource("environments.json"),
            SageMakerRoleArn)
        {
            RollbackStateMachineArn = rollbackArn,
            RetrainStateMachineArn = retrainArn,
            // SageMaker runs 300x faster here; a lost state-change event should cost seconds, not minutes.
            EndpointFallbackCheckSeconds = 5,
            // A lifted freeze is noticed within seconds here.
            DoorCheckSeconds = 2,
            AuditAnchorBucket = names.LocalAnchorBucketName,
            // The emulator's objects outlive nothing but its process; a day keeps the lock real without pretending to archive.
            AuditAnchorRetention = TimeSpan.FromDays(1),
            ExportBucket = names.LocalExportBucketName,
            SlackSecretArn = slackSecretArn,
            SlackJson = ReadResource("slack.json"),
            ModelRegistryJson = ModelRegistryConfig.WithReportBucket(ReadResource("model-registry.json"), ModelsBucket),
        };

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = JsonBody.MaxBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // Every notification the relay posts would otherwise log four lines of HttpClient chatter; failures still show.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        // Every line, with its fields, to the log file; the terminal keeps its short lines without the per-step chatter.
        var logFile = new LocalLogFile(logPath ?? Path.Combine(Path.GetTempPath(), "release-center-logs", $"{stage}-{Environment.ProcessId}-{port}.jsonl"));
        builder.Services.AddSingleton(logFile);
        builder.Logging.AddProvider(new LocalLogFileProvider(logFile, TimeProvider.System));
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(typeof(TaskHandlers).FullName, LogLevel.Warning);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(typeof(ReleaseCenter.Api.Exports.ExportJobRunner).FullName, LogLevel.Warning);
        // The Model Registry import and sync say what they did in the log file; the terminal only hears of trouble.
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(typeof(ReleaseCenter.Functions.Registry.ImportModelPackageStep).Namespace, LogLevel.Warning);
        var tokens = new DevTokens(TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddReleaseCenter(settings, aws);
        builder.Services.AddSingleton<LocalFaults>();
        builder.Services.AddSingleton(faults ?? new AwsFaults());
        builder.Services.AddHostedService<ScheduledSweeper>();
        builder.Services.AddHostedService<OutboxRelayLoop>();
        // The default bus is the emulator's, shared by every host that ran against it: take this host's rules off it when it stops.
        builder.Services.AddHostedService(_ => new DefaultBusRules(aws,
            [(driftSignalsRule, "normalize"), (endpointChangedRule, "wake"), (packageChangedRule, "import")]));
        builder.Services.AddLocalNotifications(notifications, aws);
        builder.Services.Replace(ServiceDescriptor.Singleton<ReleaseCenter.Functions.Telemetry.IMetricSink>(new LocalMetricSink(logFile)));
        builder.Services.AddSingleton<SageMakerEndpointVerifier>();
        builder.Services.Replace(ServiceDescriptor.Singleton<IEndpointVerifier, LocalEndpointVerifier>());
        builder.Services.AddReleaseCenterApi(tokens.AuthOptions);
        // In AWS the job item's INSERT on the table's stream starts the export function; here the host runs jobs itself.
        builder.Services.AddSingleton<LocalExportRunner>();
        builder.Services.Replace(ServiceDescriptor.Singleton<ReleaseCenter.Api.Exports.IExportStarter>(sp => sp.GetRequiredService<LocalExportRunner>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LocalExportRunner>());
        // Locally a message update may go to this stack's own webhook sink (plain HTTP on the loopback address).
        builder.Services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var slack = ReleaseCenter.Api.Integrations.SlackConfig.Parse(settings.SlackJson);
            return slack with { AllowHttp = true, ResponseUrlHosts = new HashSet<string>([.. slack.ResponseUrlHosts, "127.0.0.1"], StringComparer.OrdinalIgnoreCase) };
        }));
        configure?.Invoke(builder.Services);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Add(LocalApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Add(FaultsJsonContext.Default);
        });

        var app = builder.Build();
        app.UseReleaseCenterApi();
        app.MapLocalApi(new LocalInfoDto(awsServiceUrl, LocalAws.Region, names.TableName, names.EventBusName,
            new Dictionary<string, string> { [ReleaseWorkflow.Name] = stateMachineArn, [RollbackWorkflow.Name] = rollbackArn, [RetrainWorkflow.Name] = retrainArn }));
        app.MapLocalNotifications();
        app.MapConsole();

        if (functions is not null)
        {
            var handlers = app.Services.GetRequiredService<ITaskHandlers>();
            foreach (var function in Workflows.TaskFunctions)
            {
                functions.Add(names.FunctionName(function.Handler), (payload, token) => handlers.InvokeAsync(function.Handler, payload, token));
            }
        }
        return app;
    }

    /// <summary>A bucket the CDK app declares: the audit anchors' with Object Lock on, the exports' without; an existing one is kept.</summary>
    private static async Task EnsureBucketAsync(AwsClientOptions aws, string bucket, bool objectLock, CancellationToken ct)
    {
        using var s3 = new Amazon.S3.AmazonS3Client(aws.Credentials, new Amazon.S3.AmazonS3Config
        {
            ServiceURL = aws.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = aws.Region,
        });
        try
        {
            await s3.PutBucketAsync(new Amazon.S3.Model.PutBucketRequest { BucketName = bucket, ObjectLockEnabledForBucket = objectLock }, ct).ConfigureAwait(false);
        }
        catch (Amazon.S3.AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // a host ran on this stage before
        }
    }

    /// <summary>The Slack secret's name, as the CDK app names it: release-center/slack-{stage}.</summary>
    public static string SlackSecretName(ResourceNames names) => $"{ResourceNames.Service}/slack-{names?.Stage}";

    /// <summary>CloudWatch alarm state changes and SageMaker processing job state changes (Model Monitor), as in the CDK app.</summary>
    public const string DriftSignalPattern =
        """{"source":["aws.cloudwatch","aws.sagemaker"],"detail-type":["CloudWatch Alarm State Change","SageMaker Processing Job State Change"]}""";

    /// <summary>The function ARN the state machine invokes for a handler, as the CDK app's substitutions give it in AWS.</summary>
    public static string FunctionArn(ResourceNames names, string handler) =>
        $"arn:aws:lambda:{LocalAws.Region}:{LocalAws.AccountId}:function:{names.FunctionName(handler)}";

    private static async Task<string> EnsureStateMachineAsync(AwsClientOptions aws, ResourceNames names, string workflow, string definition, CancellationToken ct)
    {
        using var sfn = new StepFunctionsClient(aws);
        var name = names.StateMachineName(workflow);
        if (await sfn.FindStateMachineByNameAsync(name, ct).ConfigureAwait(false) is { } existing)
        {
            await sfn.UpdateStateMachineAsync(new UpdateStateMachineRequest(existing.StateMachineArn) { Definition = definition }, ct).ConfigureAwait(false);
            return existing.StateMachineArn;
        }
        var created = await sfn.CreateStateMachineAsync(new CreateStateMachineRequest(name, definition, $"arn:aws:iam::{LocalAws.AccountId}:role/{name}-role"), ct)
            .ConfigureAwait(false);
        return created.StateMachineArn;
    }

    /// <summary>The built-in copy of a repository file (config/environments.json, statemachines/release.asl.json), for tests that vary it.</summary>
    /// <summary>Where the local stack's model artifacts and metrics reports are (config/model-registry.json lists it in reportBuckets).</summary>
    public const string ModelsBucket = "release-center-models-local";

    public static string ReadResourceForTests(string name) => ReadResource(name);

    internal static string ReadResource(string name)
    {
        using var stream = typeof(LocalHost).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the local stack.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
