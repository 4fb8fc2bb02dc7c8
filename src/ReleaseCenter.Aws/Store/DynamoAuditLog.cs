using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;
using CultureInfo = System.Globalization.CultureInfo;
using DateTimeStyles = System.Globalization.DateTimeStyles;
using NumberStyles = System.Globalization.NumberStyles;

namespace ReleaseCenter.Aws.Store;

/// <summary>What a failed condition on an item written beside an audit entry means (<see cref="DynamoAuditLog.AppendWithAsync"/>).</summary>
public enum ChangeConflict
{
    /// <summary>The change was made before (a retry): write nothing, report nothing new.</summary>
    AlreadyMade,

    /// <summary>Someone else moved what the change depends on: re-read and try again.</summary>
    Retry,
}

/// <summary>
/// The DynamoDB adapter of <see cref="IAuditLog"/>, in the single table (architecture.md, "Storage").
/// <list type="bullet">
/// <item>chain head: PK=AUDIT#{project}, SK=HEAD (seq, hash of the newest entry); GSI2PK=AUDITHEADS, GSI2SK={project}
/// lists the projects that have a chain, so verifying everything is a Query.</item>
/// <item>entry: PK=AUDIT#{project}, SK=SEQ#{seq, 12 digits}, so a Query on the chain walks it in seq order;
/// GSI1PK=AUDIT, GSI1SK={at}#{project}#{seq} lists every project's entries by time.</item>
/// <item>idempotency marker: PK=AUDITKEY#{key}, SK=AUDITKEY (project, seq of the entry the key created).</item>
/// </list>
/// An append reads the head and writes head, entry and marker in one transaction that holds only
/// if the head is still the one read and neither entry nor marker exists. Of concurrent appenders
/// exactly one wins each seq; the others re-read and take the next, so the chain can neither fork
/// nor gap.
/// </summary>
public sealed class DynamoAuditLog(IAmazonDynamoDB dynamo, string tableName, TimeProvider? time = null) : IAuditLog
{
    public const int MaxAppendAttempts = 50;

    /// <summary>Entries per export page. The export holds one page at a time, so this bounds its memory.</summary>
    public const int ExportPageSize = 100;

    /// <summary>Entries per read while verifying (one page in memory at a time).</summary>
    private const int VerifyPageSize = 500;

    /// <summary>Reads a listing may spend to fill a page when filters skip most entries.</summary>
    private const int MaxListReads = 10;

    private static readonly string[] Gsi1Keys = [PartitionKey, SortKey, Gsi1PartitionKey, Gsi1SortKey];
    private static readonly HashSet<string> FatalCancellationCodes = new(StringComparer.Ordinal) { "ValidationError", "ItemCollectionSizeLimitExceeded" };
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string TableName => tableName;

    private static class Keys
    {
        public const string HeadSk = "HEAD";
        public const string MarkerSk = "AUDITKEY";
        public const string EntryPrefix = "SEQ#";
        public const string AllEntries = "AUDIT";
        public const string AllHeads = "AUDITHEADS";
        public static string Chain(string project) => $"AUDIT#{project}";
        public static string Entry(long seq) => $"{EntryPrefix}{seq:D12}";
        public static string Marker(string key) => $"AUDITKEY#{key}";
        public static string ByTime(AuditEntry e) => $"{AuditChain.FormatTime(e.At)}#{e.Project}#{e.Seq:D12}";
    }

