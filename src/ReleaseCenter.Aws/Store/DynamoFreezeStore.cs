using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Freezes in the single table: PK=ENV#{env}, SK=FREEZE (reason, by, at, until?, allowRollbacks). A change is conditional
/// on the freeze read (absent, or the same <c>at</c>), so two people freezing at once cannot both succeed, and a lift
/// never removes a freeze placed after the one it read.
/// </summary>
public sealed class DynamoFreezeStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal journal, TimeProvider clock) : IFreezeStore
{
    private const string FreezeSk = "FREEZE";

    private static Dictionary<string, AttributeValue> Key(string environment, string? project = null) =>
        new() { [PartitionKey] = Attr.S($"ENV#{environment}"), [SortKey] = Attr.S(project is null ? FreezeSk : $"{FreezeSk}#{project}") };

    public async Task<Freeze?> GetFreezeAsync(string environment, CancellationToken ct, string? project = null)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = Key(environment, project), ConsistentRead = true }, ct)
            .ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? FreezeFrom(environment, item) : null;
    }

    public async Task<IReadOnlyList<Freeze>> ListFreezesAsync(string environment, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = SortKey },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"ENV#{environment}"), [":prefix"] = Attr.S(FreezeSk) },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Items.Select(i => FreezeFrom(environment, i)).ToArray();
    }

    private static Freeze FreezeFrom(string environment, Dictionary<string, AttributeValue> item) =>
        new(environment, item.GetS("reason"), item.GetS("by"), item.GetTime("at"),
            item.ContainsKey("until") ? item.GetTime("until") : null, item.TryGetValue("allowRollbacks", out var allow) && allow.BOOL == true)
        {
            Project = item.GetSOrNull("project"),
        };

    public async Task<Freeze> FreezeAsync(Freeze freeze, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(freeze);
        await journal.WriteAsync(async token =>
        {
            var current = await GetFreezeAsync(freeze.Environment, token, freeze.Project).ConfigureAwait(false);
            if (current is not null && current.HoldsAt(clock.GetUtcNow()))
            {
                throw new ConflictException($"{current.Describe()}. Lift that freeze first.");
            }
            var item = Key(freeze.Environment, freeze.Project);
            item[ItemType] = Attr.S("Freeze");
            item.PutIfNotNull("project", freeze.Project);
            item["reason"] = Attr.S(freeze.Reason);
            item["by"] = Attr.S(freeze.By);
            item["at"] = Attr.Time(freeze.At);
            item["allowRollbacks"] = new AttributeValue { BOOL = freeze.AllowRollbacks };
            if (freeze.Until is { } until)
            {
                item["until"] = Attr.Time(until);
            }
            var (condition, names, values) = Unchanged(current);
            var put = new Put
            {
                TableName = tableName, Item = item, ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values,
            };
            return ([new TransactWriteItem { Put = put }], record);
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return freeze;
    }

    public async Task<Freeze> LiftFreezeAsync(string environment, Func<Freeze, ChangeRecord> record, CancellationToken ct, string? project = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        Freeze? lifted = null;
        await journal.WriteAsync(async token =>
        {
            lifted = await GetFreezeAsync(environment, token, project).ConfigureAwait(false)
                ?? throw new ConflictException($"{environment} is not frozen{(project is null ? "" : $" for project {project}")}; there is nothing to lift.");
            var (condition, names, values) = Unchanged(lifted);
            var delete = new Delete
            {
                TableName = tableName, Key = Key(environment, project), ConditionExpression = condition, ExpressionAttributeNames = names, ExpressionAttributeValues = values,
            };
            return ([new TransactWriteItem { Delete = delete }], record(lifted));
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return lifted!;
    }

    private static Dictionary<string, AttributeValue> HoldKey(string environment, string model) =>
        new() { [PartitionKey] = Attr.S($"ENV#{environment}"), [SortKey] = Attr.S($"HOLD#{model}") };

    public async Task<IReadOnlyList<AutoPromotionHold>> ListHoldsAsync(string environment, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = SortKey },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S($"ENV#{environment}"), [":prefix"] = Attr.S("HOLD#") },
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Items.Select(HoldFrom).ToArray();
    }

    public async Task<bool> PlaceHoldAsync(AutoPromotionHold hold, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(hold);
        var item = HoldKey(hold.Environment, hold.Model);
        item[ItemType] = Attr.S("AutoPromotionHold");
        item["environment"] = Attr.S(hold.Environment);
        item["model"] = Attr.S(hold.Model);
        item["rollbackId"] = Attr.S(hold.RollbackId);
        item["by"] = Attr.S(hold.By);
        item["at"] = Attr.Time(hold.At);
        item["reason"] = Attr.S(hold.Reason);
        var put = new Put { TableName = tableName, Item = item, ConditionExpression = "attribute_not_exists(#pk)", ExpressionAttributeNames = new() { ["#pk"] = PartitionKey } };
        return await journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([new TransactWriteItem { Put = put }], record)),
            _ => ChangeConflict.AlreadyMade, ct).ConfigureAwait(false);
    }

    public async Task<AutoPromotionHold> LiftHoldAsync(string environment, string model, Func<AutoPromotionHold, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        AutoPromotionHold? lifted = null;
        await journal.WriteAsync(async token =>
        {
            var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = tableName, Key = HoldKey(environment, model), ConsistentRead = true }, token)
                .ConfigureAwait(false)).Item;
            if (item is not { Count: > 0 })
            {
                throw new ConflictException($"Auto-promotion of {model} into {environment} is not held; there is nothing to lift.");
            }
            lifted = HoldFrom(item);
            var delete = new Delete
            {
                TableName = tableName, Key = HoldKey(environment, model), ConditionExpression = "#at = :at",
                ExpressionAttributeNames = new() { ["#at"] = "at" }, ExpressionAttributeValues = new() { [":at"] = Attr.Time(lifted.At) },
            };
            return ([new TransactWriteItem { Delete = delete }], record(lifted));
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return lifted!;
    }

    private static AutoPromotionHold HoldFrom(Dictionary<string, AttributeValue> item) => new(
        item.GetS("environment"), item.GetS("model"), item.GetS("rollbackId"), item.GetS("by"), item.GetTime("at"), item.GetS("reason"));

    /// <summary>The write's condition: the freeze is still what was read (none, or the one placed at that time).</summary>
    private static (string Condition, Dictionary<string, string> Names, Dictionary<string, AttributeValue>? Values) Unchanged(Freeze? read) =>
        read is null
            ? ("attribute_not_exists(#pk)", new() { ["#pk"] = PartitionKey }, null)
            : ("#at = :at", new() { ["#at"] = "at" }, new() { [":at"] = Attr.Time(read.At) });
}
