using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Exports;
using ExportStatus = ReleaseCenter.Domain.Exports.ExportStatus;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Export jobs (architecture.md, "Exports"): PK=EXPORT#{id}, SK=JOB, type=ExportJob. The item's INSERT on the table's
/// stream is what starts the export function in AWS. Every status change is one conditional update, so a retried
/// or duplicated run never moves a finished job, and a second create with the same id is refused.
/// Items carry <c>ttl</c> (epoch seconds): DynamoDB deletes a job a week after it was requested.
/// </summary>
public sealed class DynamoExportJobs(IAmazonDynamoDB dynamo, string tableName)
{
    public const string ItemTypeName = "ExportJob";
    public const string SortKeyValue = "JOB";
    public const string TimeToLiveAttribute = "ttl";

    /// <summary>How long a job's record stays (its file is gone from the bucket after a day).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public static string PartitionKeyOf(string id) => $"EXPORT#{id}";

    private static Dictionary<string, AttributeValue> Key(string id) => new() { [PartitionKey] = Attr.S(PartitionKeyOf(id)), [Resources.TableSchema.SortKey] = Attr.S(SortKeyValue) };

    /// <returns>false when a job with that id exists already (nothing written).</returns>
    public async Task<bool> CreateAsync(ExportJob job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        var item = Key(job.Id);
        item[ItemType] = Attr.S(ItemTypeName);
        item["id"] = Attr.S(job.Id);
        item["kind"] = Attr.S(job.Kind);
        item.PutIfNotNull("format", job.Format);
        item["filters"] = new AttributeValue { M = job.Filters.ToDictionary(f => f.Key, f => Attr.S(f.Value), StringComparer.Ordinal) };
        item["requestedBy"] = Attr.S(job.RequestedBy);
        item["createdAt"] = Attr.Time(job.CreatedAt);
        item["status"] = Attr.S(nameof(ExportStatus.Queued));
        item["attempts"] = Attr.N(0);
        item[TimeToLiveAttribute] = Attr.N((job.CreatedAt + Retention).ToUnixTimeSeconds());
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = item,
                ConditionExpression = "attribute_not_exists(PK)",
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task<ExportJob?> GetAsync(string id, CancellationToken ct)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(id), ConsistentRead = true }, ct).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? FromItem(item) : null;
    }

    /// <summary>
    /// Marks the job running and counts the attempt. A job that is queued, or running still (its last run crashed or
    /// timed out, and the stream delivers it again), is started; a finished one is not.
    /// </summary>
    /// <returns>The job as started, or null when it does not exist or has finished.</returns>
    public async Task<ExportJob?> TryStartAsync(string id, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            var response = await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(id),
                UpdateExpression = "SET #status = :running, startedAt = :now, attempts = attempts + :one",
                ConditionExpression = "attribute_exists(PK) AND #status IN (:queued, :running)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":running"] = Attr.S(nameof(ExportStatus.Running)),
                    [":queued"] = Attr.S(nameof(ExportStatus.Queued)),
                    [":now"] = Attr.Time(now),
                    [":one"] = Attr.N(1),
                },
                ReturnValues = ReturnValue.ALL_NEW,
            }, ct).ConfigureAwait(false);
            return FromItem(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <summary>Records success: where the file is, and its size. Only a running job of this attempt moves.</summary>
    public Task<bool> SucceedAsync(string id, int attempt, DateTimeOffset now, long rows, long bytes, string objectKey, string fileName, string? result,
        CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":rows"] = Attr.N(rows),
            [":bytes"] = Attr.N(bytes),
            [":key"] = Attr.S(objectKey),
            [":file"] = Attr.S(fileName),
        };
        var update = "#rows = :rows, #bytes = :bytes, objectKey = :key, fileName = :file";
        if (result is not null)
        {
            values[":result"] = Attr.S(result);
            update += ", #result = :result";
        }
        return FinishAsync(id, attempt, now, ExportStatus.Succeeded, update, values, ct);
    }

    public Task<bool> FailAsync(string id, int attempt, DateTimeOffset now, string error, CancellationToken ct) =>
        FinishAsync(id, attempt, now, ExportStatus.Failed, "#error = :error", new Dictionary<string, AttributeValue> { [":error"] = Attr.S(error) }, ct);

    private async Task<bool> FinishAsync(string id, int attempt, DateTimeOffset now, ExportStatus status, string set,
        Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        values[":status"] = Attr.S(status.ToString());
        values[":running"] = Attr.S(nameof(ExportStatus.Running));
        values[":now"] = Attr.Time(now);
        values[":attempt"] = Attr.N(attempt);
        try
        {
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = Key(id),
                UpdateExpression = $"SET #status = :status, finishedAt = :now, {set}",
                // A newer attempt (the stream's retry of a run thought dead) owns the job now; this one's outcome is dropped.
                ConditionExpression = "#status = :running AND attempts = :attempt",
                ExpressionAttributeNames = new[] { "status", "rows", "bytes", "result", "error" }
                    .Where(n => n == "status" || set.Contains("#" + n, StringComparison.Ordinal)).ToDictionary(n => "#" + n, n => n, StringComparer.Ordinal),
                ExpressionAttributeValues = values,
            }, ct).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static ExportJob FromItem(Dictionary<string, AttributeValue> item)
    {
        DateTimeOffset? Time(string name) => item.GetSOrNull(name) is { } s
            ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;
        long Long(string name) => item.ContainsKey(name) ? item.GetLong(name) : 0;
        var filters = item.TryGetValue("filters", out var m) && m.M is not null
            ? m.M.Where(f => f.Value.S is not null).ToDictionary(f => f.Key, f => f.Value.S!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new ExportJob(item.GetS("id"), item.GetS("kind"), item.GetSOrNull("format"), filters, item.GetS("requestedBy"), item.GetTime("createdAt"))
        {
            Status = Enum.Parse<ExportStatus>(item.GetS("status")),
            StartedAt = Time("startedAt"),
            FinishedAt = Time("finishedAt"),
            Attempts = (int)Long("attempts"),
            Rows = Long("rows"),
            Bytes = Long("bytes"),
            ObjectKey = item.GetSOrNull("objectKey"),
            FileName = item.GetSOrNull("fileName"),
            Error = item.GetSOrNull("error"),
            Result = item.GetSOrNull("result"),
        };
    }
}
