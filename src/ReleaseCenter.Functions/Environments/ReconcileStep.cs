using System.Text.Json;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Environments;

/// <summary>
/// Not a state machine task: the reconciler, on a schedule. Frees locks whose execution has ended (after
/// the task timeout, so no task of it still runs), then delivers approval decisions that were stored but
/// never reached their workflow (a minute after the vote, so the normal way goes first). On a table from before the
/// releases' status index, it also backfills the index a bounded step at a time, until it is complete.
/// </summary>
public sealed class ReconcileStep(EnvironmentLocks locks, Releases.ReleaseService releases, ReleaseStatusIndex statusIndex) : ITaskStep
{
    public string Handler => ReleaseWorkflow.ReconcileHandler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var freed = await locks.FreeAbandonedAsync(TimeSpan.FromSeconds(ReleaseWorkflow.TaskTimeoutSeconds), ct).ConfigureAwait(false);
        var delivered = await releases.DeliverDecisionsAsync(TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
        // A bounded share of the function's timeout: 2,000 releases read or 10 seconds, whichever comes first.
        var indexed = await statusIndex.BackfillAsync(2_000, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return $$"""{"locksFreed":{{freed}},"decisionsDelivered":{{delivered}},"releasesIndexed":{{indexed}}}""";
    }
}
