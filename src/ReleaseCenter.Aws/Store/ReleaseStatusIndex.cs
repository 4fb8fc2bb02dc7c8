using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// GSI3, releases by status. Every finished status has its own partition (<c>RELEASES#STATUS#Failed</c>), and every
/// unfinished release shares one (<c>RELEASES#OPEN</c>): the catalog's "failed" page is then a page of failures, and
/// "everything in flight" (the dashboard's listing) reads only the few releases in flight, where the all-releases
/// index would return a page of mostly filtered-out items. A release item carries the keys from its first write
/// (<see cref="DynamoRegistryStore"/>) and moves between partitions as its status changes.
/// <para>
/// Tables from before the index hold releases without the keys. <see cref="BackfillAsync"/> (run by the reconciler
/// every minute until done) adds them, and only a complete pass that found nothing to add, begun at least
/// <see cref="Settle"/> after the backfill started (so no function of the previous deployment can still write a
/// release without them), marks the index complete. Until then the catalog filters on the all-releases index as
/// before. A new table is complete from its creation (<see cref="MarkCompleteAsync"/>).
/// </para>
/// </summary>
public sealed class ReleaseStatusIndex(IAmazonDynamoDB dynamo, string tableName, TimeProvider time)
{
    public const string OpenPartition = "RELEASES#OPEN";

    /// <summary>The marker item: its partition key, under <see cref="Resources.TableAccess.Schema"/>.</summary>
    public const string MarkerKey = "SCHEMA#release-status-index";

    private const string MarkerSk = "SCHEMA";
    private const int PageSize = 100;

    /// <summary>How long after the backfill began a clean pass must begin: longer than any function's timeout.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);

    public static string PartitionOf(ReleaseStatus status) => status.IsTerminal() ? $"RELEASES#STATUS#{status}" : OpenPartition;

    /// <summary>The index partition that holds every release <paramref name="filter"/> can match, or null when no single one does.</summary>
    /// <returns>The partition, and whether the status must still be filtered within it (the open partition holds several).</returns>
    public static (string Key, bool StatusFilterNeeded)? PartitionFor(ReleaseFilter? filter)
    {
        if (filter?.Status is { } status)
        {
            return status.IsTerminal() ? (PartitionOf(status), filter.AnyStatus is not null) : (OpenPartition, true);
        }
        if (filter?.AnyStatus is { Count: > 0 } any && any.All(s => !s.IsTerminal()))
        {
            return (OpenPartition, true);
        }
        return null;
    }

