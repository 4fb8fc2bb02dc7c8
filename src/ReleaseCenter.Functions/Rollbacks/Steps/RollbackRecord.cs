using System.Globalization;
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

    public static Dictionary<string, string> Detail(Rollback r) => new()
    {
        ["rollbackId"] = r.Id,
        ["environment"] = r.Environment,
        ["model"] = r.Model,
        ["endpointName"] = r.EndpointName,
        ["fromRelease"] = r.From.Release,
        ["fromVersion"] = r.From.Version.ToString(CultureInfo.InvariantCulture),
        ["toRelease"] = r.To.Release,
        ["toVersion"] = r.To.Version.ToString(CultureInfo.InvariantCulture),
        ["requestedBy"] = r.RequestedBy,
    };
}

/// <summary>The rollback-stop handler's answer: the outcome the state machine branches on, and the error a Fail state raises.</summary>
public sealed record RollbackStopResult(string Outcome, string Error, string Cause);
