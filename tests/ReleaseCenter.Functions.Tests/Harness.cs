using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Tests.Fakes;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Tests;

/// <summary>
/// The product's real use cases and steps (the same DI graph as every host), with the AWS ports and
/// the stores replaced by in-memory fakes and the clock by a FakeTimeProvider. No emulator, no network:
/// a use case runs in microseconds, so each defect of issue 10 has a fast test here next to its
/// emulator test in ReleaseCenter.Integration.Tests/Correctness.
/// </summary>
public sealed class Harness : IDisposable
{
    public const string ReleaseStateMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:release-center-release-test";
    public const string RollbackStateMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:release-center-rollback-test";
    public const string RetrainStateMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:release-center-retrain-test";

    private readonly ServiceProvider _services;

    public Harness(string? environmentsJson = null)
    {
        SageMaker = new FakeSageMaker(Clock);
        StepFunctions = new FakeStepFunctions(Clock);
        Audit = new InMemoryAuditLog(Clock);
        Journal = new InMemoryJournal(Workflow, Audit);
        Func<ChangeRecord, Task> record = change => Journal.RecordAsync(change, [], CancellationToken.None);
        Registry.Recorder = record;
        Rollbacks.Recorder = record;
        Drift.Recorder = record;
        Freezes = new InMemoryFreezeStore(Clock) { Recorder = record };
        Policies = new InMemoryPolicyStore { Recorder = record };
        Templates = new InMemoryTemplateStore { Recorder = record };
        LiveState = new InMemoryLiveStateStore { Recorder = record };
        var settings = new ReleaseCenterSettings("test", "release-center-table-test", "release-center-test", ReleaseStateMachine,
            environmentsJson ?? File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "environments.json")), "arn:aws:iam::123456789012:role/sagemaker")
        {
            RollbackStateMachineArn = RollbackStateMachine,
            RetrainStateMachineArn = RetrainStateMachine,
        };
        var services = new ServiceCollection().AddLogging();
        services.AddReleaseCenter(settings, aws: null);
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
        services.Replace(ServiceDescriptor.Singleton<ISageMaker>(SageMaker));
        services.Replace(ServiceDescriptor.Singleton<IStepFunctions>(StepFunctions));
        services.Replace(ServiceDescriptor.Singleton<IEventBridge>(Events));
        services.Replace(ServiceDescriptor.Singleton<IRegistryStore>(Registry));
        services.Replace(ServiceDescriptor.Singleton<IWorkflowStore>(Workflow));
        services.Replace(ServiceDescriptor.Singleton<IRollbackStore>(Rollbacks));
        services.Replace(ServiceDescriptor.Singleton<IAuditLog>(Audit));
        services.Replace(ServiceDescriptor.Singleton<IJournal>(Journal));
        // Only the outbox relay still holds a table client here (the stores are fakes, the journal keeps the events): it
        // points nowhere, and nothing in these tests relays.
        services.Replace(ServiceDescriptor.Singleton<Amazon.DynamoDBv2.IAmazonDynamoDB>(_ => new Amazon.DynamoDBv2.AmazonDynamoDBClient(
            new Amazon.Runtime.BasicAWSCredentials("test", "test"), new Amazon.DynamoDBv2.AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:9" })));
        services.Replace(ServiceDescriptor.Singleton<IDriftStore>(Drift));
        services.Replace(ServiceDescriptor.Singleton<IRetrainStore>(Drift));
        services.Replace(ServiceDescriptor.Singleton<IFreezeStore>(Freezes));
        services.Replace(ServiceDescriptor.Singleton<IPolicyStore>(Policies));
        services.Replace(ServiceDescriptor.Singleton<ITemplateStore>(Templates));
        services.Replace(ServiceDescriptor.Singleton<ILiveStateStore>(LiveState));
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero));

    public FakeSageMaker SageMaker { get; }

    public FakeStepFunctions StepFunctions { get; }

    public FakeEventBridge Events { get; } = new();

    public InMemoryRegistryStore Registry { get; } = new();

    public InMemoryFreezeStore Freezes { get; }

    public InMemoryPolicyStore Policies { get; }

    public InMemoryTemplateStore Templates { get; }

    public InMemoryLiveStateStore LiveState { get; }

    public InMemoryWorkflowStore Workflow { get; } = new();

    public InMemoryRollbackStore Rollbacks { get; } = new();

    public InMemoryAuditLog Audit { get; }

    /// <summary>Timeline, audit and the events the relay would publish.</summary>
    public InMemoryJournal Journal { get; }

    public InMemoryDriftStore Drift { get; } = new();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>The registered step of that type (the one TaskHandlers dispatches to).</summary>
    public T Step<T>() where T : ITaskStep => _services.GetServices<ITaskStep>().OfType<T>().Single();

    public ITaskHandlers Handlers => Get<ITaskHandlers>();

    /// <summary>A model in project "fraud" with one version per (auc, latency) pair, registered by alice.</summary>
    public async Task<string> RegisterAsync(string model, params (double Auc, double Latency)[] versions)
    {
        await Registry.CreateModelAsync(Model.Create(new ModelDraft(model, "fraud"), "alice", Clock.GetUtcNow()), CancellationToken.None);
        foreach (var (auc, latency) in versions)
        {
            await Registry.AddVersionAsync(ModelVersion.Create(model, new ModelVersionDraft($"s3://models/{model}/model.tar.gz",
                "sha256:" + new string('a', 64), "xgboost", "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                Metrics: new Dictionary<string, double> { ["auc"] = auc, ["latency_p95_ms"] = latency },
                InferenceConfig: new InferenceConfig("ml.m5.large", 1)), "alice", Clock.GetUtcNow()), CancellationToken.None);
        }
        return model;
    }

    /// <summary>A release requested by alice through the real use case (the fake Step Functions starts its execution).</summary>
    public Task<Release> ReleaseAsync(string model, int version, params string[] environments) =>
        Get<ReleaseService>().CreateAsync(model, version, environments, null, "alice", CancellationToken.None);

    /// <summary>Evaluate, then (if the stage needs it) store an approval token: what the state machine does before a vote.</summary>
    public async Task<string> WaitForApprovalAsync(string releaseId, string environment)
    {
        await Step<EvaluateStep>().RunAsync(releaseId, CancellationToken.None);
        var token = $"token-{releaseId}-{environment}";
        await Step<RequestApprovalStep>().RunAsync(releaseId, environment, token, CancellationToken.None);
        return token;
    }

    /// <summary>Lock and deploy one environment, as the state machine does after approval.</summary>
    public async Task<DeployResult> DeployAsync(string releaseId, string environment)
    {
        await Step<AcquireLockStep>().RunAsync(releaseId, environment, CancellationToken.None, $"{ReleaseStateMachine.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal)}:{releaseId}");
        return await Step<DeployStep>().RunAsync(releaseId, environment, CancellationToken.None);
    }

    public async Task<Release> GetReleaseAsync(string id) => (await Registry.GetReleaseAsync(id, CancellationToken.None))!;

    public void Dispose() => _services.Dispose();
}
