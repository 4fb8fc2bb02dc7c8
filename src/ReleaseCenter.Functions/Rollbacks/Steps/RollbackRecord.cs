using System.Globalization;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Functions.Rollbacks;

/// <summary>
/// What every rollback step does to the record. A status move is a conditional write, and only the
/// writer that made it audits and announces, so a Step Functions retry tells nothing twice.
/// </summary>
public sealed class RollbackRecord(IRollbackStore rollbacks)
{
    public const string WorkflowActor = "rollback-workflow";
    public const string VerificationFailed = "Rollback.VerificationFailed";
    public const string LiveChanged = "Rollback.LiveChanged";

    public async Task<Rollback> LoadAsync(string id, CancellationToken ct) =>
        await rollbacks.GetAsync(id, ct).ConfigureAwait(false) ?? throw new InvalidOperationException($"Rollback {id} does not exist.");

    /// <summary>Applies <paramref name="change"/> under the revision check; Moved says whether this call made the change (and so must tell of it).</summary>
    public async Task<(Rollback Rollback, bool Moved)> MoveAsync(string id, Func<Rollback, Rollback?> change, CancellationToken ct)
    {
        var moved = false;
        var saved = await rollbacks.UpdateAsync(id, r =>
        {
            var next = change(r);
            moved = next is not null;
            return next;
        }, ct).ConfigureAwait(false);
        return (saved, moved);
    }

    /// <summary>rollback.started.v1 or rollback.completed.v1 (<paramref name="stage"/>).</summary>
    public static RollbackProgressed Progressed(string stage, Rollback r) => new(stage, r.Id, r.Environment, r.Model, r.EndpointName, r.From.Release,
        r.From.Version.ToString(CultureInfo.InvariantCulture), r.To.Release, r.To.Version.ToString(CultureInfo.InvariantCulture), r.RequestedBy);

    /// <summary>rollback.{rejected,expired,failed}.v1 after the rollback's status.</summary>
    public static RollbackEnded Ended(Rollback r, string error) => new(r.Status.ToString(), r.Id, r.Environment, r.Model, r.EndpointName, r.From.Release,
        r.From.Version.ToString(CultureInfo.InvariantCulture), r.To.Release, r.To.Version.ToString(CultureInfo.InvariantCulture), r.RequestedBy, error);
}

/// <summary>The rollback-stop handler's answer: the outcome the state machine branches on, and the error a Fail state raises.</summary>
public sealed record RollbackStopResult(string Outcome, string Error, string Cause);
