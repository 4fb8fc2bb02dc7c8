using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Items (same table as <see cref="DynamoRegistryStore"/>):
/// <list type="bullet">
/// <item>retraining policy: PK=MODEL#{model}, SK=RETRAIN-POLICY</item>
/// <item>retraining state: PK=MODEL#{model}, SK=RETRAIN-STATE (lastStartedAt, lastReport, day, countToday): the cooldown and daily cap, claimed by conditional update</item>
/// <item>retrain run: PK=RETRAIN#{driftReportId}, SK=RUN (a JSON document under a revision)</item>
/// </list>
/// </summary>
/// <param name="journal">Writes a change's audit entry in the change's transaction; needed only by callers that pass a record.</param>
public sealed class DynamoRetrainStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal? journal = null) : IRetrainStore
{
    private DynamoJournal Journal => journal ?? throw new InvalidOperationException("This store was built without a journal; it cannot write a change with its record.");

    /// <summary>One write and its record (audit entry, events) in one transaction; <paramref name="onConflict"/> says what a failed condition means.</summary>
    private Task<bool> WriteRecordedAsync(TransactWriteItem write, ChangeRecord record, Func<int, ChangeConflict> onConflict, CancellationToken ct) =>
        Journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([write], record)), onConflict, ct);

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { [PartitionKey] = Attr.S(pk), [SortKey] = Attr.S(sk) };

    public async Task<RetrainingPolicy?> GetRetrainingPolicyAsync(string model, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"MODEL#{model}", "RETRAIN-POLICY"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.RetrainingPolicy) : null;
    }

    public Task PutRetrainingPolicyAsync(RetrainingPolicy policy, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var item = Key($"MODEL#{policy.Model}", "RETRAIN-POLICY");
        item[ItemType] = Attr.S("RetrainingPolicy");
        item["doc"] = Attr.S(JsonSerializer.Serialize(policy, StoreJsonContext.Default.RetrainingPolicy));
        return record is null
            ? dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = item }, ct)
            : WriteRecordedAsync(new TransactWriteItem { Put = new Put { TableName = tableName, Item = item } }, record, _ => ChangeConflict.Retry, ct);
    }

    public async Task<RetrainClaim> TryClaimRetrainAsync(string model, string driftReportId, DateTimeOffset now, int cooldownSeconds, int maxPerDay,
        CancellationToken ct)
    {
        var today = now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var values = new Dictionary<string, AttributeValue>
        {
            [":now"] = Attr.Time(now),
            [":cutoff"] = Attr.Time(now.AddSeconds(-cooldownSeconds)),
            [":today"] = Attr.S(today),
            [":report"] = Attr.S(driftReportId),
            [":max"] = Attr.N(maxPerDay),
            [":one"] = Attr.N(1),
            [":type"] = Attr.S("RetrainState"),
        };
        // Same UTC day: count up while under the cap. A new day (or the first claim): start at one.
        (string Update, string Condition)[] attempts =
        [
            ("SET lastStartedAt = :now, lastReport = :report, countToday = countToday + :one",
             "#day = :today AND countToday < :max AND lastStartedAt <= :cutoff"),
            ("SET lastStartedAt = :now, lastReport = :report, #day = :today, countToday = :one, #type = :type",
             "attribute_not_exists(PK) OR (#day <> :today AND lastStartedAt <= :cutoff)"),
        ];
        // A claim that finds no state item, then loses the race to create it, tries the same-day shape again.
        foreach (var (update, condition) in attempts.Concat(attempts))
        {
            try
            {
                await dynamo.UpdateItemAsync(new UpdateItemRequest
                {
                    TableName = tableName,
                    Key = Key($"MODEL#{model}", "RETRAIN-STATE"),
                    UpdateExpression = update,
                    ConditionExpression = condition,
                    ExpressionAttributeNames = update.Contains("#type", StringComparison.Ordinal)
                        ? new() { ["#day"] = "day", ["#type"] = ItemType }
                        : new() { ["#day"] = "day" },
                    ExpressionAttributeValues = values.Where(v => (update + condition).Contains(v.Key, StringComparison.Ordinal)).ToDictionary(),
                }, ct).ConfigureAwait(false);
                return new RetrainClaim(true, $"Retraining allowed (cooldown {cooldownSeconds} s, at most {maxPerDay} a day).");
            }
            catch (ConditionalCheckFailedException)
            {
                // Try the other shape, then explain.
            }
        }
        var state = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"MODEL#{model}", "RETRAIN-STATE"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        if (state.GetSOrNull("lastReport") == driftReportId)
        {
            return new RetrainClaim(true, "Retraining allowed (claimed by this report before).");
        }
        var last = state.GetTime("lastStartedAt");
        return state.GetSOrNull("day") == today && state.GetLong("countToday") >= maxPerDay
            ? new RetrainClaim(false, $"The daily cap is reached: {state.GetLong("countToday")} retrain(s) of {model} started today (UTC), at most {maxPerDay}.")
            : new RetrainClaim(false, $"In cooldown: the last retrain of {model} started at {Attr.FormatTime(last)} (report {state.GetSOrNull("lastReport")}); " +
                $"the next may start after {Attr.FormatTime(last.AddSeconds(cooldownSeconds))}.");
    }

    public async Task<RetrainRun> CreateRunAsync(RetrainRun run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = ToItem(run), ConditionExpression = "attribute_not_exists(PK)" }, ct)
                .ConfigureAwait(false);
            return run;
        }
        catch (ConditionalCheckFailedException)
        {
            return await GetRunAsync(run.DriftReportId, ct).ConfigureAwait(false) ?? throw new InvalidOperationException("A run vanished after its creation collided.");
        }
    }

    public async Task<RetrainRun?> GetRunAsync(string driftReportId, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"RETRAIN#{driftReportId}", "RUN"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 }
            ? JsonSerializer.Deserialize(item.GetS("doc"), StoreJsonContext.Default.RetrainRun)! with { Revision = item.GetLong(VersionAttribute) }
            : null;
    }

    public async Task<RetrainRun> UpdateRunAsync(RetrainRun run, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var next = run with { Revision = expectedRevision + 1 };
        await RevisionedPut.PutAsync(dynamo, tableName, ToItem(next), expectedRevision, $"The retrain run of '{run.DriftReportId}'", ct).ConfigureAwait(false);
        return next;
    }

    private static Dictionary<string, AttributeValue> ToItem(RetrainRun r) => new()
    {
        [PartitionKey] = Attr.S($"RETRAIN#{r.DriftReportId}"),
        [SortKey] = Attr.S("RUN"),
        [ItemType] = Attr.S("RetrainRun"),
        [VersionAttribute] = Attr.N(r.Revision),
        ["model"] = Attr.S(r.Model),
        ["status"] = Attr.S(r.Status.ToString()),
        ["doc"] = Attr.S(JsonSerializer.Serialize(r, StoreJsonContext.Default.RetrainRun)),
    };
}
