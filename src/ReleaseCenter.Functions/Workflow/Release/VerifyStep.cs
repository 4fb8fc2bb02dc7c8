using System.Text.Json;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Verify the endpoint after the bake time; the verdict is recorded once.
/// </summary>
public sealed class VerifyStep(
    ReleaseRecord record,
    IEndpointVerifier verifier,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "verify";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        Payload.Json(await RunAsync(Payload.ReleaseId(payload), Payload.Environment(payload), ct).ConfigureAwait(false), WorkflowJsonContext.Default.VerifyResult);

    public async Task<VerifyResult> RunAsync(string releaseId, string environment, CancellationToken ct)
    {
        var release = await record.LoadAsync(releaseId, ct).ConfigureAwait(false);
        var stage = release.Stage(environment);
        if (stage.Verification is { } done)
        {
            return new VerifyResult(done.Healthy, done.Reason);
        }
        var deployment = stage.Deployment ?? throw new InvalidOperationException($"Release {releaseId} has not deployed to {environment}.");
        var (healthy, reason) = await verifier.VerifyAsync(release, environment, deployment.EndpointName, deployment.EndpointConfigName, ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        release = await record.SaveAsync(releaseId, r =>
        {
            if (r.Stage(environment).Verification is not null)
            {
                return null;
            }
            var next = r.MoveStage(environment, ReleaseStatus.Verifying, now)
                .WithStage(environment, s => s with { Verification = new VerificationRecord(healthy, reason, now) }, now);
            return ReleaseTransitions.CanMove(next.Status, ReleaseStatus.Verifying) ? next.MoveTo(ReleaseStatus.Verifying, now) : next;
        }, ct).ConfigureAwait(false);
        var verification = release.Stage(environment).Verification!;
        await record.TimelineAsync(release, environment, verification.Healthy ? "verified" : "verification-failed", verification.Reason, ct).ConfigureAwait(false);
        return new VerifyResult(verification.Healthy, verification.Reason);
    }
}
