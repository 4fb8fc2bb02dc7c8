using Amazon.DynamoDBv2;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Store;

[Collection("emulator")]
public sealed class DynamoRegistryStoreTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private AmazonDynamoDBClient _dynamo = null!;
    private DynamoRegistryStore _store = null!;

    public async Task InitializeAsync()
    {
        _dynamo = LocalAws.CreateDynamoDbClient(emulator.ServiceUrl);
        var table = emulator.UniqueName("store");
        await TableProvisioner.EnsureTableAsync(_dynamo, table, CancellationToken.None);
        _store = new DynamoRegistryStore(_dynamo, table);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    private static ModelVersion Draft(string model, double auc) =>
        ModelVersion.Create(model, new ModelVersionDraft("s3://b/m", Digest, Metrics: new Dictionary<string, double> { ["auc"] = auc }), "alice", T0);

    private async Task<Model> NewModelAsync(string name)
    {
        var model = Model.Create(new ModelDraft(name, "payments"), "alice", T0);
        await _store.CreateModelAsync(model, CancellationToken.None);
        return model;
    }

    [Fact]
    public async Task ConcurrentVersionRegistrations_GetDistinctGaplessNumbers_AndNoneIsLost()
    {
        await NewModelAsync("racy");
        const int writers = 10;

        var results = await Task.WhenAll(Enumerable.Range(0, writers)
            .Select(i => Task.Run(() => _store.AddVersionAsync(Draft("racy", 0.5 + (i / 100.0)), CancellationToken.None))));

        Assert.Equal(Enumerable.Range(1, writers), results.Select(v => v.Version).Order());
        var stored = await _store.ListVersionsAsync("racy", 100, null, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, writers), stored.Items.Select(v => v.Version));
        // Each stored version holds the content its own writer sent.
        Assert.Equal(results.OrderBy(r => r.Version).Select(r => r.Metrics["auc"]), stored.Items.Select(v => v.Metrics["auc"]));
        Assert.Equal(writers, (await _store.GetModelAsync("racy", CancellationToken.None))!.LatestVersion);
    }

    [Fact]
    public async Task AddVersion_ToAMissingModel_Throws()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => _store.AddVersionAsync(Draft("nobody", 0.9), CancellationToken.None));
    }

    [Fact]
    public async Task Version_RoundTripsEveryField()
    {
        await NewModelAsync("roundtrip");
        using var doc = System.Text.Json.JsonDocument.Parse("""{"lr":0.05,"opt":"adam","deep":true}""");
        var draft = ModelVersion.Create("roundtrip", new ModelVersionDraft("s3://b/m", Digest, "pytorch", "123.dkr.ecr/img:1", "run-42",
            [new DatasetRef("train", "s3://d/t", Digest)],
            doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()),
            new Dictionary<string, double> { ["auc"] = 0.1 + 0.2 },
            new InferenceConfig("ml.g5.xlarge", 2)), "alice", T0);

        var written = await _store.AddVersionAsync(draft, CancellationToken.None);
        var read = (await _store.GetVersionAsync("roundtrip", written.Version, CancellationToken.None))!;

        Assert.Equal(0.1 + 0.2, read.Metrics["auc"]); // exact double round-trip
        Assert.Equal(["deep", "lr", "opt"], read.Hyperparameters.Keys);
        Assert.Equal("adam", read.Hyperparameters["opt"].GetString());
        Assert.Equal(new InferenceConfig("ml.g5.xlarge", 2), read.InferenceConfig);
        Assert.Equal(draft.Datasets.Single(), read.Datasets.Single());
        Assert.Equal(("pytorch", "123.dkr.ecr/img:1", "run-42"), (read.Framework, read.Image, read.TrainingRun));
        Assert.Equal(T0, read.CreatedAt);
    }

    [Fact]
    public async Task ReleaseUpdate_WithAStaleRevision_IsRefused_AndTheWinnerStays()
    {
        var release = Release.Create("rel-occ", "fraud", 1, null, null, "alice", T0);
        await _store.CreateReleaseAsync(release, CancellationToken.None);

        var winner = await _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Evaluating, T0), 0, CancellationToken.None);
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            _store.UpdateReleaseAsync(release.MoveTo(ReleaseStatus.Cancelled, T0), 0, CancellationToken.None));

        var stored = (await _store.GetReleaseAsync("rel-occ", CancellationToken.None))!;
        Assert.Equal(ReleaseStatus.Evaluating, stored.Status);
        Assert.Equal(1, stored.Revision);
        Assert.Equal(winner, stored with { Stages = winner.Stages, Environments = winner.Environments });
    }

    [Fact]
    public async Task CreateRelease_Twice_IsAConflict()
    {
        var release = Release.Create("rel-dupe", "fraud", 1, null, null, "alice", T0);
        await _store.CreateReleaseAsync(release, CancellationToken.None);
        await Assert.ThrowsAsync<ConflictException>(() => _store.CreateReleaseAsync(release, CancellationToken.None));
    }

    [Fact]
    public async Task Releases_ListNewestFirst_WithCursorPagination_AlsoPerModel()
    {
        for (var i = 0; i < 5; i++)
        {
            var model = i % 2 == 0 ? "even" : "odd";
            await _store.CreateReleaseAsync(Release.Create($"rel-{i}", model, 1, null, null, "alice", T0.AddMinutes(i)), CancellationToken.None);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _store.ListReleasesAsync(null, 2, cursor, CancellationToken.None);
            Assert.True(page.Items.Count <= 2);
            seen.AddRange(page.Items.Select(r => r.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        Assert.Equal(["rel-4", "rel-3", "rel-2", "rel-1", "rel-0"], seen);
        var even = await _store.ListReleasesAsync("even", 10, null, CancellationToken.None);
        Assert.Equal(["rel-4", "rel-2", "rel-0"], even.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task ACursorFromAnotherListing_IsRejected()
    {
        for (var i = 0; i < 3; i++)
        {
            await _store.CreateReleaseAsync(Release.Create($"cur-{i}", "even", 1, null, null, "alice", T0.AddMinutes(i)), CancellationToken.None);
        }
        var page = await _store.ListReleasesAsync("even", 1, null, CancellationToken.None);
        Assert.NotNull(page.NextCursor);

        await Assert.ThrowsAsync<InvalidCursorException>(() => _store.ListReleasesAsync("odd", 1, page.NextCursor, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidCursorException>(() => _store.ListModelsAsync(null, 1, page.NextCursor, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidCursorException>(() => _store.ListModelsAsync(null, 1, "%%%", CancellationToken.None));
    }
}
