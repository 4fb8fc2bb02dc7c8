using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Functions.Workflow;

/// <summary>
/// Record the release's outcome, free its locks, and hand the state machine the final event to announce.
/// </summary>
public sealed class FinishStep(
    ReleaseRecord record,
    IWorkflowStore workflow,
    ModelProjects projects,
    TimeProvider clock) : ITaskStep
{
    public string Handler => "finish";

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var (error, cause) = Payload.Failure(payload);
        return Payload.Json(await RunAsync(Payload.ReleaseId(payload), Enum.Parse<ReleaseStatus>(Payload.Text(payload, "outcome")), error, cause, ct).ConfigureAwait(false),
            WorkflowJsonContext.Default.FinishResult);
    }

    public async Task<FinishResult> RunAsync(string releaseId, ReleaseStatus outcome, string? error, string? cause, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var release = await record.SaveAsync(releaseId, r =>
        {
            if (r.Status.IsTerminal())
            {
                return null;
            }
            var next = r;
            if (outcome != ReleaseStatus.Released)
            {
                foreach (var stage in r.Stages.Where(s => !s.Status.IsTerminal()))
                {
                    next = next.MoveStage(stage.Environment, ReleaseStatus.Cancelled, now);
                }
            }
            return next.MoveTo(outcome, now);
        }, ct).ConfigureAwait(false);
        foreach (var environment in release.Environments)
        {
            await workflow.ReleaseLockAsync(environment, releaseId, ct).ConfigureAwait(false);
        }
        var final = release.Status;
        await record.TimelineAsync(release, null, "finished", final == ReleaseStatus.Released
            ? $"Released {release.Model} v{release.Version} to {string.Join(", ", release.Environments)}."
            : $"Ended {final}" + (error is null ? "." : $": {error}" + (cause is null ? "." : $" ({cause})")), ct).ConfigureAwait(false);
        var project = await projects.FindAsync(release.Model, ct).ConfigureAwait(false) ?? "";
        var detail = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["releaseId"] = release.Id,
            ["model"] = release.Model,
            ["project"] = project,
            ["version"] = release.Version.ToString(CultureInfo.InvariantCulture),
            ["outcome"] = final.ToString(),
            ["bundleDigest"] = release.Bundle?.Digest ?? "",
        }, WorkflowJsonContext.Default.DictionaryStringString);
        return new FinishResult(final.ToString(), $"release.{Kebab(final.ToString())}.v1", detail);
    }

    private static string Kebab(string pascal) =>
        string.Concat(pascal.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
