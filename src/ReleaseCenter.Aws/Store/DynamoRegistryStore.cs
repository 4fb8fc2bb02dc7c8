using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using static ReleaseCenter.Aws.Resources.TableSchema;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// The DynamoDB adapter of <see cref="IRegistryStore"/> over the single table (architecture.md).
/// <list type="bullet">
/// <item>Model: PK=MODEL#{name}, SK=MODEL; GSI1 lists all models by name, GSI2 a project's models.</item>
/// <item>Version: PK=MODEL#{name}, SK=VERSION#{n, 10 digits}, so a Query on the model lists them in order; a standing veto in <c>veto</c>.</item>
/// <item>Release: PK=RELEASE#{id}, SK=RELEASE; GSI1 lists all releases, GSI2 a model's, GSI3 those of a status
/// (<see cref="ReleaseStatusIndex"/>), newest first by creation time.</item>
/// </list>
/// </summary>
/// <param name="journal">Writes a change's audit entry and events in the change's transaction; needed only by callers that pass a record.</param>
public sealed class DynamoRegistryStore(IAmazonDynamoDB dynamo, string tableName, DynamoJournal? journal = null) : IRegistryStore
{
    private const int MaxVersionAttempts = 50;
    private static readonly string[] TableKeys = [PartitionKey, SortKey];
    private static readonly string[] Gsi1Keys = [PartitionKey, SortKey, Gsi1PartitionKey, Gsi1SortKey];
    private static readonly string[] Gsi2Keys = [PartitionKey, SortKey, Gsi2PartitionKey, Gsi2SortKey];
    private static readonly string[] Gsi3Keys = [PartitionKey, SortKey, Gsi3PartitionKey, Gsi3SortKey];

    /// <summary>Set once the status index is known to hold every release (<see cref="ReleaseStatusIndex"/>); never unset.</summary>
    private volatile bool statusIndexComplete;

    public string TableName => tableName;

    internal static class Keys
    {
        public const string ModelSk = "MODEL";
        public const string ReleaseSk = "RELEASE";
        public const string AllModels = "MODELS";
        public const string AllReleases = "RELEASES";
        public static string Model(string name) => $"MODEL#{name}";
        public static string Version(int n) => $"VERSION#{n:D10}";
        public static string Project(string project) => $"PROJECT#{project}";
        public static string Release(string id) => $"RELEASE#{id}";
        public static string ModelReleases(string model) => $"MODEL#{model}#RELEASES";
    }

    // ---------------------------------------------------------------- models

