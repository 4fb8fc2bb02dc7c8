using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Integration.Tests.Audit;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Store;

/// <summary>
/// The catalog's status filters read GSI3 (releases by status), so a page of failures is full; a table from before the
/// index is backfilled by bounded steps and used only once a clean pass, begun after the settling time, says so.
/// </summary>
[Collection("emulator")]
public sealed class ReleaseStatusIndexTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private AmazonDynamoDBClient _dynamo = null!;
    private string _table = null!;
    private DynamoRegistryStore _store = null!;

    public async Task InitializeAsync()
    {
        _dynamo = LocalAws.CreateDynamoDbClient(emulator.ServiceUrl);
        _table = emulator.UniqueName("status");
        await TableProvisioner.EnsureTableAsync(_dynamo, _table, CancellationToken.None);
        _store = new DynamoRegistryStore(_dynamo, _table);
        // 20 releases, newest last: every fifth failed (st-0, 5, 10, 15), st-3 and st-8 cancelled, the rest in flight.
        for (var i = 0; i < 20; i++)
        {
            var release = Release.Create($"st-{i}", i % 2 == 0 ? "even" : "odd", 1, null, null, "alice", T0.AddMinutes(i));
            await _store.CreateReleaseAsync(release, CancellationToken.None);
            if (i % 5 == 0)
            {
                await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Failed, T0), 0, CancellationToken.None);
            }
            else if (i is 3 or 8)
            {
                await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Cancelled, T0), 0, CancellationToken.None);
            }
            else if (i % 2 == 1)
            {
                await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Evaluating, T0), 0, CancellationToken.None);
            }
        }
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    private static async Task<List<string>> AllPagesAsync(DynamoRegistryStore store, ReleaseFilter filter, int limit, List<int>? pageSizes = null)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await store.ListReleasesAsync(null, limit, cursor, CancellationToken.None, filter);
            pageSizes?.Add(page.Items.Count);
            ids.AddRange(page.Items.Select(r => r.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return ids;
    }

    [Fact]
    public async Task AFinishedStatus_ListsFullPagesOfIt_NewestFirst()
    {
        var sizes = new List<int>();
        var failed = await AllPagesAsync(_store, new ReleaseFilter(ReleaseStatus.Failed), limit: 2, sizes);

        Assert.Equal(["st-15", "st-10", "st-5", "st-0"], failed);
        // The all-releases index would have read the two newest releases (both in flight) for the first page: empty.
        Assert.Equal(2, sizes[0]);
        Assert.Equal(2, sizes[1]);
    }

    [Fact]
    public async Task UnfinishedStatuses_ReadOnlyTheReleasesInFlight_AndFilterAmongThem()
    {
        var open = new ReleaseFilter { AnyStatus = [ReleaseStatus.Pending, ReleaseStatus.Evaluating, ReleaseStatus.AwaitingApproval] };
        var sizes = new List<int>();
        var ids = await AllPagesAsync(_store, open, limit: 4, sizes);
        Assert.Equal(["st-19", "st-18", "st-17", "st-16", "st-14", "st-13", "st-12", "st-11", "st-9", "st-7", "st-6", "st-4", "st-2", "st-1"], ids);
        Assert.Equal([4, 4, 4, 2], sizes);

        var evaluating = await AllPagesAsync(_store, new ReleaseFilter(ReleaseStatus.Evaluating, Environment: null), limit: 50);
        Assert.Equal(["st-19", "st-17", "st-13", "st-11", "st-9", "st-7", "st-1"], evaluating);

        // Other filters still apply within the partition, and a mix of finished statuses reads the all-releases index.
        var mixed = await AllPagesAsync(_store, new ReleaseFilter { AnyStatus = [ReleaseStatus.Failed, ReleaseStatus.Cancelled], Text = "st-1" }, limit: 50);
        Assert.Equal(["st-15", "st-10"], mixed);
    }

    [Fact]
    public async Task AReleaseMovesBetweenPartitions_AsItsStatusChanges()
    {
        var release = (await _store.GetReleaseAsync("st-19", CancellationToken.None))!;
        await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Failed, T0.AddHours(1)), release.Revision, CancellationToken.None);

        var failed = await AllPagesAsync(_store, new ReleaseFilter(ReleaseStatus.Failed), limit: 50);
        var evaluating = await AllPagesAsync(_store, new ReleaseFilter(ReleaseStatus.Evaluating), limit: 50);
        Assert.Equal("st-19", failed[0]);
        Assert.DoesNotContain("st-19", evaluating);
    }

    [Fact]
    public async Task AnUpgradedTable_IsBackfilledStepByStep_AndTheIndexIsUsedOnlyOnceAPassAfterTheSettlingTimeFindsNothing()
    {
        await MakeItLookUpgradedAsync();
        var before = new DynamoRegistryStore(_dynamo, _table);
        // Incomplete: the all-releases index answers, sparse but right.
        Assert.Equal(["st-15", "st-10", "st-5", "st-0"], await AllPagesAsync(before, new ReleaseFilter(ReleaseStatus.Failed), limit: 2));

        var clock = new TestClock(T0);
        var backfill = new ReleaseStatusIndex(_dynamo, _table, clock);
        Assert.Equal(8, await backfill.BackfillAsync(8, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(8, await backfill.BackfillAsync(8, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(4, await backfill.BackfillAsync(8, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.False(await ReleaseStatusIndex.IsCompleteAsync(_dynamo, _table, CancellationToken.None));

        // A clean pass, but begun before the settling time: not trusted.
        clock.Now = T0.AddMinutes(1);
        Assert.Equal(0, await backfill.BackfillAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.False(await ReleaseStatusIndex.IsCompleteAsync(_dynamo, _table, CancellationToken.None));

        // A function of the previous deployment writes a release without the keys: the next pass finds it.
        await StripAsync("st-12", bumpRevision: true);
        clock.Now = T0 + ReleaseStatusIndex.Settle;
        Assert.Equal(1, await backfill.BackfillAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.False(await ReleaseStatusIndex.IsCompleteAsync(_dynamo, _table, CancellationToken.None));

        clock.Now += TimeSpan.FromMinutes(1);
        Assert.Equal(0, await backfill.BackfillAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.True(await ReleaseStatusIndex.IsCompleteAsync(_dynamo, _table, CancellationToken.None));
        Assert.Equal(0, await backfill.BackfillAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None));

        var after = new DynamoRegistryStore(_dynamo, _table);
        var sizes = new List<int>();
        Assert.Equal(["st-15", "st-10", "st-5", "st-0"], await AllPagesAsync(after, new ReleaseFilter(ReleaseStatus.Failed), limit: 2, sizes));
        Assert.Equal(2, sizes[0]);
        Assert.Equal(["st-12"], await AllPagesAsync(after, new ReleaseFilter(ReleaseStatus.Pending) { Text = "st-12" }, limit: 50));
    }

    [Fact]
    public async Task ABackfillNeverOverwritesAReleaseWrittenSinceItWasRead()
    {
        await MakeItLookUpgradedAsync();
        var release = (await _store.GetReleaseAsync("st-14", CancellationToken.None))!;
        using var racing = new RacingDynamo(emulator.ServiceUrl, "RELEASE#st-14", async () =>
            await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Cancelled, T0), release.Revision, CancellationToken.None));
        var backfill = new ReleaseStatusIndex(racing, _table, new TestClock(T0));

        Assert.Equal(19, await backfill.BackfillAsync(100, TimeSpan.FromMinutes(1), CancellationToken.None));

        var item = (await _dynamo.GetItemAsync(_table, Key("st-14"))).Item;
        Assert.Equal("RELEASES#STATUS#Cancelled", item[TableSchema.Gsi3PartitionKey].S);
    }

    private static Dictionary<string, AttributeValue> Key(string id) =>
        new() { [TableSchema.PartitionKey] = new($"RELEASE#{id}"), [TableSchema.SortKey] = new("RELEASE") };

    /// <summary>The table as the previous version left it: no marker, no release with the index keys.</summary>
    private async Task MakeItLookUpgradedAsync()
    {
        await _dynamo.DeleteItemAsync(_table, new() { [TableSchema.PartitionKey] = new(ReleaseStatusIndex.MarkerKey), [TableSchema.SortKey] = new("SCHEMA") });
        for (var i = 0; i < 20; i++)
        {
            await StripAsync($"st-{i}", bumpRevision: false);
        }
    }

    private Task StripAsync(string id, bool bumpRevision) => _dynamo.UpdateItemAsync(new UpdateItemRequest
    {
        TableName = _table,
        Key = Key(id),
        UpdateExpression = "REMOVE GSI3PK, GSI3SK" + (bumpRevision ? " SET rev = rev + :one" : ""),
        ExpressionAttributeValues = bumpRevision ? new() { [":one"] = new AttributeValue { N = "1" } } : null,
    });

    /// <summary>Runs <paramref name="race"/> just before the backfill's write of one release: someone wrote it since the backfill read it.</summary>
    private sealed class RacingDynamo(string serviceUrl, string partition, Func<Task> race)
        : AmazonDynamoDBClient(LocalAws.Credentials, new AmazonDynamoDBConfig { ServiceURL = serviceUrl, AuthenticationRegion = LocalAws.Region })
    {
        public override async Task<UpdateItemResponse> UpdateItemAsync(UpdateItemRequest request, CancellationToken cancellationToken = default)
        {
            if (request.Key[TableSchema.PartitionKey].S == partition)
            {
                await race();
            }
            return await base.UpdateItemAsync(request, cancellationToken);
        }
    }
}
