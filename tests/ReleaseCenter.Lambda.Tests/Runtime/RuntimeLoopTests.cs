using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Workflow;
using ReleaseCenter.Functions;
using ReleaseCenter.Lambda.Runtime;

namespace ReleaseCenter.Lambda.Tests.Runtime;

/// <summary>The real bootstrap and loop against a fake Runtime API. One class: _X_AMZN_TRACE_ID is process-wide.</summary>
public sealed class RuntimeLoopTests : IAsyncLifetime
{
    private readonly HandlerProbe _probe = new();
    private FakeRuntimeApi _runtime = null!;

    public async Task InitializeAsync() => _runtime = await FakeRuntimeApi.StartAsync();

    public async Task DisposeAsync() => await _runtime.DisposeAsync();

    private Task<int> Run(string? handler, CancellationToken stop, Func<ReleaseCenterSettings>? settings = null, bool realHandlers = false) =>
        LambdaBootstrap.RunAsync(new LambdaBootstrapOptions
        {
            Handler = handler,
            RuntimeApi = _runtime.Address,
            Settings = settings ?? TestHost.Settings,
            Aws = TestHost.Aws,
            ConfigureServices = realHandlers ? null : s => s.AddSingleton(_probe).AddSingleton<ITaskHandlers, FakeTaskHandlers>(),
        }, stop);