    // ---------------------------------------------------------------- append

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct)
    {
        AuditChain.Validate(record);
        return (await AppendCoreAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, AuditRecord)>(([], record)), null, ct).ConfigureAwait(false)).Entry!;
    }

    /// <summary>
    /// Appends the audit record <paramref name="change"/> builds in the same transaction as the writes it builds (rebuilt before
    /// every attempt, so it may re-read what it depends on, such as the next version number): the change, the entry and the
    /// head are written together or not at all.
    /// When an item of the change fails its condition, <paramref name="onConflict"/> is told its index and says whether the
    /// change was made before (nothing is written, null is returned) or another attempt should re-read and retry; it may throw
    /// the caller's own refusal (a 409). When the record's idempotency key was appended before, nothing is written and null
    /// is returned: the transaction that appended it wrote the change too.
    /// </summary>
    public async Task<AuditEntry?> AppendWithAsync(Func<CancellationToken, Task<(IReadOnlyList<TransactWriteItem> Writes, AuditRecord Record)>> change,
        Func<int, ChangeConflict> onConflict, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(onConflict);
        var (entry, appended) = await AppendCoreAsync(change, onConflict, ct).ConfigureAwait(false);
        return appended ? entry : null;
    }

    /// <param name="onConflict">Null for a plain append (nothing beside the entry).</param>
    private async Task<(AuditEntry? Entry, bool Appended)> AppendCoreAsync(Func<CancellationToken, Task<(IReadOnlyList<TransactWriteItem> Writes, AuditRecord Record)>> change,
        Func<int, ChangeConflict>? onConflict, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (also, record) = await change(ct).ConfigureAwait(false);
            AuditChain.Validate(record);
            var head = await ReadHeadAsync(record.Project, ct).ConfigureAwait(false);
            var entry = AuditChain.Seal(record, head ?? AuditHead.Empty, _time.GetUtcNow());
            var writes = new List<TransactWriteItem>(also)
            {
                new() { Put = HeadPut(entry, head) },
                new()
                {
                    Put = new Put
                    {
                        TableName = tableName,
                        Item = ToItem(entry),
                        ConditionExpression = "attribute_not_exists(#pk)",
                        ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
                    },
                },
            };
            if (record.IdempotencyKey is { } key)
            {
                writes.Add(new TransactWriteItem
                {
                    Put = new Put
                    {
                        TableName = tableName,
                        Item = new()
                        {
                            [PartitionKey] = Attr.S(Keys.Marker(key)),
                            [SortKey] = Attr.S(Keys.MarkerSk),
                            [ItemType] = Attr.S("AuditKey"),
                            ["project"] = Attr.S(entry.Project),
                            ["seq"] = Attr.N(entry.Seq),
                        },
                        ConditionExpression = "attribute_not_exists(#pk)",
                        ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
                    },
                });
            }
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = writes }, ct).ConfigureAwait(false);
                return (entry, true);
            }
            catch (TransactionCanceledException ex) when (!(ex.CancellationReasons ?? []).Any(r => r.Code is not null && FatalCancellationCodes.Contains(r.Code)))
            {
                var reasons = ex.CancellationReasons ?? [];
                for (var i = 0; i < also.Count && i < reasons.Count; i++)
                {
                    if (reasons[i].Code == "ConditionalCheckFailed" && onConflict is not null && onConflict(i) == ChangeConflict.AlreadyMade)
                    {
                        return (null, false);
                    }
                }
                // Either the key was appended before (then that entry is the answer), or another writer
                // took this seq or collided with us: re-read the head and try the next one.
                if (record.IdempotencyKey is { } appended && await FindByKeyAsync(appended, ct).ConfigureAwait(false) is { } existing)
                {
                    return (SameRecordOrThrow(existing, record), onConflict is null);
                }
                if (attempt >= MaxAppendAttempts)
                {
                    throw new ConcurrencyConflictException(
                        $"The audit chain of project '{record.Project}' stayed contended for {MaxAppendAttempts} attempts; the entry was not appended.");
                }
                // Full jitter, exponential up to 250 ms: contenders spread out instead of colliding again in step.
                var ceiling = (int)Math.Min(250, 5 * Math.Pow(2, Math.Min(attempt, 6)));
                await Task.Delay(1 + Random.Shared.Next(ceiling), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The head moves from the seq we read to ours; absent before the first entry.</summary>
    private Put HeadPut(AuditEntry entry, AuditHead? current) => new()
    {
        TableName = tableName,
        Item = new()
        {
            [PartitionKey] = Attr.S(Keys.Chain(entry.Project)),
            [SortKey] = Attr.S(Keys.HeadSk),
            [ItemType] = Attr.S("AuditHead"),
            [Gsi2PartitionKey] = Attr.S(Keys.AllHeads),
            [Gsi2SortKey] = Attr.S(entry.Project),
            ["project"] = Attr.S(entry.Project),
            ["seq"] = Attr.N(entry.Seq),
            ["hash"] = Attr.S(entry.Hash),
            ["at"] = Attr.S(AuditChain.FormatTime(entry.At)),
        },
        ConditionExpression = current is null ? "attribute_not_exists(#pk)" : "#seq = :current",
        ExpressionAttributeNames = current is null ? new() { ["#pk"] = PartitionKey } : new() { ["#seq"] = "seq" },
        ExpressionAttributeValues = current is null ? null : new() { [":current"] = Attr.N(current.Seq) },
    };

    private static AuditEntry SameRecordOrThrow(AuditEntry existing, AuditRecord record) =>
        existing.Project == record.Project && existing.Action == record.Action && existing.Subject == record.Subject && existing.Actor == record.Actor
            ? existing
            : throw new ConflictException(
                $"The idempotency key '{record.IdempotencyKey}' was already used for {existing.Action} on {existing.Subject} (project '{existing.Project}', entry {existing.Seq}).");

    private async Task<AuditEntry?> FindByKeyAsync(string key, CancellationToken ct)
    {
        var marker = await GetAsync(Keys.Marker(key), Keys.MarkerSk, ct).ConfigureAwait(false);
        if (marker is null)
        {
            return null;
        }
        var project = marker.GetS("project");
        var seq = marker.GetLong("seq");
        var item = await GetAsync(Keys.Chain(project), Keys.Entry(seq), ct).ConfigureAwait(false)
            ?? throw new InvalidDataException($"The idempotency key '{key}' points at entry {seq} of project '{project}', which does not exist.");
        return EntryFrom(item);
    }

    private async Task<AuditHead?> ReadHeadAsync(string project, CancellationToken ct)
    {
        var item = await GetAsync(Keys.Chain(project), Keys.HeadSk, ct).ConfigureAwait(false);
        return item is null ? null : new AuditHead(item.GetLong("seq"), item.GetS("hash"));
    }

    // ---------------------------------------------------------------- list and export

    /// <summary>
    /// Newest first. The time range narrows GSI1's sort key (it starts with the time); actor, action and
    /// subject are a filter DynamoDB applies to what it reads. Each read asks for no more than the
    /// page still lacks, so every match up to the cursor is returned and none after it; a page can
    /// still come back short (with a cursor) when the filters match little of what the reads covered.
    /// </summary>
    public async Task<Page<AuditEntry>> ListAsync(AuditFilter filter, int limit, string? cursor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var start = Cursor.Decode(cursor, Gsi1Keys);
        if (start is not null && start[Gsi1PartitionKey].S != Keys.AllEntries)
        {
            throw new InvalidCursorException("The cursor does not belong to this listing.");
        }
        var items = new List<AuditEntry>(limit);
        for (var reads = 0; reads < MaxListReads && items.Count < limit; reads++)
        {
            if (ByTimeQuery(filter, forward: false, limit - items.Count, start) is not { } query)
            {
                return new Page<AuditEntry>([], null);
            }
            var response = await dynamo.QueryAsync(query, ct).ConfigureAwait(false);
            items.AddRange((response.Items ?? []).Select(EntryFrom));
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            if (start is null)
            {
                break;
            }
        }
        return new Page<AuditEntry>(items, Cursor.Encode(start));
    }

    /// <summary>
    /// Oldest first, <see cref="ExportPageSize"/> entries per read, each page handed over before
    /// the next is read: the export's memory is one page, whatever the length of the log.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<AuditEntry>> ExportAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            if (ByTimeQuery(filter, forward: true, ExportPageSize, start) is not { } query)
            {
                yield break;
            }
            var response = await dynamo.QueryAsync(query, ct).ConfigureAwait(false);
            if (response.Items is { Count: > 0 } items)
            {
                yield return items.Select(EntryFrom).ToArray();
            }
            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
    }

    /// <summary>The GSI1 query for <paramref name="filter"/>; null when the time range is empty.</summary>
    private QueryRequest? ByTimeQuery(AuditFilter filter, bool forward, int limit, Dictionary<string, AttributeValue>? start)
    {
        var names = new Dictionary<string, string> { ["#pk"] = Gsi1PartitionKey };
        var values = new Dictionary<string, AttributeValue> { [":pk"] = Attr.S(Keys.AllEntries) };
        var keyCondition = "#pk = :pk";
        // The sort key is "{at}#{project}#{seq}" with a fixed-width time, so string bounds are time bounds:
        // "{since}" sorts before every key at that millisecond and "{until}~" after every one ('~' > '#').
        var from = filter.Since is { } since ? AuditChain.FormatTime(CeilingToMilliseconds(since)) : null;
        var to = filter.Until is { } until ? AuditChain.FormatTime(AuditChain.TruncateToMilliseconds(until)) + "~" : null;
        if (from is not null && to is not null && string.CompareOrdinal(from, to) > 0)
        {
            return null;
        }
        if (from is not null || to is not null)
        {
            names["#sk"] = Gsi1SortKey;
            if (from is not null)
            {
                values[":from"] = Attr.S(from);
            }
            if (to is not null)
            {
                values[":to"] = Attr.S(to);
            }
            keyCondition += from is not null && to is not null ? " AND #sk BETWEEN :from AND :to" : from is not null ? " AND #sk >= :from" : " AND #sk <= :to";
        }
        var filters = new List<string>();
        void Equal(string attribute, string? value)
        {
            if (value is not null)
            {
                names[$"#{attribute}"] = attribute;
                values[$":{attribute}"] = Attr.S(value);
                filters.Add($"#{attribute} = :{attribute}");
            }
        }
        Equal("actor", filter.Actor);
        Equal("action", filter.Action);
        Equal("subject", filter.Subject);
        Equal("project", filter.Project);
        return new QueryRequest
        {
            TableName = tableName,
            IndexName = Gsi1,
            KeyConditionExpression = keyCondition,
            FilterExpression = filters.Count == 0 ? null : string.Join(" AND ", filters),
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ScanIndexForward = forward,
            Limit = limit,
            ExclusiveStartKey = start,
        };
    }

    private static DateTimeOffset CeilingToMilliseconds(DateTimeOffset value)
    {
        var truncated = AuditChain.TruncateToMilliseconds(value);
        return truncated.UtcTicks == value.UtcTicks ? truncated : truncated.AddMilliseconds(1);
    }

    // ---------------------------------------------------------------- verify

    public async Task<AuditEntry?> GetEntryAsync(string project, long seq, CancellationToken ct) =>
        await GetAsync(Keys.Chain(project), Keys.Entry(seq), ct).ConfigureAwait(false) is { } item ? EntryFrom(item) : null;

    public async Task<IReadOnlyList<(string Project, AuditHead Head)>> ListHeadsAsync(CancellationToken ct)
    {
        var heads = new List<(string, AuditHead)>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                IndexName = Gsi2,
                KeyConditionExpression = "#pk = :pk",
                ExpressionAttributeNames = new() { ["#pk"] = Gsi2PartitionKey },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(Keys.AllHeads) },
                ExclusiveStartKey = start,
            }, ct).ConfigureAwait(false);
            heads.AddRange((page.Items ?? []).Select(h => (h.GetS("project"), new AuditHead(h.GetLong("seq"), h.GetS("hash")))));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return heads;
    }

    public async Task<AuditVerification> VerifyAsync(string? project, CancellationToken ct)
    {
        if (project is not null)
        {
            return await VerifyChainAsync(project, ct).ConfigureAwait(false);
        }
        long checkedSoFar = 0;
        foreach (var (chain, _) in await ListHeadsAsync(ct).ConfigureAwait(false))
        {
            var result = await VerifyChainAsync(chain, ct).ConfigureAwait(false);
            checkedSoFar += result.EntriesChecked;
            if (!result.Valid)
            {
                return result with { EntriesChecked = checkedSoFar };
            }
        }
        return new AuditVerification(true, checkedSoFar);
    }

    /// <summary>
    /// Walks the chain with consistent reads, a page at a time. The head is read before the walk,
    /// so every entry it counts must be found; entries past it are either appends that landed during
    /// the walk (a second read of the head shows them) or not part of the chain.
    /// </summary>
    private async Task<AuditVerification> VerifyChainAsync(string project, CancellationToken ct)
    {
        var headBefore = await ReadHeadAsync(project, ct).ConfigureAwait(false) ?? AuditHead.Empty;
        var verifier = new AuditChainVerifier(project);
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = SortKey },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(Keys.Chain(project)), [":prefix"] = Attr.S(Keys.EntryPrefix) },
                ConsistentRead = true,
                Limit = VerifyPageSize,
                ExclusiveStartKey = start,
            }, ct).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (!TryEntryFrom(item, out var entry, out var problem))
                {
                    verifier.Reject(SeqOfKey(item), problem);
                }
                else
                {
                    verifier.Accept(entry);
                }
                if (verifier.Failed)
                {
                    return verifier.Complete(null);
                }
            }
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        var head = headBefore;
        if (verifier.LastSeq > headBefore.Seq)
        {
            var headAfter = await ReadHeadAsync(project, ct).ConfigureAwait(false) ?? AuditHead.Empty;
            // Further appends landed after the walk passed their place: what was walked linked up, and that is all one walk can show.
            head = headAfter.Seq > verifier.LastSeq ? null : headAfter;
        }
        return verifier.Complete(head);
    }

    private static long SeqOfKey(Dictionary<string, AttributeValue> item)
    {
        var sk = item.GetSOrNull(SortKey) ?? "";
        return sk.StartsWith(Keys.EntryPrefix, StringComparison.Ordinal)
            && long.TryParse(sk.AsSpan(Keys.EntryPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
            ? seq
            : long.MaxValue;
    }

    // ---------------------------------------------------------------- mapping

    /// <summary>An entry's item as the log writes it (the benchmarks seed the table with it).</summary>
    internal static Dictionary<string, AttributeValue> ItemOf(AuditEntry e) => ToItem(e);

    private static Dictionary<string, AttributeValue> ToItem(AuditEntry e) => new()
    {
        [PartitionKey] = Attr.S(Keys.Chain(e.Project)),
        [SortKey] = Attr.S(Keys.Entry(e.Seq)),
        [ItemType] = Attr.S("AuditEntry"),
        [Gsi1PartitionKey] = Attr.S(Keys.AllEntries),
        [Gsi1SortKey] = Attr.S(Keys.ByTime(e)),
        ["project"] = Attr.S(e.Project),
        ["seq"] = Attr.N(e.Seq),
        ["at"] = Attr.S(AuditChain.FormatTime(e.At)),
        ["actor"] = Attr.S(e.Actor),
        ["action"] = Attr.S(e.Action),
        ["subject"] = Attr.S(e.Subject),
        ["details"] = new AttributeValue { M = e.Details.ToDictionary(d => d.Key, d => Attr.S(d.Value)) },
        ["previousHash"] = Attr.S(e.PreviousHash),
        ["hash"] = Attr.S(e.Hash),
    };

    /// <summary>Strict: the time must be in the canonical format and every detail a string, or the item is not an entry we wrote.</summary>
    private static AuditEntry EntryFrom(Dictionary<string, AttributeValue> item)
    {
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in item.TryGetValue("details", out var d) && d.M is not null ? d.M : [])
        {
            details[key] = value.S ?? throw new InvalidDataException($"Detail '{key}' is not a string.");
        }
        return new AuditEntry(
            item.GetS("project"),
            item.GetLong("seq"),
            DateTimeOffset.ParseExact(item.GetS("at"), AuditChain.TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            item.GetS("actor"),
            item.GetS("action"),
            item.GetS("subject"),
            details,
            item.GetS("previousHash"),
            item.GetS("hash"));
    }

    private static bool TryEntryFrom(Dictionary<string, AttributeValue> item, out AuditEntry entry, out string problem)
    {
        try
        {
            entry = EntryFrom(item);
            problem = "";
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or OverflowException)
        {
            entry = null!;
            problem = $"The item at {item.GetSOrNull(SortKey)} is not a readable audit entry: {ex.Message}";
            return false;
        }
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [PartitionKey] = Attr.S(pk), [SortKey] = Attr.S(sk) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }
}
