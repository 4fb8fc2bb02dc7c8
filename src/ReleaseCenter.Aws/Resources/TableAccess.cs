namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// Which items of the table each function may touch, as the leading-key patterns of their partition keys (and of the
/// index partition keys it queries). The CDK app grants each function DynamoDB access under a
/// <c>dynamodb:LeadingKeys</c> condition with exactly these patterns; the integration tests record every request each
/// handler makes against the emulated table and fail on one outside its list, so the list is what the code does.
/// Every request of ours names its partition key (the product never scans), so every grant can carry the condition.
/// </summary>
public static class TableAccess
{
    // Item families, by the partition keys (base table) and index keys (GSI1PK, GSI2PK, GSI3PK) they live under.
    public const string Environments = "ENV#*";         // locks, live deployments, deploy records, consumers
    public const string Models = "MODEL#*";             // models, versions, drift reports and policies, model -> releases index
    public const string ModelIndex = "MODELS";          // GSI1: every model
    public const string ProjectIndex = "PROJECT#*";     // GSI2: a project's models
    public const string VersionKeys = "VERSIONKEY#*";   // idempotency keys of version registrations
    public const string Releases = "RELEASE#*";         // releases, their timelines and task tokens
    public const string ReleaseIndex = "RELEASES";      // GSI1: every release
    public const string ReleaseStatusIndex = "RELEASES#*"; // GSI3: releases by status (finished ones by status, unfinished together)
    public const string Schema = "SCHEMA#*";            // schema markers: whether the status index is complete (Store.ReleaseStatusIndex)
    public const string Rollbacks = "ROLLBACK#*";
    public const string Retrains = "RETRAIN#*";
    public const string EndpointWaiters = "ENDPOINT#*";
    public const string AuditChains = "AUDIT#*";        // entries and head of each project's chain
    public const string AuditMarkers = "AUDITKEY#*";    // once-only markers of audited steps
    public const string AuditIndex = "AUDIT";           // GSI1: every entry by time
    public const string AuditHeads = "AUDITHEADS";      // GSI2: every chain head
    public const string OutboxEvents = "EVENT#*";
    public const string OutboxIndex = "OUTBOX";         // GSI1: pending events
    public const string TaskTokens = "TASKTOKEN#*";     // waiting approvals' task tokens: only who stores or completes one
    public const string ExportJobs = "EXPORT#*";        // export jobs: the API records and reads them, the export function runs them
    public const string Templates = "TEMPLATE#*";       // release templates: only the API reads and saves them
    public const string Policies = "POLICY#*";          // versions of project and model policies: the API writes them, the workflows read the ones a release pinned

    /// <summary>What writing a step down takes (ReleaseJournal): audit entry and marker, outbox events; the model names the project.</summary>
    private static readonly string[] Journal = [AuditChains, AuditMarkers, OutboxEvents, Models];

    private static string[] Journaling(params string[] more) => [.. more, .. Journal];

    /// <summary>The API function's handler name.</summary>
    public const string Api = "api";

