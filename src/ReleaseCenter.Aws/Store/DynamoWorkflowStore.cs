using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Items (same table as <see cref="DynamoRegistryStore"/>):
/// <list type="bullet">
/// <item>lock: PK=ENV#{env}, SK=LOCK (lockedBy, lockedAt, executionArn)</item>
/// <item>live: PK=ENV#{env}, SK=LIVE#{model}</item>
/// <item>deployment: PK=ENV#{env}, SK=DEPLOY#{deployedAt}#{releaseId or rollbackId}, plus a once-only marker PK=RELEASE#{id}, SK=DEPLOYED#{env} (a rollback's: PK=ROLLBACK#{id}, SK=DEPLOYED)</item>
/// <item>timeline: PK=RELEASE#{id}, SK=STEP#{env or -}#{step}</item>
/// <item>task token: PK=RELEASE#{id}, SK=TOKEN#{env}</item>
/// <item>endpoint waiter: PK=ENDPOINT#{endpoint name}, SK=WAITER (token, waiter)</item>
/// </list>
/// </summary>
public sealed class DynamoWorkflowStore(IAmazonDynamoDB dynamo, string tableName) : IWorkflowStore
{
    private static Dictionary<string, AttributeValue> Key(string pk, string sk) => new() { [PartitionKey] = Attr.S(pk), [SortKey] = Attr.S(sk) };