    public async Task CreateModelAsync(Model model, CancellationToken ct, ChangeRecord? record = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (record is not null)
        {
            var put = new Put
            {
                TableName = tableName,
                Item = ToItem(model),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
            };
            await Journal.WriteAsync(_ => Task.FromResult<(IReadOnlyList<TransactWriteItem>, ChangeRecord)>(([new TransactWriteItem { Put = put }], record)),
                _ => throw new ConflictException($"A model named '{model.Name}' already exists.", "name"), ct).ConfigureAwait(false);
            return;
        }
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = ToItem(model),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
            }, ct).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new ConflictException($"A model named '{model.Name}' already exists.", "name");
        }
    }

    public async Task<Model?> GetModelAsync(string name, CancellationToken ct)
    {
        var item = await GetAsync(Keys.Model(name), Keys.ModelSk, ct).ConfigureAwait(false);
        return item is null ? null : ModelFrom(item);
    }

    public Task<Page<Model>> ListModelsAsync(string? project, int limit, string? cursor, CancellationToken ct) =>
        project is null
            ? QueryIndexAsync(Gsi1, Gsi1PartitionKey, Keys.AllModels, Gsi1Keys, forward: true, limit, cursor, ModelFrom, ct)
            : QueryIndexAsync(Gsi2, Gsi2PartitionKey, Keys.Project(project), Gsi2Keys, forward: true, limit, cursor, ModelFrom, ct);

    private static Dictionary<string, AttributeValue> ToItem(Model m)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S(Keys.Model(m.Name)),
            [SortKey] = Attr.S(Keys.ModelSk),
            [ItemType] = Attr.S("Model"),
            [Gsi1PartitionKey] = Attr.S(Keys.AllModels),
            [Gsi1SortKey] = Attr.S(m.Name),
            [Gsi2PartitionKey] = Attr.S(Keys.Project(m.Project)),
            [Gsi2SortKey] = Attr.S(m.Name),
            ["name"] = Attr.S(m.Name),
            ["project"] = Attr.S(m.Project),
            ["tags"] = new AttributeValue { M = m.Tags.ToDictionary(t => t.Key, t => Attr.S(t.Value)) },
            ["latestVersion"] = Attr.N(m.LatestVersion),
            ["createdAt"] = Attr.Time(m.CreatedAt),
            ["createdBy"] = Attr.S(m.CreatedBy),
        };
        item.PutIfNotNull("description", m.Description);
        item.PutIfNotNull("owner", m.Owner);
        return item;
    }

    private static Model ModelFrom(Dictionary<string, AttributeValue> item) => new(
        item.GetS("name"),
        item.GetS("project"),
        item.GetSOrNull("description"),
        item.GetSOrNull("owner"),
        new SortedDictionary<string, string>(
            (item.TryGetValue("tags", out var t) && t.M is not null ? t.M : []).ToDictionary(e => e.Key, e => e.Value.S ?? ""),
            StringComparer.Ordinal),
        (int)item.GetLong("latestVersion"),
        item.GetTime("createdAt"),
        item.GetS("createdBy"));

    // ---------------------------------------------------------------- versions

    /// <summary>
    /// Claims the next number with a transaction that bumps the model's counter only if it still
    /// holds the value we read, and creates the version only if that number is free. A writer that
    /// loses the race re-reads and tries the next number, so concurrent registrations get distinct,
    /// gapless numbers and none is lost.
    /// </summary>
    public Task<ModelVersion> AddVersionAsync(ModelVersion version, CancellationToken ct, Func<ModelVersion, ChangeRecord>? record = null) =>
        record is null ? AddAsync(version, null, ct) : AddRecordedAsync(version, record, ct);

    private DynamoJournal Journal => journal ?? throw new InvalidOperationException("This store was built without a journal; it cannot write a change with its record.");

    /// <summary>The next version, its number claimed on the model, its audit entry and events: one transaction, retried when another writer took the number.</summary>
    private async Task<ModelVersion> AddRecordedAsync(ModelVersion version, Func<ModelVersion, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(version);
        ModelVersion? numbered = null;
        await Journal.WriteAsync(async token =>
        {
            var model = await GetModelAsync(version.Model, token).ConfigureAwait(false)
                ?? throw new NotFoundException($"Model '{version.Model}' does not exist.");
            numbered = version with { Version = model.LatestVersion + 1 };
            return (VersionWrites(model, numbered, null), record(numbered));
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return numbered!;
    }

    public Task<ModelVersion> AddVersionOnceAsync(ModelVersion version, string idempotencyKey, CancellationToken ct) => AddAsync(version, idempotencyKey, ct);

    /// <summary>The keyed registration with its record: the marker is the transaction's third write, so a lost race on it means "made before".</summary>
    public async Task<(ModelVersion Version, bool Created)> AddVersionOnceAsync(ModelVersion version, string idempotencyKey,
        Func<ModelVersion, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(record);
        ModelVersion? numbered = null;
        try
        {
            var written = await Journal.WriteAsync(async token =>
            {
                if (await GetVersionByKeyAsync(idempotencyKey, token).ConfigureAwait(false) is not null)
                {
                    throw new RegisteredBeforeException();
                }
                var model = await GetModelAsync(version.Model, token).ConfigureAwait(false)
                    ?? throw new NotFoundException($"Model '{version.Model}' does not exist.");
                numbered = version with { Version = model.LatestVersion + 1 };
                return (VersionWrites(model, numbered, idempotencyKey), record(numbered));
            }, index => index == VersionMarkerIndex ? ChangeConflict.AlreadyMade : ChangeConflict.Retry, ct).ConfigureAwait(false);
            if (written)
            {
                return (numbered!, true);
            }
        }
        catch (RegisteredBeforeException)
        {
            // Another call with this key registered the version; answer with it below.
        }
        var before = await GetVersionByKeyAsync(idempotencyKey, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Registration '{idempotencyKey}' names a version that does not exist.");
        return (before, false);
    }

    public async Task<ModelVersion?> GetVersionByKeyAsync(string idempotencyKey, CancellationToken ct) =>
        await GetAsync($"VERSIONKEY#{idempotencyKey}", "VERSIONKEY", ct).ConfigureAwait(false) is { } marker
            ? await GetVersionAsync(marker.GetS("model"), (int)marker.GetLong("version"), ct).ConfigureAwait(false)
            : null;

    /// <summary>Where <see cref="VersionWrites"/> puts the once-only marker.</summary>
    private const int VersionMarkerIndex = 2;

    private sealed class RegisteredBeforeException : Exception;

    private async Task<ModelVersion> AddAsync(ModelVersion version, string? idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(version);
        for (var attempt = 1; ; attempt++)
        {
            if (idempotencyKey is not null && await GetAsync($"VERSIONKEY#{idempotencyKey}", "VERSIONKEY", ct).ConfigureAwait(false) is { } done)
            {
                return await GetVersionAsync(done.GetS("model"), (int)done.GetLong("version"), ct).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"Registration '{idempotencyKey}' names a version that does not exist.");
            }
            var model = await GetModelAsync(version.Model, ct).ConfigureAwait(false)
                ?? throw new NotFoundException($"Model '{version.Model}' does not exist.");
            var numbered = version with { Version = model.LatestVersion + 1 };
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest
                {
                    TransactItems = [.. VersionWrites(model, numbered, idempotencyKey)],
                }, ct).ConfigureAwait(false);
                return numbered;
            }
            catch (TransactionCanceledException) when (attempt < MaxVersionAttempts)
            {
                // Another writer took this number (or the transaction collided with theirs): back off with jitter, re-read.
                await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 10)), ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Claim the number on the model (it must still be the latest), put the version, and the once-only marker when keyed.</summary>
    private List<TransactWriteItem> VersionWrites(Model model, ModelVersion numbered, string? idempotencyKey) =>
    [
        new TransactWriteItem
        {
            Update = new Update
            {
                TableName = tableName,
                Key = Key(Keys.Model(model.Name), Keys.ModelSk),
                UpdateExpression = "SET latestVersion = :next",
                ConditionExpression = "latestVersion = :current",
                ExpressionAttributeValues = new()
                {
                    [":next"] = Attr.N(numbered.Version),
                    [":current"] = Attr.N(model.LatestVersion),
                },
            },
        },
        new TransactWriteItem
        {
            Put = new Put
            {
                TableName = tableName,
                Item = ToItem(numbered),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
            },
        },
        .. (idempotencyKey is null ? Array.Empty<TransactWriteItem>() :
        [
            // The once-only marker: a retried registration finds it and returns the version it made.
            new TransactWriteItem
            {
                Put = new Put
                {
                    TableName = tableName,
                    Item = new()
                    {
                        [PartitionKey] = Attr.S($"VERSIONKEY#{idempotencyKey}"),
                        [SortKey] = Attr.S("VERSIONKEY"),
                        [ItemType] = Attr.S("VersionRegistrationKey"),
                        ["model"] = Attr.S(numbered.Model),
                        ["version"] = Attr.N(numbered.Version),
                    },
                    ConditionExpression = "attribute_not_exists(#pk)",
                    ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
                },
            },
        ]),
    ];

    public async Task<ModelVersion?> GetVersionAsync(string model, int version, CancellationToken ct)
    {
        var item = await GetAsync(Keys.Model(model), Keys.Version(version), ct).ConfigureAwait(false);
        return item is null ? null : VersionFrom(item);
    }

    /// <summary>The version item's attribute that holds a standing veto (<see cref="Veto"/>); absent when none stands.</summary>
    private const string VetoAttribute = "veto";

    /// <summary>Sets the veto on the version item if none stands, with the record; a lost race re-reads and answers what it finds.</summary>
    public async Task<ModelVersion> VetoVersionAsync(string model, int version, Veto veto, ChangeRecord record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(veto);
        ModelVersion? vetoed = null;
        await Journal.WriteAsync(async token =>
        {
            var current = await GetVersionAsync(model, version, token).ConfigureAwait(false)
                ?? throw new NotFoundException($"Model '{model}' has no version {version}.");
            if (current.Veto is { } standing)
            {
                throw new ConflictException($"A veto stands on {model} v{version} already: {standing.Describe(model, version)}.");
            }
            vetoed = current with { Veto = veto };
            var update = new Update
            {
                TableName = tableName,
                Key = Key(Keys.Model(model), Keys.Version(version)),
                UpdateExpression = "SET #veto = :veto",
                ConditionExpression = "attribute_exists(#pk) AND attribute_not_exists(#veto)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#veto"] = VetoAttribute },
                ExpressionAttributeValues = new() { [":veto"] = VetoValue(veto) },
            };
            return ([new TransactWriteItem { Update = update }], record);
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return vetoed!;
    }

    /// <summary>Removes the veto read (the condition names its time, so a veto placed anew since is not lifted by mistake), with the record.</summary>
    public async Task<ModelVersion> LiftVetoAsync(string model, int version, Func<Veto, ChangeRecord> record, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(record);
        ModelVersion? lifted = null;
        await Journal.WriteAsync(async token =>
        {
            var current = await GetVersionAsync(model, version, token).ConfigureAwait(false)
                ?? throw new NotFoundException($"Model '{model}' has no version {version}.");
            var standing = current.Veto ?? throw new ConflictException($"No veto stands on {model} v{version}; there is nothing to lift.");
            lifted = current with { Veto = null };
            var update = new Update
            {
                TableName = tableName,
                Key = Key(Keys.Model(model), Keys.Version(version)),
                UpdateExpression = "REMOVE #veto",
                ConditionExpression = "#veto.#at = :at",
                ExpressionAttributeNames = new() { ["#veto"] = VetoAttribute, ["#at"] = "at" },
                ExpressionAttributeValues = new() { [":at"] = Attr.Time(standing.At) },
            };
            return ([new TransactWriteItem { Update = update }], record(standing));
        }, _ => ChangeConflict.Retry, ct).ConfigureAwait(false);
        return lifted!;
    }

    private static AttributeValue VetoValue(Veto veto) => new()
    {
        M = new() { ["reason"] = Attr.S(veto.Reason), ["by"] = Attr.S(veto.By), ["at"] = Attr.Time(veto.At) },
    };

    public async Task<Page<ModelVersion>> ListVersionsAsync(string model, int limit, string? cursor, CancellationToken ct)
    {
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames = new() { ["#pk"] = PartitionKey, ["#sk"] = SortKey },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(Keys.Model(model)), [":prefix"] = Attr.S("VERSION#") },
            Limit = limit,
            ExclusiveStartKey = Cursor.Decode(cursor, TableKeys),
        }, ct).ConfigureAwait(false);
        return new Page<ModelVersion>((response.Items ?? []).Select(VersionFrom).ToArray(), Cursor.Encode(response.LastEvaluatedKey));
    }

    private static Dictionary<string, AttributeValue> ToItem(ModelVersion v)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S(Keys.Model(v.Model)),
            [SortKey] = Attr.S(Keys.Version(v.Version)),
            [ItemType] = Attr.S("ModelVersion"),
            ["model"] = Attr.S(v.Model),
            ["version"] = Attr.N(v.Version),
            ["artifactUri"] = Attr.S(v.ArtifactUri),
            ["artifactDigest"] = Attr.S(v.ArtifactDigest),
            ["datasets"] = new AttributeValue
            {
                L = v.Datasets.Select(d => new AttributeValue
                {
                    M = new() { ["name"] = Attr.S(d.Name!), ["uri"] = Attr.S(d.Uri!), ["digest"] = Attr.S(d.Digest!) },
                }).ToList(),
            },
            ["metrics"] = new AttributeValue { M = v.Metrics.ToDictionary(m => m.Key, m => Attr.N(m.Value)) },
            // Hyperparameter values are heterogeneous JSON scalars; kept as one JSON document.
            ["hyperparameters"] = Attr.S(JsonText(v.Hyperparameters)),
            ["createdAt"] = Attr.Time(v.CreatedAt),
            ["createdBy"] = Attr.S(v.CreatedBy),
        };
        item.PutIfNotNull("framework", v.Framework);
        item.PutIfNotNull("image", v.Image);
        item.PutIfNotNull("trainingRun", v.TrainingRun);
        if (v.Lineage is { Count: > 0 } lineage)
        {
            item["lineage"] = new AttributeValue { M = lineage.ToDictionary(l => l.Key, l => Attr.S(l.Value)) };
        }
        if (v.InferenceConfig is { } ic)
        {
            item["inferenceConfig"] = new AttributeValue
            {
                M = new() { ["instanceType"] = Attr.S(ic.InstanceType!), ["instanceCount"] = Attr.N(ic.InstanceCount!.Value) },
            };
        }
        return item;
    }

    private static ModelVersion VersionFrom(Dictionary<string, AttributeValue> item)
    {
        InferenceConfig? ic = null;
        if (item.TryGetValue("inferenceConfig", out var icAttr) && icAttr.M is { } icMap)
        {
            ic = new InferenceConfig(icMap.GetS("instanceType"), (int)icMap.GetLong("instanceCount"));
        }
        return new ModelVersion(
            item.GetS("model"),
            (int)item.GetLong("version"),
            item.GetS("artifactUri"),
            item.GetS("artifactDigest"),
            item.GetSOrNull("framework"),
            item.GetSOrNull("image"),
            item.GetSOrNull("trainingRun"),
            (item.TryGetValue("datasets", out var ds) && ds.L is not null ? ds.L : [])
                .Select(d => new DatasetRef(d.M.GetS("name"), d.M.GetS("uri"), d.M.GetS("digest"))).ToArray(),
            ParseJsonObject(item.GetSOrNull("hyperparameters")),
            new SortedDictionary<string, double>(
                (item.TryGetValue("metrics", out var m) && m.M is not null ? m.M : []).ToDictionary(e => e.Key, e => Attr.ParseDouble(e.Value)),
                StringComparer.Ordinal),
            ic,
            item.GetTime("createdAt"),
            item.GetS("createdBy"))
        {
            Lineage = item.TryGetValue("lineage", out var lineage) && lineage.M is { Count: > 0 } map
                ? new SortedDictionary<string, string>(map.ToDictionary(e => e.Key, e => e.Value.S), StringComparer.Ordinal)
                : null,
            Veto = item.TryGetValue(VetoAttribute, out var veto) && veto.M is { } v
                ? new Veto(v.GetS("reason"), v.GetS("by"), v.GetTime("at"))
                : null,
        };
    }

    private static string JsonText(IReadOnlyDictionary<string, JsonElement> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in values)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static SortedDictionary<string, JsonElement> ParseJsonObject(string? json)
    {
        var result = new SortedDictionary<string, JsonElement>(StringComparer.Ordinal);
        if (json is null)
        {
            return result;
        }
        using var doc = JsonDocument.Parse(json);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            result[property.Name] = property.Value.Clone();
        }
        return result;
    }

    // ---------------------------------------------------------------- releases

    /// <summary>
    /// The release's put and a check that its version carries no veto, in one transaction: a veto placed at the same
    /// moment either lands first (and this write fails) or after (and the release exists before it, as a release in flight).
    /// </summary>
    public async Task CreateReleaseAsync(Release release, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await dynamo.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = ReleaseCreation(release) }, ct).ConfigureAwait(false);
                return;
            }
            catch (TransactionCanceledException ex) when (Failed(ex, 0))
            {
                throw new ConflictException($"A release with id '{release.Id}' already exists.");
            }
            catch (TransactionCanceledException ex) when (Failed(ex, 1))
            {
                var version = await GetVersionAsync(release.Model, release.Version, ct).ConfigureAwait(false);
                if (version?.Veto is { } veto)
                {
                    throw new VersionVetoedException(release.Model, release.Version, veto);
                }
                if (attempt == 3)
                {
                    throw new ConflictException($"The veto on {release.Model} v{release.Version} keeps changing; try again.", "version");
                }
                // The veto was lifted between the write and the read: write again.
            }
        }
    }

    private List<TransactWriteItem> ReleaseCreation(Release release) =>
    [
        new TransactWriteItem
        {
            Put = new Put
            {
                TableName = tableName,
                Item = ToItem(release),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = PartitionKey },
            },
        },
        new TransactWriteItem
        {
            ConditionCheck = new ConditionCheck
            {
                TableName = tableName,
                Key = Key(Keys.Model(release.Model), Keys.Version(release.Version)),
                // Only the veto: whether the version exists is the use case's question (it read it to freeze the bundle).
                ConditionExpression = "attribute_not_exists(#veto)",
                ExpressionAttributeNames = new() { ["#veto"] = VetoAttribute },
            },
        },
    ];

    private static bool Failed(TransactionCanceledException ex, int index) =>
        ex.CancellationReasons is { } reasons && reasons.Count > index && reasons[index].Code == "ConditionalCheckFailed";

    public async Task<Release?> GetReleaseAsync(string id, CancellationToken ct)
    {
        var item = await GetAsync(Keys.Release(id), Keys.ReleaseSk, ct).ConfigureAwait(false);
        return item is null ? null : ReleaseFrom(item);
    }

    public async Task<Page<Release>> ListReleasesAsync(string? model, int limit, string? cursor, CancellationToken ct, ReleaseFilter? filter = null)
    {
        if (model is not null)
        {
            return await QueryIndexAsync(Gsi2, Gsi2PartitionKey, Keys.ModelReleases(model), Gsi2Keys, forward: false, limit, cursor, ReleaseFrom, ct,
                ReleaseConditions(Gsi2SortKey, filter)).ConfigureAwait(false);
        }
        // A status filter reads the status index, so a page of failures is a page of failures, not the ~3% of a page of
        // everything; until the index holds every release (an upgraded table is being backfilled), the all-releases index.
        if (ReleaseStatusIndex.PartitionFor(filter) is { } partition && await StatusIndexCompleteAsync(ct).ConfigureAwait(false))
        {
            return await QueryIndexAsync(Gsi3, Gsi3PartitionKey, partition.Key, Gsi3Keys, forward: false, limit, cursor, ReleaseFrom, ct,
                ReleaseConditions(Gsi3SortKey, partition.StatusFilterNeeded ? filter : filter! with { Status = null })).ConfigureAwait(false);
        }
        return await QueryIndexAsync(Gsi1, Gsi1PartitionKey, Keys.AllReleases, Gsi1Keys, forward: false, limit, cursor, ReleaseFrom, ct,
            ReleaseConditions(Gsi1SortKey, filter)).ConfigureAwait(false);
    }

    private async Task<bool> StatusIndexCompleteAsync(CancellationToken ct)
    {
        if (!statusIndexComplete && await ReleaseStatusIndex.IsCompleteAsync(dynamo, tableName, ct).ConfigureAwait(false))
        {
            statusIndexComplete = true;
        }
        return statusIndexComplete;
    }

    /// <summary>
    /// The time range narrows the index's sort key (creation time first), so it costs nothing; the
    /// other filters are evaluated by DynamoDB on the index query (a page may then hold fewer than
    /// <c>limit</c> items, and the cursor continues).
    /// </summary>
    private static QueryConditions? ReleaseConditions(string sortKey, ReleaseFilter? f)
    {
        if (f is null)
        {
            return null;
        }
        var c = new QueryConditions();
        if (f.Since is not null || f.Until is not null)
        {
            c.Names["#sk"] = sortKey;
            c.Values[":from"] = Attr.S(f.Since is { } since ? Attr.FormatTime(since) : "0");
            // '~' sorts after '#' and every id character, so the bound includes every release created at 'until'.
            c.Values[":to"] = Attr.S(f.Until is { } until ? Attr.FormatTime(until) + "~" : "~");
            c.KeyCondition = " AND #sk BETWEEN :from AND :to";
        }
        var filters = new List<string>();
        if (f.Status is { } status)
        {
            c.Names["#status"] = "status";
            c.Values[":status"] = Attr.S(status.ToString());
            filters.Add("#status = :status");
        }
        if (f.AnyStatus is { Count: > 0 } any)
        {
            c.Names["#status"] = "status";
            for (var i = 0; i < any.Count; i++)
            {
                c.Values[$":any{i}"] = Attr.S(any[i].ToString());
            }
            filters.Add($"#status IN ({string.Join(", ", any.Select((_, i) => $":any{i}"))})");
        }
        if (f.Environment is { } env)
        {
            c.Values[":env"] = Attr.S(env);
            filters.Add("contains(environments, :env)");
        }
        if (f.RequestedBy is { } by)
        {
            c.Values[":by"] = Attr.S(by);
            filters.Add("requestedBy = :by");
        }
        if (!string.IsNullOrWhiteSpace(f.Text))
        {
            c.Values[":text"] = Attr.S(f.Text.Trim().ToLowerInvariant());
            filters.Add("contains(searchText, :text)");
        }
        c.Filter = filters.Count == 0 ? null : string.Join(" AND ", filters);
        return c;
    }

    private sealed class QueryConditions
    {
        public Dictionary<string, string> Names { get; } = [];
        public Dictionary<string, AttributeValue> Values { get; } = [];
        public string KeyCondition { get; set; } = "";
        public string? Filter { get; set; }
    }

    public async Task<Release> UpdateReleaseAsync(Release release, long expectedRevision, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        var next = release with { Revision = expectedRevision + 1 };
        await RevisionedPut.PutAsync(dynamo, tableName, ToItem(next), expectedRevision, $"Release '{release.Id}'", ct).ConfigureAwait(false);
        return next;
    }

    /// <summary>A release's item as the store writes it (the benchmarks seed the table with it).</summary>
    internal static Dictionary<string, AttributeValue> ItemOf(Release r) => ToItem(r);

    private static Dictionary<string, AttributeValue> ToItem(Release r)
    {
        var created = $"{Attr.FormatTime(r.CreatedAt)}#{r.Id}";
        var item = new Dictionary<string, AttributeValue>
        {
            [PartitionKey] = Attr.S(Keys.Release(r.Id)),
            [SortKey] = Attr.S(Keys.ReleaseSk),
            [ItemType] = Attr.S("Release"),
            [Gsi1PartitionKey] = Attr.S(Keys.AllReleases),
            [Gsi1SortKey] = Attr.S(created),
            [Gsi2PartitionKey] = Attr.S(Keys.ModelReleases(r.Model)),
            [Gsi2SortKey] = Attr.S(created),
            [Gsi3PartitionKey] = Attr.S(ReleaseStatusIndex.PartitionOf(r.Status)),
            [Gsi3SortKey] = Attr.S(created),
            [VersionAttribute] = Attr.N(r.Revision),
            ["id"] = Attr.S(r.Id),
            ["model"] = Attr.S(r.Model),
            ["version"] = Attr.N(r.Version),
            ["environments"] = new AttributeValue { L = r.Environments.Select(Attr.S).ToList() },
            ["status"] = Attr.S(r.Status.ToString()),
            // Stage details (evaluation, approvals, deployment) are read and written with the release: one JSON document.
            ["stages"] = Attr.S(JsonSerializer.Serialize(r.Stages.ToArray(), StoreJsonContext.Default.ReleaseStageArray)),
            ["requestedBy"] = Attr.S(r.RequestedBy),
            ["createdAt"] = Attr.Time(r.CreatedAt),
            ["updatedAt"] = Attr.Time(r.UpdatedAt),
            // What the catalog's free text searches (ReleaseFilter.Text), folded to lower case once, on write.
            ["searchText"] = Attr.S($"{r.Id}\n{r.Model}\n{r.Notes}".ToLowerInvariant()),
        };
        item.PutIfNotNull("notes", r.Notes);
        item.PutIfNotNull("executionArn", r.ExecutionArn);
        if (r.AlsoRequestedBy.Count > 0)
        {
            item["alsoRequestedBy"] = new AttributeValue { L = r.AlsoRequestedBy.Select(Attr.S).ToList() };
        }
        if (r.Bundle is not null)
        {
            item["bundle"] = Attr.S(JsonSerializer.Serialize(r.Bundle, StoreJsonContext.Default.Bundle));
        }
        if (r.Template is { } template)
        {
            item["template"] = Attr.S(JsonSerializer.Serialize(template, StoreJsonContext.Default.TemplateUse));
        }
        if (r.Policy is { } pin)
        {
            var policy = new Dictionary<string, AttributeValue> { ["projectVersion"] = Attr.N(pin.ProjectVersion), ["modelVersion"] = Attr.N(pin.ModelVersion) };
            policy.PutIfNotNull("project", pin.Project);
            item["policy"] = new AttributeValue { M = policy };
        }
        return item;
    }

    private static Release ReleaseFrom(Dictionary<string, AttributeValue> item) => new(
        item.GetS("id"),
        item.GetS("model"),
        (int)item.GetLong("version"),
        (item["environments"].L ?? []).Select(e => e.S!).ToArray(),
        item.GetSOrNull("notes"),
        Enum.Parse<ReleaseStatus>(item.GetS("status")),
        JsonSerializer.Deserialize(item.GetS("stages"), StoreJsonContext.Default.ReleaseStageArray)!,
        item.GetS("requestedBy"),
        item.GetTime("createdAt"),
        item.GetTime("updatedAt"),
        item.GetSOrNull("executionArn"),
        item.GetLong(VersionAttribute))
    {
        Bundle = item.GetSOrNull("bundle") is { } bundle ? JsonSerializer.Deserialize(bundle, StoreJsonContext.Default.Bundle) : null,
        AlsoRequestedBy = item.TryGetValue("alsoRequestedBy", out var also) ? (also.L ?? []).Select(a => a.S!).ToArray() : [],
        Template = item.GetSOrNull("template") is { } template ? JsonSerializer.Deserialize(template, StoreJsonContext.Default.TemplateUse) : null,
        Policy = item.TryGetValue("policy", out var policy) && policy.M is { Count: > 0 } pin
            ? new Domain.Policies.PolicyPin(pin.GetSOrNull("project"), (int)pin.GetLong("projectVersion"), (int)pin.GetLong("modelVersion"))
            : null,
    };

    // ---------------------------------------------------------------- shared

    private static Dictionary<string, AttributeValue> Key(string pk, string sk) =>
        new() { [PartitionKey] = Attr.S(pk), [SortKey] = Attr.S(sk) };

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string pk, string sk, CancellationToken ct)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Key(pk, sk),
            ConsistentRead = true,
        }, ct).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? item : null;
    }

    private async Task<Page<T>> QueryIndexAsync<T>(string index, string keyAttribute, string keyValue, string[] cursorKeys, bool forward,
        int limit, string? cursor, Func<Dictionary<string, AttributeValue>, T> map, CancellationToken ct, QueryConditions? conditions = null)
    {
        var start = Cursor.Decode(cursor, cursorKeys);
        if (start is not null && start[keyAttribute].S != keyValue)
        {
            throw new InvalidCursorException("The cursor does not belong to this listing.");
        }
        var names = new Dictionary<string, string> { ["#pk"] = keyAttribute };
        var values = new Dictionary<string, AttributeValue> { [":pk"] = Attr.S(keyValue) };
        foreach (var (k, v) in conditions?.Names ?? [])
        {
            names[k] = v;
        }
        foreach (var (k, v) in conditions?.Values ?? [])
        {
            values[k] = v;
        }
        var response = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = tableName,
            IndexName = index,
            KeyConditionExpression = "#pk = :pk" + (conditions?.KeyCondition ?? ""),
            FilterExpression = conditions?.Filter,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ScanIndexForward = forward,
            Limit = limit,
            ExclusiveStartKey = start,
        }, ct).ConfigureAwait(false);
        return new Page<T>((response.Items ?? []).Select(map).ToArray(), Cursor.Encode(response.LastEvaluatedKey));
    }
}