    private static readonly Dictionary<string, string[]> ByHandler = new(StringComparer.Ordinal)
    {
        // Registers, releases, approves (completing the waiting task), rolls back, audits, exports: every family but the
        // endpoint waiters, which only the workflows' endpoint waits use.
        [Api] = [Environments, Models, ModelIndex, ProjectIndex, VersionKeys, Releases, ReleaseIndex, ReleaseStatusIndex, Schema, Rollbacks, Retrains, TaskTokens,
            AuditChains, AuditMarkers, AuditIndex, AuditHeads, OutboxEvents, OutboxIndex, ExportJobs, Policies, Templates],

        // The release workflow.
        ["evaluate"] = Journaling(Releases, Environments, Policies),
        ["request-approval"] = Journaling(Releases, TaskTokens, Policies),
        ["check-door"] = Journaling(Releases, Environments, Policies),
        ["acquire-lock"] = Journaling(Releases, Environments),
        ["deploy"] = Journaling(Releases, Environments, Policies),
        ["check-endpoint"] = Journaling(Releases, Policies),
        ["await-endpoint"] = [EndpointWaiters],
        ["endpoint-changed"] = [EndpointWaiters],
        ["verify"] = Journaling(Releases),
        ["roll-back-endpoint"] = Journaling(Releases, Environments),
        ["record-deployment"] = Journaling(Releases, Environments),
        ["stop-stage"] = Journaling(Releases, Environments),
        ["finish"] = Journaling(Releases, Environments),

        // The rollback workflow.
        ["rollback-request-approval"] = Journaling(Rollbacks, TaskTokens, Policies),
        ["rollback-acquire-lock"] = Journaling(Rollbacks, Environments),
        ["rollback-restore"] = Journaling(Rollbacks, Environments),
        ["rollback-check-endpoint"] = Journaling(Rollbacks),
        ["rollback-verify"] = Journaling(Rollbacks, Releases),
        ["rollback-record"] = Journaling(Rollbacks, Releases, Environments, Policies), // a hold on auto-promotion where the model's policy has it
        ["rollback-stop"] = Journaling(Rollbacks, Releases, Environments),

        // Drift and the retrain workflow (drift reports and policies live under the model).
        ["normalize-drift-signal"] = Journaling(),
        ["start-retrain"] = [],
        ["retrain-check-policy"] = Journaling(Retrains),
        ["retrain-start-pipeline"] = Journaling(Retrains),
        ["retrain-check-pipeline"] = Journaling(Retrains),
        ["retrain-register"] = Journaling(Retrains, VersionKeys),
        ["retrain-open-release"] = Journaling(Retrains, Releases, ReleaseIndex, ReleaseStatusIndex, Schema, Environments, Policies),
        ["retrain-stop"] = Journaling(Retrains),

        // SageMaker Model Registry: packages become versions (and maybe releases); deployments and rollbacks set their status.
        ["import-model-package"] = Journaling(VersionKeys, Releases, ReleaseIndex, ReleaseStatusIndex, Schema, Environments, Policies),
        ["sync-model-package"] = Journaling(Releases),

        // Schedules and the relay.
        ["send-reminders"] = Journaling(Releases, ReleaseIndex, ReleaseStatusIndex, Schema, Policies),
        // The reconciler also backfills the status index of a table from before it (Store.ReleaseStatusIndex).
        ["reconcile"] = Journaling(Releases, ReleaseIndex, ReleaseStatusIndex, Schema, Rollbacks, Environments, TaskTokens),
        ["sweep-outbox"] = [OutboxEvents, OutboxIndex],
        ["anchor-audit"] = [AuditChains, AuditHeads],
        // Reads locks, live deployments and flags; raises and clears out-of-band change flags with their audit entry and event.
        ["check-live-state"] = Journaling(Environments),
        ["relay-outbox"] = [OutboxEvents],

        // Export jobs: reads what the job exports (the catalog through its indexes, the audit chains), writes only the job.
        ["run-export"] = [ExportJobs, Models, ReleaseIndex, ReleaseStatusIndex, Schema, AuditChains, AuditIndex, AuditHeads],
    };

    /// <summary>The patterns a function may touch; throws for a handler nobody decided about.</summary>
    public static IReadOnlyList<string> For(string handler) =>
        ByHandler.TryGetValue(handler, out var patterns) ? patterns
        : throw new InvalidOperationException($"No table access is declared for the handler '{handler}'. Decide which items it touches in {nameof(TableAccess)}.");

    public static IReadOnlyCollection<string> Handlers => ByHandler.Keys;

    /// <summary>The pattern a partition (or index partition) key value falls under: its prefix to the first '#', or the constant itself.</summary>
    public static string PatternOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = key.IndexOf('#', StringComparison.Ordinal);
        return hash < 0 ? key : key[..(hash + 1)] + "*";
    }

    /// <summary>Whether <paramref name="handler"/> may touch an item under <paramref name="key"/>.</summary>
    public static bool Allows(string handler, string key) => For(handler).Contains(PatternOf(key), StringComparer.Ordinal);
}
