using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Audit;

/// <summary>
/// Verification that a rewrite of the whole chain cannot pass: the chain must verify on its own
/// (each entry's hash over its content and its predecessor), and then every anchor written outside
/// the table must still match the entry at its seq. The first anchor it contradicts is named.
/// </summary>
public sealed class AnchoredAuditVerifier(IAuditLog audit, IAuditAnchors anchors)
{
    public async Task<AuditVerification> VerifyAsync(string? project, CancellationToken ct)
    {
        var chain = await audit.VerifyAsync(project, ct).ConfigureAwait(false);
        if (!chain.Valid)
        {
            return chain;
        }
        var all = await anchors.ListAsync(project, ct).ConfigureAwait(false);
        var checkedCount = 0L;
        var contradiction = await AnchorPolicy.FirstContradictionAsync(all.Select(a =>
        {
            checkedCount++;
            return a;
        }), (p, seq) => audit.GetEntryAsync(p, seq, ct)).ConfigureAwait(false);
        return contradiction is { } found
            ? new AuditVerification(false, chain.EntriesChecked, found.Anchor.Seq, found.Anchor.Project, found.Reason)
            {
                Anchor = found.Anchor.Name,
                AnchorsChecked = checkedCount,
            }
            : chain with { AnchorsChecked = checkedCount };
    }
}

/// <summary>
/// The scheduled anchoring (every five minutes in AWS, every sweep locally): each project whose head
/// moved since its last anchor is anchored once <see cref="AnchorPolicy"/> says it is due (100 new
/// entries, or an hour since the last anchor).
/// </summary>
public sealed partial class AnchorAuditStep(IAuditLog audit, IAuditAnchors anchors, TimeProvider clock, ILogger<AnchorAuditStep> log) : ITaskStep
{
    public string Handler => ReleaseWorkflow.AnchorAuditHandler;

    public AnchorPolicy Policy { get; init; } = AnchorPolicy.Default;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct) =>
        $$"""{"anchored":{{(await RunAsync(ct).ConfigureAwait(false)).Count}}}""";

    /// <returns>The anchors written.</returns>
    public async Task<IReadOnlyList<AuditAnchor>> RunAsync(CancellationToken ct, bool force = false)
    {
        var now = clock.GetUtcNow();
        var latest = (await anchors.ListAsync(null, ct).ConfigureAwait(false))
            .GroupBy(a => a.Project, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(a => a.Seq)!, StringComparer.Ordinal);
        var written = new List<AuditAnchor>();
        foreach (var (project, head) in await audit.ListHeadsAsync(ct).ConfigureAwait(false))
        {
            var last = latest.GetValueOrDefault(project);
            if (force ? head.Seq > (last?.Seq ?? 0) : Policy.IsDue(head, last, now))
            {
                var anchor = await anchors.WriteAsync(project, head, now, ct).ConfigureAwait(false);
                LogAnchored(log, project, anchor.Seq, anchor.Name);
                written.Add(anchor);
            }
        }
        return written;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Anchored the audit chain of {Project} at entry {Seq} ({Anchor})")]
    private static partial void LogAnchored(ILogger logger, string project, long seq, string anchor);
}
