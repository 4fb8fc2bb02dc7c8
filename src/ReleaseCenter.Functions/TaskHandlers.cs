using System.Text.Json;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions;

/// <summary>
/// The Step Functions task handlers of the release workflow, by handler name. Each one parses
/// its payload, calls one <see cref="ReleaseSteps"/> use case and serializes the result.
/// </summary>
public sealed class TaskHandlers(ReleaseSteps steps, Rollbacks.RollbackSteps rollback, Drift.RetrainSteps retrain, Drift.DriftService drift,
    Domain.Releases.EnvironmentPolicies policies, Environments.EnvironmentLocks locks, Releases.ReleaseService releases, EndpointWaits waits) : ITaskHandlers
{
    private const string Empty = "{}";

    private readonly Dictionary<string, Func<JsonElement, CancellationToken, Task<string>>> _handlers = new(StringComparer.Ordinal)
    {
        ["evaluate"] = async (p, ct) => Json(await steps.EvaluateAsync(Id(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EvaluateResult),
        ["request-approval"] = async (p, ct) =>
        {
            await steps.RequestApprovalAsync(Id(p), Env(p), Text(p, "taskToken"), ct).ConfigureAwait(false);
            return Empty;
        },
        ["acquire-lock"] = async (p, ct) =>
        {
            await steps.AcquireLockAsync(Id(p), Env(p), ct, OptionalText(p, "executionArn")).ConfigureAwait(false);
            return Empty;
        },
        ["deploy"] = async (p, ct) => Json(await steps.DeployAsync(Id(p), Env(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.DeployResult),
        ["check-endpoint"] = async (p, ct) => Json(await steps.CheckEndpointAsync(Id(p), Env(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EndpointResult),
        // Parks the workflow on a task token until SageMaker says the endpoint changed (or the task's timeout, the fallback, passes).
        [Aws.Resources.ReleaseWorkflow.AwaitEndpointHandler] = async (p, ct) =>
        {
            var waiter = OptionalText(p, "rollbackId") is { } rollbackId ? $"rollback {rollbackId}" : $"release {Id(p)} in {Env(p)}";
            await waits.ParkAsync(Text(p, "endpointName"), Text(p, "taskToken"), waiter, ct).ConfigureAwait(false);
            return Empty;
        },
        // Not a state machine task: the target of the EventBridge rule on SageMaker's "Endpoint State Change" events.
        [Aws.Resources.ReleaseWorkflow.EndpointChangedHandler] = async (p, ct) =>
        {
            var (endpoint, woken) = await waits.OnStateChangeAsync(p, ct).ConfigureAwait(false);
            return JsonSerializer.Serialize(new Dictionary<string, string> { ["endpoint"] = endpoint ?? "", ["woken"] = woken ? "true" : "false" },
                WorkflowJsonContext.Default.DictionaryStringString);
        },
        ["verify"] = async (p, ct) => Json(await steps.VerifyAsync(Id(p), Env(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.VerifyResult),
        ["roll-back-endpoint"] = async (p, ct) => Json(await steps.RollBackEndpointAsync(Id(p), Env(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.RollbackResult),
        ["record-deployment"] = async (p, ct) =>
        {
            await steps.RecordDeploymentAsync(Id(p), Env(p), ct).ConfigureAwait(false);
            return Empty;
        },
        ["stop-stage"] = async (p, ct) =>
        {
            var (error, cause) = Failure(p);
            return Json(await steps.StopStageAsync(Id(p), Env(p), error ?? "Release.Unknown", cause, ct).ConfigureAwait(false),
                WorkflowJsonContext.Default.StopResult);
        },
        // Not a state machine task: invoked on a schedule (EventBridge rule in AWS, a background loop locally).
        ["send-reminders"] = async (_, ct) =>
            $$"""{"sent":{{await steps.SendDueRemindersAsync(ct).ConfigureAwait(false)}}}""",
        // Not a state machine task either: the reconciler, on a schedule. Decisions get a minute to arrive the normal way first.
        [Aws.Resources.ReleaseWorkflow.ReconcileHandler] = async (_, ct) =>
        {
            var freed = await locks.FreeAbandonedAsync(TimeSpan.FromSeconds(Aws.Resources.ReleaseWorkflow.TaskTimeoutSeconds), ct).ConfigureAwait(false);
            var delivered = await releases.DeliverDecisionsAsync(TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
            return $$"""{"locksFreed":{{freed}},"decisionsDelivered":{{delivered}}}""";
        },
        // statemachines/rollback.asl.json
        ["rollback-request-approval"] = async (p, ct) =>
        {
            await rollback.RequestApprovalAsync(Rollback(p), Text(p, "taskToken"), ct).ConfigureAwait(false);
            return Empty;
        },
        ["rollback-acquire-lock"] = async (p, ct) =>
        {
            await rollback.AcquireLockAsync(Rollback(p), ct, OptionalText(p, "executionArn")).ConfigureAwait(false);
            return Empty;
        },
        ["rollback-restore"] = async (p, ct) =>
        {
            await rollback.RestoreAsync(Rollback(p), ct).ConfigureAwait(false);
            return Empty;
        },
        ["rollback-check-endpoint"] = async (p, ct) =>
            Json(await rollback.CheckEndpointAsync(Rollback(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.EndpointResult),
        ["rollback-verify"] = async (p, ct) => Json(await rollback.VerifyAsync(Rollback(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.VerifyResult),
        ["rollback-record"] = async (p, ct) =>
        {
            await rollback.RecordAsync(Rollback(p), ct).ConfigureAwait(false);
            return Empty;
        },
        ["rollback-stop"] = async (p, ct) =>
        {
            var (error, cause) = Failure(p);
            return Json(await rollback.StopAsync(Rollback(p), error ?? "Rollback.Unknown", cause, ct).ConfigureAwait(false),
                WorkflowJsonContext.Default.RollbackStopResult);
        },
        // statemachines/retrain.asl.json, and its trigger (an EventBridge rule on drift.detected.v1)
        ["start-retrain"] = async (p, ct) => $$"""{"executionArn":"{{await retrain.TriggerAsync(p, ct).ConfigureAwait(false)}}"}""",
        ["normalize-drift-signal"] = async (p, ct) =>
        {
            var signal = Domain.Drift.AwsDriftSignals.Normalize(p, policies.All.Select(e => e.Name).ToArray(), out var why);
            var report = signal is null ? null : await drift.SubmitSignalAsync(signal, ct).ConfigureAwait(false);
            return JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["driftReportId"] = report?.Id ?? "",
                ["ignored"] = report is not null ? "" : signal is null ? why : $"Model {signal.Model} is not registered here.",
            }, WorkflowJsonContext.Default.DictionaryStringString);
        },
        ["retrain-check-policy"] = async (p, ct) =>
            Json(await retrain.CheckPolicyAsync(Report(p), Text(p, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.RetrainDecision),
        ["retrain-start-pipeline"] = async (p, ct) =>
            Json(await retrain.StartPipelineAsync(Report(p), ct).ConfigureAwait(false), WorkflowJsonContext.Default.PipelineStarted),
        ["retrain-check-pipeline"] = async (p, ct) =>
            Json(await retrain.CheckPipelineAsync(Report(p), Text(p, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.PipelineCheck),
        ["retrain-register"] = async (p, ct) =>
            Json(await retrain.RegisterAsync(Report(p), Text(p, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.VersionRegistered),
        ["retrain-open-release"] = async (p, ct) =>
            Json(await retrain.OpenReleaseAsync(Report(p), Text(p, "model"), ct).ConfigureAwait(false), WorkflowJsonContext.Default.ReleaseOpened),
        ["retrain-stop"] = async (p, ct) =>
        {
            var (error, cause) = Failure(p);
            return Json(await retrain.StopAsync(Report(p), Text(p, "model"), error ?? "Retrain.Unknown", cause, ct).ConfigureAwait(false),
                WorkflowJsonContext.Default.StopResult);
        },
        ["finish"] = async (p, ct) =>
        {
            var (error, cause) = Failure(p);
            var outcome = Enum.Parse<ReleaseStatus>(Text(p, "outcome"));
            return Json(await steps.FinishAsync(Id(p), outcome, error, cause, ct).ConfigureAwait(false), WorkflowJsonContext.Default.FinishResult);
        },
    };

    public bool Has(string handler) => _handlers.ContainsKey(handler);

    public async Task<string> InvokeAsync(string handler, string payload, CancellationToken ct)
    {
        if (!_handlers.TryGetValue(handler, out var run))
        {
            throw new InvalidOperationException($"No task handler is named '{handler}'.");
        }
        using var doc = JsonDocument.Parse(payload);
        try
        {
            return await run(doc.RootElement, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (Aws.Clients.TransientErrors.IsTransient(ex))
        {
            // The state machine retries Release.Transient with backoff; every step is idempotent.
            throw new Domain.Workflow.WorkflowErrorException(Domain.Workflow.WorkflowErrors.Transient, $"{handler}: {ex.Message}");
        }
    }

    private static string Id(JsonElement p) => Text(p, "releaseId");

    private static string Rollback(JsonElement p) => Text(p, "rollbackId");

    private static string Report(JsonElement p) => Text(p, "driftReportId");

    private static string Env(JsonElement p) => Text(p, "environment");

    private static string Text(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new ArgumentException($"The payload lacks '{name}'.");

    private static string? OptionalText(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A Catch's ResultPath object: {"Error": "...", "Cause": "..."}.</summary>
    private static (string? Error, string? Cause) Failure(JsonElement p) =>
        p.TryGetProperty("failure", out var f) && f.ValueKind == JsonValueKind.Object
            ? (f.TryGetProperty("Error", out var e) ? e.GetString() : null, f.TryGetProperty("Cause", out var c) ? c.GetString() : null)
            : (null, null);

    private static string Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}