    public async Task<bool> TryAcquireLockAsync(string environment, string releaseId, DateTimeOffset now, CancellationToken ct, string? executionArn = null)
    {
        try
        {
            var values = new Dictionary<string, AttributeValue> { [":me"] = Attr.S(releaseId), [":now"] = Attr.Time(now), [":type"] = Attr.S("EnvironmentLock") };
            if (executionArn is not null)
            {
                values[":execution"] = Attr.S(executionArn);
            }
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key($"ENV#{environment}", "LOCK"),
                UpdateExpression = "SET lockedBy = :me, lockedAt = if_not_exists(lockedAt, :now), #type = :type"
                    + (executionArn is null ? " REMOVE executionArn" : ", executionArn = :execution"),
                ConditionExpression = "attribute_not_exists(lockedBy) OR lockedBy = :me",
                ExpressionAttributeNames = new() { ["#type"] = ItemType },
                ExpressionAttributeValues = values,
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<bool> ReleaseLockAsync(string environment, string releaseId, CancellationToken ct)
    {
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key($"ENV#{environment}", "LOCK"),
                UpdateExpression = "REMOVE lockedBy, lockedAt, executionArn",
                ConditionExpression = "lockedBy = :me",
                ExpressionAttributeValues = new() { [":me"] = Attr.S(releaseId) },
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<EnvironmentLock> GetLockAsync(string environment, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"ENV#{environment}", "LOCK"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } && item.GetSOrNull("lockedBy") is { } by
            ? new EnvironmentLock(environment, by, item.GetTime("lockedAt")) { ExecutionArn = item.GetSOrNull("executionArn") }
            : new EnvironmentLock(environment, null, null);
    }

    public async Task<LiveDeployment?> GetLiveAsync(string environment, string model, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key($"ENV#{environment}", $"LIVE#{model}"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? DeploymentFrom(item) : null;
    }

    public async Task<bool> RecordDeploymentAsync(LiveDeployment d, CancellationToken ct, string? expectedLiveRelease = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        var isRollback = d.Kind == DeploymentKinds.Rollback;
        if (isRollback && d.RollbackId is null)
        {
            throw new ArgumentException("A rollback's deployment names its rollback.", nameof(d));
        }
        if (d.Kind == DeploymentKinds.Adopted && d.AdoptedChange is null)
        {
            throw new ArgumentException("An adopted deployment names the out-of-band change it adopts.", nameof(d));
        }
        var record = DeploymentRecord(d);
        // The once-only marker: one deployment record per release and environment (or per rollback, or per adopted change), whatever the time of a retry.
        var (markerPk, markerSk) = d.Kind switch
        {
            DeploymentKinds.Rollback => ($"ROLLBACK#{d.RollbackId}", "DEPLOYED"),
            DeploymentKinds.Adopted => ($"ENV#{d.Environment}", $"ADOPTED#{d.AdoptedChange}"),
            _ => ($"RELEASE#{d.ReleaseId}", $"DEPLOYED#{d.Environment}"),
        };
        var marker = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S(markerPk),
            [SortKey] = Attr.S(markerSk),
            [ItemType] = Attr.S("DeploymentMarker"),
        };
        var live = ToItem(d);
        live[PartitionKey] = Attr.S($"ENV#{d.Environment}");
        live[SortKey] = Attr.S($"LIVE#{d.Model}");
        live[ItemType] = Attr.S("LiveDeployment");
        var putLive = new Put { TableName = tableName, Item = live };
        if (expectedLiveRelease is not null)
        {
            putLive.ConditionExpression = "releaseId = :expected";
            putLive.ExpressionAttributeValues = new() { [":expected"] = Attr.S(expectedLiveRelease) };
        }
        try
        {
            await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new TransactWriteItem { Put = new Put { TableName = tableName, Item = marker, ConditionExpression = "attribute_not_exists(PK)" } },
                    new TransactWriteItem { Put = new Put { TableName = tableName, Item = record } },
                    new TransactWriteItem { Put = putLive },
                ],
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons?.FirstOrDefault()?.Code == "ConditionalCheckFailed")
        {
            return false;
        }
        catch (TransactionCanceledException ex) when (ex.CancellationReasons is { Count: 3 } reasons && reasons[2].Code == "ConditionalCheckFailed")
        {
            var now = await GetLiveAsync(d.Environment, d.Model, ct).ConfigureAwait(false);
            throw new LiveChangedException($"{d.Model} in {d.Environment} is now release {now?.ReleaseId ?? "(none)"}, not {expectedLiveRelease}.");
        }
    }

    public async Task<IReadOnlyList<LiveDeployment>> ListDeploymentsAsync(string environment, int limit, CancellationToken ct, DateTimeOffset? atOrBefore = null,
        string? model = null)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = atOrBefore is null ? "PK = :pk AND begins_with(SK, :prefix)" : "PK = :pk AND SK BETWEEN :prefix AND :until",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"ENV#{environment}"), [":prefix"] = Attr.S("DEPLOY#") },
            ScanIndexForward = false,
        };
        if (atOrBefore is { } at)
        {
            // Keys are DEPLOY#{time}#{id}; '~' sorts after every id character, so this includes everything at that exact time.
            request.ExpressionAttributeValues[":until"] = Attr.S($"DEPLOY#{Attr.FormatTime(at)}#~");
        }
        if (model is not null)
        {
            request.FilterExpression = "model = :model";
            request.ExpressionAttributeValues[":model"] = Attr.S(model);
        }
        var found = new List<LiveDeployment>();
        do
        {
            request.Limit = Math.Max(limit - found.Count, 1) + (model is null ? 0 : 25);
            var page = await dynamo.QueryAsync(request, ct).ConfigureAwait(false);
            found.AddRange((page.Items ?? []).Select(DeploymentFrom));
            request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (found.Count < limit && request.ExclusiveStartKey is not null);
        return found.Take(limit).ToArray();
    }

    public async Task<IReadOnlyList<LiveDeployment>> ListLiveAsync(string environment, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"ENV#{environment}"), [":prefix"] = Attr.S("LIVE#") },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return (response.Items ?? []).Select(DeploymentFrom).ToArray();
    }

    /// <summary>A deployment's history item (the benchmarks seed environment history with it).</summary>
    internal static Dictionary<string, AttributeValue> DeploymentRecord(LiveDeployment d)
    {
        var record = ToItem(d);
        record[PartitionKey] = Attr.S($"ENV#{d.Environment}");
        record[SortKey] = Attr.S($"DEPLOY#{Attr.FormatTime(d.DeployedAt)}#{(d.Kind == DeploymentKinds.Rollback ? d.RollbackId : d.ReleaseId)}");
        record[ItemType] = Attr.S("Deployment");
        return record;
    }

    private static Dictionary<string, AttributeValue> ToItem(LiveDeployment d)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["environment"] = Attr.S(d.Environment),
            ["model"] = Attr.S(d.Model),
            ["releaseId"] = Attr.S(d.ReleaseId),
            ["version"] = Attr.N(d.Version),
            ["endpointName"] = Attr.S(d.EndpointName),
            ["endpointConfigName"] = Attr.S(d.EndpointConfigName),
            ["deployedAt"] = Attr.Time(d.DeployedAt),
            ["kind"] = Attr.S(d.Kind),
        };
        item.PutIfNotNull("rollbackId", d.RollbackId);
        item.PutIfNotNull("replacedRelease", d.ReplacedRelease);
        return item;
    }

    private static LiveDeployment DeploymentFrom(Dictionary<string, AttributeValue> i) => new(
        i.GetS("environment"), i.GetS("model"), i.GetS("releaseId"), (int)i.GetLong("version"), i.GetS("endpointName"), i.GetS("endpointConfigName"),
        i.GetTime("deployedAt"))
    {
        Kind = i.GetSOrNull("kind") ?? DeploymentKinds.Release,
        RollbackId = i.GetSOrNull("rollbackId"),
        ReplacedRelease = i.GetSOrNull("replacedRelease"),
    };

    public async Task<bool> AppendTimelineAsync(TimelineEntry entry, CancellationToken ct)
    {
        var put = TimelinePut(tableName, entry);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest { TableName = tableName, Item = put.Item, ConditionExpression = put.ConditionExpression }, ct)
                .ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <summary>A timeline entry (PK=RELEASE#{id}, SK=STEP#{environment or -}#{step}), written once: the put fails its condition when the step was recorded.</summary>
    public static Put TimelinePut(string tableName, TimelineEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S($"RELEASE#{entry.ReleaseId}"),
            [SortKey] = Attr.S($"STEP#{entry.Environment ?? "-"}#{entry.Step}"),
            [ItemType] = Attr.S("TimelineEntry"),
            ["releaseId"] = Attr.S(entry.ReleaseId),
            ["step"] = Attr.S(entry.Step),
            ["message"] = Attr.S(entry.Message),
            ["actor"] = Attr.S(entry.Actor),
            ["at"] = Attr.Time(entry.At),
        };
        item.PutIfNotNull("environment", entry.Environment);
        return new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(PK)" };
    }

    public async Task<IReadOnlyList<TimelineEntry>> ListTimelineAsync(string releaseId, CancellationToken ct)
    {
        var entries = new List<TimelineEntry>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                KeyConditionExpression = "PK = :pk AND begins_with(SK, :prefix)",
                ExpressionAttributeValues = new() { [":pk"] = Attr.S($"RELEASE#{releaseId}"), [":prefix"] = Attr.S("STEP#") },
                ExclusiveStartKey = start,
            }, ct).ConfigureAwait(false);
            entries.AddRange((page.Items ?? []).Select(i => new TimelineEntry(
                i.GetS("releaseId"), i.GetSOrNull("environment"), i.GetS("step"), i.GetS("message"), i.GetS("actor"), i.GetTime("at"))));
            start = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);
        return entries.OrderBy(e => e.At).ToArray();
    }

    /// <summary>
    /// A waiting approval's task token, in a family of its own (TASKTOKEN#…), not under the release: a token lets its holder
    /// complete the wait, so only the functions that store or complete one may read it (TableAccess, dynamodb:LeadingKeys).
    /// </summary>
    public static string TaskTokenKey(string releaseId, string environment) => $"TASKTOKEN#release/{releaseId}/{environment}";

    public Task PutTaskTokenAsync(string releaseId, string environment, string token, CancellationToken ct) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [PartitionKey] = Attr.S(TaskTokenKey(releaseId, environment)),
                [SortKey] = Attr.S("TOKEN"),
                [ItemType] = Attr.S("TaskToken"),
                ["token"] = Attr.S(token),
            },
        }, ct);

    public async Task<string?> GetTaskTokenAsync(string releaseId, string environment, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(TaskTokenKey(releaseId, environment), "TOKEN"), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? item.GetSOrNull("token") : null;
    }

    public Task PutEndpointWaiterAsync(string endpointName, string token, string waiter, CancellationToken ct) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [PartitionKey] = Attr.S($"ENDPOINT#{endpointName}"),
                [SortKey] = Attr.S("WAITER"),
                [ItemType] = Attr.S("EndpointWaiter"),
                ["token"] = Attr.S(token),
                ["waiter"] = Attr.S(waiter),
            },
        }, ct);

    public async Task<string?> TakeEndpointWaiterAsync(string endpointName, CancellationToken ct)
    {
        // DeleteItem answers the item it deleted, so of two callers only one gets the token.
        var old = (await dynamo.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = tableName,
            Key = Key($"ENDPOINT#{endpointName}", "WAITER"),
            ReturnValues = ReturnValue.ALL_OLD,
        }, ct).ConfigureAwait(false)).Attributes;
        return old is { Count: > 0 } ? old.GetSOrNull("token") : null;
    }
}