    /// <summary>Runs the bootstrap for one test, then stops it the way the host does and checks it ends cleanly.</summary>
    private async Task WithLoop(string handler, Func<Task> test)
    {
        using var stop = new CancellationTokenSource();
        var run = Run(handler, stop.Token);
        try
        {
            await _runtime.WaitForNextCallsAsync(1);
            await test();
        }
        finally
        {
            await stop.CancelAsync();
        }
        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public Task TaskResult_IsPostedAsTheInvocationResponse() => WithLoop("echo", async () =>
    {
        _runtime.Enqueue("req-1", """{"releaseId":"r-1"}""");

        var report = await _runtime.NextReportAsync();

        Assert.Equal(new RuntimeReport("response", "req-1", null, """{"echo":{"releaseId":"r-1"}}"""), report);
    });

    [Fact]
    public Task WorkflowError_IsReportedWithItsErrorType_InHeaderAndBody_AndTheLoopGoesOn() => WithLoop("locked", async () =>
    {
        _runtime.Enqueue("req-1", "{}");
        _runtime.Enqueue("req-2", "{}");

        var first = await _runtime.NextReportAsync();
        var second = await _runtime.NextReportAsync();

        Assert.Equal(("error", "req-1", WorkflowErrors.EnvironmentLocked), (first.Kind, first.RequestId, first.ErrorType));
        using var body = JsonDocument.Parse(first.Body);
        Assert.Equal(WorkflowErrors.EnvironmentLocked, body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal("prod is locked by release r-41.", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal(("error", "req-2"), (second.Kind, second.RequestId));
    });

    [Fact]
    public Task OrdinaryException_IsReportedWithItsClrTypeName() => WithLoop("broken", async () =>
    {
        _runtime.Enqueue("req-1", "{}");

        var report = await _runtime.NextReportAsync();

        Assert.Equal(("error", nameof(InvalidOperationException)), (report.Kind, report.ErrorType));
        using var body = JsonDocument.Parse(report.Body);
        Assert.Equal(nameof(InvalidOperationException), body.RootElement.GetProperty("errorType").GetString());
    });

    [Fact]
    public Task Deadline_CancelsTheHandlersToken() => WithLoop("slow", async () =>
    {
        var earliestDeadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        _runtime.Enqueue("req-1", "{}", timeout: TimeSpan.FromSeconds(1));

        var cancelledAt = await _probe.CancelledAt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var report = await _runtime.NextReportAsync();

        // Measured against the deadline itself (not the handler's start, which a busy machine delays): not before it, give or
        // take the header's millisecond precision and a timer that may fire a tick early (seen: 2.3 ms early on a busy CI
        // machine), and not long after it.
        Assert.InRange(cancelledAt, earliestDeadline - TimeSpan.FromMilliseconds(20), earliestDeadline + TimeSpan.FromSeconds(5));
        Assert.Equal(("error", nameof(TaskCanceledException)), (report.Kind, report.ErrorType));
    });

    [Fact]
    public Task TraceId_IsInXAmznTraceIdDuringTheInvocation() => WithLoop("trace", async () =>
    {
        const string trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        _runtime.Enqueue("req-1", "{}", traceId: trace);

        var report = await _runtime.NextReportAsync();

        Assert.Equal($$"""{"trace":"{{trace}}"}""", report.Body);
    });

    [Fact]
    public Task ApiHandler_AnswersHttpApiEvents_WithV2Results() => WithLoop(LambdaBootstrap.ApiHandler, async () =>
    {
        _runtime.Enqueue("req-1", JsonSerializer.Serialize(TestHost.Event("GET", "/healthz"), Lambda.Api.HttpApiV2JsonContext.Default.HttpApiV2Request));

        var report = await _runtime.NextReportAsync();

        Assert.Equal("response", report.Kind);
        using var result = JsonDocument.Parse(report.Body);
        Assert.Equal(200, result.RootElement.GetProperty("statusCode").GetInt32());
        Assert.Equal("""{"status":"ok"}""", result.RootElement.GetProperty("body").GetString());
        Assert.False(result.RootElement.GetProperty("isBase64Encoded").GetBoolean());
    });

    /// <summary>The functions the CDK app declares outside the workflows (the relay, the export function) start with the real service graph.</summary>
    [Theory]
    [InlineData(Aws.Resources.ReleaseWorkflow.RunExportHandler)]
    [InlineData(Aws.Resources.ReleaseWorkflow.RelayOutboxHandler)]
    public async Task StreamFunctions_StartWithTheirRealHandlers(string handler)
    {
        using var stop = new CancellationTokenSource();
        var run = Run(handler, stop.Token, realHandlers: true);

        await _runtime.WaitForNextCallsAsync(1); // init succeeded: it asks for an invocation
        await stop.CancelAsync();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task UnknownHandler_ReportsInitError_AndExitsNonZero()
    {
        var exitCode = await Run("no-such-handler", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var report = await _runtime.NextReportAsync();
        Assert.NotEqual(0, exitCode);
        Assert.Equal(("init-error", LambdaBootstrap.HandlerNotFound), (report.Kind, report.ErrorType));
        Assert.Contains("no-such-handler", JsonDocument.Parse(report.Body).RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, _runtime.NextCalls);
    }

    [Fact]
    public async Task MissingSetting_ReportsInitError_WithTheExceptionType()
    {
        var exitCode = await Run("echo", CancellationToken.None,
            () => throw new InvalidOperationException("The environment variable TABLE_NAME is not set.")).WaitAsync(TimeSpan.FromSeconds(10));

        var report = await _runtime.NextReportAsync();
        Assert.NotEqual(0, exitCode);
        Assert.Equal(("init-error", nameof(InvalidOperationException)), (report.Kind, report.ErrorType));
    }

    [Fact]
    public async Task StopApplication_EndsTheLoop_WhileItWaitsForTheNextInvocation()
    {
        var run = Run("stop", CancellationToken.None);
        _runtime.Enqueue("req-1", "{}");

        Assert.Equal("response", (await _runtime.NextReportAsync()).Kind);
        await _runtime.WaitForNextCallsAsync(2);
        var stopwatch = Stopwatch.StartNew();
        _probe.Lifetime!.StopApplication();

        Assert.Equal(0, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"Stopping took {stopwatch.Elapsed}.");
    }

    [Fact]
    public void ErrorType_OfAWorkflowError_IsItsOwn_OfAnythingElse_ItsTypeName()
    {
        Assert.Equal("Release.Rejected", RuntimeLoop.ErrorType(new WorkflowErrorException(WorkflowErrors.Rejected, "no")));
        Assert.Equal(nameof(TimeoutException), RuntimeLoop.ErrorType(new TimeoutException()));
    }
}