    public static async Task<bool> IsCompleteAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        var marker = await GetMarkerAsync(dynamo, tableName, ct).ConfigureAwait(false);
        return marker is not null && marker.TryGetValue("complete", out var complete) && complete.BOOL == true;
    }

    /// <summary>For a table created empty: nothing to backfill.</summary>
    public static Task MarkCompleteAsync(IAmazonDynamoDB dynamo, string tableName, DateTimeOffset now, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dynamo);
        return dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [PartitionKey] = Attr.S(MarkerKey),
                [SortKey] = Attr.S(MarkerSk),
                [ItemType] = Attr.S("Schema"),
                ["complete"] = new AttributeValue { BOOL = true },
                ["startedAt"] = Attr.Time(now),
                [VersionAttribute] = Attr.N(0),
            },
        }, ct);
    }

    /// <summary>
    /// One bounded step of the backfill: continues the current pass over the all-releases index for at most
    /// <paramref name="maxItems"/> releases or <paramref name="maxTime"/>, adds the keys to those without them, and
    /// saves where it stopped. Returns how many releases it indexed (0 once complete). Safe to run concurrently: the
    /// state is saved under a revision check, and each release is written only if unchanged since it was read.
    /// </summary>
    public async Task<int> BackfillAsync(int maxItems, TimeSpan maxTime, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        var marker = await GetMarkerAsync(dynamo, tableName, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (marker is null)
        {
            marker = new()
            {
                [PartitionKey] = Attr.S(MarkerKey),
                [SortKey] = Attr.S(MarkerSk),
                [ItemType] = Attr.S("Schema"),
                ["complete"] = new AttributeValue { BOOL = false },
                ["startedAt"] = Attr.Time(now),
                ["fixedInPass"] = Attr.N(0),
                [VersionAttribute] = Attr.N(0),
            };
            if (!await SaveAsync(marker, expectedRevision: null, ct).ConfigureAwait(false))
            {
                return 0;
            }
        }
        else if (marker.TryGetValue("complete", out var done) && done.BOOL == true)
        {
            return 0;
        }
        var revision = marker.GetLong(VersionAttribute);
        var startedAt = marker.GetTime("startedAt");
        var start = marker.GetSOrNull("cursor") is { } saved ? Cursor.Decode(saved, GsiKeys) : null;
        if (start is null)
        {
            // A new pass begins now.
            marker["passStartedAt"] = Attr.Time(now);
            marker["fixedInPass"] = Attr.N(0);
        }
        var fixedInPass = marker.GetLong("fixedInPass");
        var fixedNow = 0;
        var read = 0;
        var complete = false;
        while (true)
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                IndexName = Gsi1,
                KeyConditionExpression = "#pk = :pk",
                FilterExpression = "attribute_not_exists(#gsi3pk)",
                ExpressionAttributeNames = new() { ["#pk"] = Gsi1PartitionKey, ["#gsi3pk"] = Gsi3PartitionKey },
                ExpressionAttributeValues = new() { [":pk"] = Attr.S(DynamoRegistryStore.Keys.AllReleases) },
                Limit = Math.Min(PageSize, maxItems),
                ExclusiveStartKey = start,
            }, ct).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                if (await IndexAsync(item, ct).ConfigureAwait(false))
                {
                    fixedNow++;
                }
            }
            read += page.ScannedCount ?? 0;
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            if (start is null)
            {
                // The pass is over. Nothing left to add, in a pass begun after the settling time: complete. A clean pass
                // begun too early is not trusted; the next run begins another.
                if (fixedInPass + fixedNow == 0 && marker.GetTime("passStartedAt") >= startedAt + Settle)
                {
                    complete = true;
                }
                break;
            }
            if (read >= maxItems || time.GetUtcNow() - now >= maxTime)
            {
                break;
            }
        }
        marker["complete"] = new AttributeValue { BOOL = complete };
        marker["fixedInPass"] = Attr.N(start is null ? 0 : fixedInPass + fixedNow);
        if (start is null)
        {
            marker.Remove("cursor");
        }
        else
        {
            marker["cursor"] = Attr.S(Cursor.Encode(start)!);
        }
        await SaveAsync(marker, revision, ct).ConfigureAwait(false);
        return fixedNow;
    }

    private static readonly string[] GsiKeys = [PartitionKey, SortKey, Gsi1PartitionKey, Gsi1SortKey];

    /// <summary>Adds the index keys to a release read without them, if nobody wrote it since.</summary>
    private async Task<bool> IndexAsync(Dictionary<string, AttributeValue> item, CancellationToken ct)
    {
        if (!Enum.TryParse<ReleaseStatus>(item.GetS("status"), out var status))
        {
            return false;
        }
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = new() { [PartitionKey] = item[PartitionKey], [SortKey] = item[SortKey] },
                UpdateExpression = "SET #gsi3pk = :partition, #gsi3sk = :created",
                ConditionExpression = "#rev = :rev",
                ExpressionAttributeNames = new() { ["#gsi3pk"] = Gsi3PartitionKey, ["#gsi3sk"] = Gsi3SortKey, ["#rev"] = VersionAttribute },
                ExpressionAttributeValues = new()
                {
                    [":partition"] = Attr.S(PartitionOf(status)),
                    [":created"] = item[Gsi1SortKey],
                    [":rev"] = item[VersionAttribute],
                },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Written since: by a function that writes the keys itself, or (during a deployment) by one that does
            // not, which the next pass finds again.
            return false;
        }
    }

    private async Task<bool> SaveAsync(Dictionary<string, AttributeValue> marker, long? expectedRevision, CancellationToken ct)
    {
        marker[VersionAttribute] = Attr.N((expectedRevision ?? -1) + 1);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = marker,
                ConditionExpression = expectedRevision is null ? "attribute_not_exists(#pk)" : "#rev = :rev",
                ExpressionAttributeNames = expectedRevision is null ? new() { ["#pk"] = PartitionKey } : new() { ["#rev"] = VersionAttribute },
                ExpressionAttributeValues = expectedRevision is null ? null : new() { [":rev"] = Attr.N(expectedRevision.Value) },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            // Another run got there first; it carries on from its own state.
            return false;
        }
    }

    private static async Task<Dictionary<string, AttributeValue>?> GetMarkerAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = new() { [PartitionKey] = Attr.S(MarkerKey), [SortKey] = Attr.S(MarkerSk) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }
}
