using System.Text.Json;
using ReleaseCenter.Functions.Workflow;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Workflow;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// Verify the restored endpoint after the bake time; unhealthy fails the rollback (Rollback.VerificationFailed).
/// </summary>
public sealed class RollbackVerifyStep(
    RollbackRecord record,
    IRegistryStore registry,
    IRollbackStore rollbacks,
    IEndpointVerifier verifier,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "rollback-verify";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.RollbackId(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.VerifyResult);

    public async Task<VerifyResult> RunAsync(string rollbackId, CancellationToken ct)
    {
        var rollback = await record.LoadAsync(rollbackId, ct).ConfigureAwait(false);
        var verification = rollback.Verification;
        if (verification is null)
        {
            var target = await registry.GetReleaseAsync(rollback.To.Release, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Release {rollback.To.Release} does not exist.");
            var (healthy, reason) = await verifier.VerifyAsync(target, rollback.Environment, rollback.EndpointName, rollback.To.EndpointConfigName, ct)
                .ConfigureAwait(false);
            var now = clock.GetUtcNow();
            rollback = await rollbacks.UpdateAsync(rollbackId, r => r.Verification is null ? r with { Verification = new VerificationRecord(healthy, reason, now), UpdatedAt = now } : null, ct)
                .ConfigureAwait(false);
            verification = rollback.Verification!;
        }
        return verification.Healthy
            ? new VerifyResult(true, verification.Reason)
            : throw new WorkflowErrorException(RollbackRecord.VerificationFailed, verification.Reason);
    }
}
