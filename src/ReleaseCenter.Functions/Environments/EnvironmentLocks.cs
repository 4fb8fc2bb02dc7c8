using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Environments;

/// <summary>What an unlock did: the holder whose lock was freed and the state its execution was in.</summary>
public sealed record UnlockResult(string Environment, string FreedFrom, string? ExecutionArn, string ExecutionStatus, bool Forced);

/// <summary>
/// Frees environment locks whose holder can no longer free them: automatically, when the
/// holder's execution has ended (a workflow that failed in "Record the release", a rollback that
/// could not be stopped cleanly), and by a release-admin on request. Every freeing is audited in
/// the holder's project and announced as environment.unlocked.v1.
/// </summary>
public sealed class EnvironmentLocks(
    IWorkflowStore workflow,
    IRegistryStore registry,
    IRollbackStore rollbacks,
    EnvironmentPolicies policies,
    IStepFunctions stepFunctions,
    ReleaseJournal journal,
    DeploymentCompensation compensation,
    TimeProvider clock)
{
    public const string SweeperActor = "lock-sweeper";

    /// <summary>Status of an execution that no longer exists (or never started): nothing runs that could free the lock.</summary>
    public const string Gone = "GONE";

    /// <summary>The holder's execution could not be named (a lock from before locks recorded it, whose holder has no record either).</summary>
    public const string Unknown = "UNKNOWN";

    /// <summary>
    /// The sweep: frees every lock whose holder's execution ended at least <paramref name="grace"/>
    /// ago (the task functions' timeout: no task of it can still be running), after undoing a
    /// deployment the holder began but never recorded. Returns how many locks it freed.
    /// </summary>
    public async Task<int> FreeAbandonedAsync(TimeSpan grace, CancellationToken ct)
    {
        var freed = 0;
        foreach (var environment in policies.All.Select(p => p.Name))
        {
            var held = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
            if (held.LockedBy is null)
            {
                continue;
            }
            var (arn, model, status, stopped) = await HolderAsync(held, ct).ConfigureAwait(false);
            if (status is ExecutionStatus.Running or Unknown || stopped + grace > clock.GetUtcNow())
            {
                continue;
            }
            var undone = await compensation.RevertAsync(held.LockedBy, environment, ct).ConfigureAwait(false);
            if (!undone.Done)
            {
                continue;
            }
            if (await FreeAsync(held, arn, model, status, SweeperActor, $"its execution is {status}.", undone.Message, ct).ConfigureAwait(false))
            {
                freed++;
            }
        }
        return freed;
    }

    /// <summary>A release-admin frees a lock, saying why. Refused while the holder's execution still runs, unless forced.</summary>
    public async Task<UnlockResult> UnlockAsync(string environment, string actor, string reason, bool force, CancellationToken ct)
    {
        if (policies.Find(environment) is null)
        {
            throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"'{environment}' is not a configured environment ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        var held = await workflow.GetLockAsync(environment, ct).ConfigureAwait(false);
        if (held.LockedBy is null)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Not locked", $"{environment} is not locked; there is nothing to unlock.");
        }
        var (arn, model, status, _) = await HolderAsync(held, ct).ConfigureAwait(false);
        if (status is ExecutionStatus.Running or Unknown && !force)
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Lock in use", status == Unknown
                ? $"{environment} is locked by {held.LockedBy}, whose execution cannot be found to check; send \"force\": true to free it anyway."
                : $"{environment} is locked by {held.LockedBy}, whose execution {arn} is still running; stop it or wait, or send \"force\": true to free the lock anyway.");
        }
        var undoneMessage = "";
        if (status is not (ExecutionStatus.Running or Unknown) && await registry.GetReleaseAsync(held.LockedBy, ct).ConfigureAwait(false) is not null)
        {
            var undone = await compensation.RevertAsync(held.LockedBy, environment, ct).ConfigureAwait(false);
            if (!undone.Done && !force)
            {
                throw new RequestRefusedException(RefusalKind.Conflict, "Deployment not undone yet", $"{held.LockedBy} began a deployment it never recorded: {undone.Message} "
                    + "Wait for that, or send \"force\": true to free the lock anyway.");
            }
            undoneMessage = undone.Message;
        }
        if (!await FreeAsync(held, arn, model, status, actor, reason, undoneMessage, ct).ConfigureAwait(false))
        {
            throw new RequestRefusedException(RefusalKind.Conflict, "Lock changed", $"The {environment} lock changed hands while it was being freed; look again.");
        }
        return new UnlockResult(environment, held.LockedBy, arn, status, force && status is ExecutionStatus.Running or Unknown);
    }

    /// <summary>Frees the lock only if <paramref name="held"/>'s holder still has it; audits and announces once.</summary>
    /// <param name="undone">What was done to the endpoint first (<see cref="DeploymentCompensation"/>), if anything.</param>
    private async Task<bool> FreeAsync(EnvironmentLock held, string? arn, string? model, string status, string actor, string reason, string undone, CancellationToken ct)
    {
        if (!await workflow.ReleaseLockAsync(held.Environment, held.LockedBy!, ct).ConfigureAwait(false))
        {
            return false;
        }
        var message = $"{actor} freed the {held.Environment} lock held by {held.LockedBy} since {held.LockedAt:u} (execution {status}): {reason}"
            + (undone.Length == 0 ? "" : $" {undone}");
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["environment"] = held.Environment,
            ["lockedBy"] = held.LockedBy!,
            ["executionArn"] = arn ?? "",
            ["executionStatus"] = status,
            ["reason"] = reason,
            ["endpoint"] = undone,
            ["message"] = message,
        };
        var stamp = held.LockedAt?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";
        var key = $"unlock/{held.Environment}/{held.LockedBy}/{stamp}";
        var unlocked = new EnvironmentUnlocked(held.Environment, held.LockedBy!, arn ?? "", status, reason, actor, undone, model);
        if (model is not null)
        {
            await journal.RecordModelStepAsync(model, actor, "environment.unlocked", $"environment/{held.Environment}", details, key, ct, unlocked).ConfigureAwait(false);
        }
        else
        {
            await journal.PublishAsync(unlocked, key, ct).ConfigureAwait(false); // no model, so no project chain to audit in
        }
        return true;
    }

    /// <summary>The holder's execution, its model (for the audit's project), the execution's status and when it stopped.</summary>
    private async Task<(string? Arn, string? Model, string Status, DateTimeOffset Stopped)> HolderAsync(EnvironmentLock held, CancellationToken ct)
    {
        string? arn = held.ExecutionArn;
        string? model = null;
        if (await registry.GetReleaseAsync(held.LockedBy!, ct).ConfigureAwait(false) is { } release)
        {
            (arn, model) = (arn ?? release.ExecutionArn, release.Model);
        }
        else if (await rollbacks.GetAsync(held.LockedBy!, ct).ConfigureAwait(false) is { } rollback)
        {
            (arn, model) = (arn ?? rollback.ExecutionArn, rollback.Model);
        }
        if (arn is null)
        {
            return (null, model, Unknown, DateTimeOffset.MaxValue);
        }
        try
        {
            var execution = await stepFunctions.DescribeExecutionAsync(arn, ct).ConfigureAwait(false);
            return (arn, model, execution.Status, execution.StopDate ?? DateTimeOffset.MinValue);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == StepFunctionsErrors.ExecutionDoesNotExist)
        {
            return (arn, model, Gone, DateTimeOffset.MinValue);
        }
    }
}
