using Amazon.DynamoDBv2;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Audit;

[Collection("emulator")]
public sealed class DynamoAuditLogTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private AmazonDynamoDBClient _dynamo = null!;
    private DynamoAuditLog _log = null!;
    private Tamper _tamper = null!;

    public async Task InitializeAsync()
    {
        _dynamo = LocalAws.CreateDynamoDbClient(emulator.ServiceUrl);
        var table = emulator.UniqueName("audit");
        await TableProvisioner.EnsureTableAsync(_dynamo, table, CancellationToken.None);
        _log = new DynamoAuditLog(_dynamo, table);
        _tamper = new Tamper(_dynamo, table);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    private static AuditRecord Record(string project, int n, string? key = null) =>
        new(project, "alice", "release.approved", $"release/rel-{n:D2}",
            new Dictionary<string, string> { ["n"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture), ["environment"] = "prod" }, key);

    private async Task<List<AuditEntry>> AppendAsync(string project, int count)
    {
        var entries = new List<AuditEntry>();
        for (var i = 1; i <= count; i++)
        {
            entries.Add(await _log.AppendAsync(Record(project, i), CancellationToken.None));
        }
        return entries;
    }

    private Task<AuditVerification> VerifyAsync(string project) => _log.VerifyAsync(project, CancellationToken.None);

    [Fact]
    public async Task ConcurrentAppends_ToOneProject_LeaveAGaplessChain_ThatVerifies()
    {
        const int writers = 20;

        var results = await Task.WhenAll(Enumerable.Range(1, writers)
            .Select(i => Task.Run(() => _log.AppendAsync(Record("racy", i), CancellationToken.None))));

        Assert.Equal(Enumerable.Range(1, writers).Select(i => (long)i), results.Select(e => e.Seq).Order());
        var verification = await VerifyAsync("racy");
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(writers, verification.EntriesChecked);
        // Every writer's own record is in the chain under the seq it was told.
        var stored = new List<AuditEntry>();
        await foreach (var page in _log.ExportAsync(new AuditFilter(), CancellationToken.None))
        {
            stored.AddRange(page.Where(e => e.Project == "racy"));
        }
        Assert.Equal(results.OrderBy(e => e.Seq).Select(e => (e.Seq, e.Subject, e.Hash)), stored.OrderBy(e => e.Seq).Select(e => (e.Seq, e.Subject, e.Hash)));
    }

    [Fact]
    public async Task FirstEntry_StartsFromGenesis_AndEachLinksToTheOneBefore()
    {
        var entries = await AppendAsync("links", 3);

        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Seq));
        Assert.Equal(AuditChain.GenesisHash, entries[0].PreviousHash);
        Assert.Equal(entries[0].Hash, entries[1].PreviousHash);
        Assert.Equal(entries[1].Hash, entries[2].PreviousHash);
        Assert.All(entries, e => Assert.Equal(AuditChain.ComputeHash(e), e.Hash));
    }

    [Fact]
    public async Task IdempotencyKey_AppendedTwice_ReturnsTheFirstEntry_AndWritesNothing()
    {
        await AppendAsync("retries", 2);
        var first = await _log.AppendAsync(Record("retries", 3, "exec-1#approve-prod"), CancellationToken.None);
        var again = await _log.AppendAsync(Record("retries", 3, "exec-1#approve-prod"), CancellationToken.None);

        Assert.Equal(first, again with { Details = first.Details });
        Assert.Equal(first.Details, again.Details);
        var verification = await VerifyAsync("retries");
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(3, verification.EntriesChecked);
    }

    [Fact]
    public async Task IdempotencyKey_AppendedConcurrently_YieldsOneEntry()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => _log.AppendAsync(Record("retries-racy", 1, "exec-2#deploy-prod"), CancellationToken.None))));

        Assert.Single(results.Select(e => (e.Seq, e.Hash)).Distinct());
        var verification = await VerifyAsync("retries-racy");
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(1, verification.EntriesChecked);
    }

    [Fact]
    public async Task IdempotencyKey_ReusedForAnotherAction_IsAConflict()
    {
        await _log.AppendAsync(Record("reuse", 1, "exec-3#x"), CancellationToken.None);

        await Assert.ThrowsAsync<ConflictException>(() =>
            _log.AppendAsync(Record("reuse", 1, "exec-3#x") with { Action = "release.rejected" }, CancellationToken.None));
        Assert.Equal(1, (await VerifyAsync("reuse")).EntriesChecked);
    }

    [Fact]
    public async Task InvalidRecord_IsRejected_BeforeAnythingIsWritten()
    {
        await Assert.ThrowsAsync<ReleaseCenter.Domain.Validation.DomainValidationException>(() =>
            _log.AppendAsync(Record("Bad Project", 1), CancellationToken.None));
    }

    [Fact]
    public async Task EmptyChain_IsValid()
    {
        var verification = await VerifyAsync("nobody-here");
        Assert.True(verification.Valid);
        Assert.Equal(0, verification.EntriesChecked);
    }

    [Fact]
    public async Task ModifiedDetails_AreReportedAtThatSeq()
    {
        await AppendAsync("tamper-modify", 5);
        await _tamper.ChangeDetailAsync("tamper-modify", 3, "environment", "staging");

        var verification = await VerifyAsync("tamper-modify");

        Assert.False(verification.Valid);
        Assert.Equal(3, verification.FirstInvalidSeq);
        Assert.Equal(2, verification.EntriesChecked);
        Assert.Equal("tamper-modify", verification.Project);
    }

    [Fact]
    public async Task DeletedEntry_IsReportedAtItsSeq()
    {
        await AppendAsync("tamper-delete", 5);
        await _tamper.DeleteAsync("tamper-delete", 2);

        var verification = await VerifyAsync("tamper-delete");

        Assert.False(verification.Valid);
        Assert.Equal(2, verification.FirstInvalidSeq);
    }

    [Fact]
    public async Task DeletedLastEntry_IsReportedAtItsSeq()
    {
        await AppendAsync("tamper-tail", 4);
        await _tamper.DeleteAsync("tamper-tail", 4);

        var verification = await VerifyAsync("tamper-tail");

        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstInvalidSeq);
        Assert.Equal(3, verification.EntriesChecked);
    }

    [Fact]
    public async Task ForgedEntry_InsertedBetweenTwo_IsReported()
    {
        var entries = await AppendAsync("tamper-insert", 5);
        // A well-formed entry 4 that links to entry 3, slotted in before the real entry 4.
        var forged = AuditChain.Seal(new AuditRecord("tamper-insert", "mallory", "release.approved", "release/rel-66"),
            new AuditHead(3, entries[2].Hash), T0);
        await _tamper.PutForgedAsync(forged, Tamper.Sk(3) + "x");

        var verification = await VerifyAsync("tamper-insert");

        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstInvalidSeq);
        Assert.Equal(4, verification.EntriesChecked);
    }

    [Fact]
    public async Task ForgedEntry_AppendedAfterTheLast_IsReported()
    {
        var entries = await AppendAsync("tamper-append", 3);
        var forged = AuditChain.Seal(new AuditRecord("tamper-append", "mallory", "release.approved", "release/rel-66"),
            new AuditHead(3, entries[2].Hash), T0);
        await _tamper.PutForgedAsync(forged, Tamper.Sk(4));

        var verification = await VerifyAsync("tamper-append");

        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstInvalidSeq);
        Assert.Equal(3, verification.EntriesChecked);
    }

    [Fact]
    public async Task SwappedContent_OfTwoEntries_IsReportedAtTheFirst()
    {
        await AppendAsync("tamper-swap", 5);
        await _tamper.SwapContentAsync("tamper-swap", 2, 3);

        var verification = await VerifyAsync("tamper-swap");

        Assert.False(verification.Valid);
        Assert.Equal(2, verification.FirstInvalidSeq);
        Assert.Equal(1, verification.EntriesChecked);
    }

    [Fact]
    public async Task UnreadableItem_InTheChain_IsReported_NotThrown()
    {
        await AppendAsync("tamper-garbage", 3);
        await _dynamo.PutItemAsync(new Amazon.DynamoDBv2.Model.PutItemRequest
        {
            TableName = _log.TableName,
            Item = new()
            {
                ["PK"] = new() { S = "AUDIT#tamper-garbage" },
                ["SK"] = new() { S = Tamper.Sk(2) },
                ["note"] = new() { S = "overwritten" },
            },
        });

        var verification = await VerifyAsync("tamper-garbage");

        Assert.False(verification.Valid);
        Assert.Equal(2, verification.FirstInvalidSeq);
    }

    [Fact]
    public async Task VerifyEverything_WalksEveryProject_AndReportsTheBrokenOne()
    {
        // Own table: the other tests of this class leave broken chains behind.
        var table = emulator.UniqueName("audit-all");
        await TableProvisioner.EnsureTableAsync(_dynamo, table, CancellationToken.None);
        var log = new DynamoAuditLog(_dynamo, table);
        foreach (var (project, count) in new[] { ("alpha", 2), ("beta", 3), ("gamma", 1) })
        {
            for (var i = 1; i <= count; i++)
            {
                await log.AppendAsync(Record(project, i), CancellationToken.None);
            }
        }

        var valid = await log.VerifyAsync(null, CancellationToken.None);
        Assert.True(valid.Valid, valid.Reason);
        Assert.Equal(6, valid.EntriesChecked);
        Assert.Null(valid.Project);

        await new Tamper(_dynamo, table).ChangeDetailAsync("beta", 2, "n", "9");
        var invalid = await log.VerifyAsync(null, CancellationToken.None);
        Assert.False(invalid.Valid);
        Assert.Equal("beta", invalid.Project);
        Assert.Equal(2, invalid.FirstInvalidSeq);
        Assert.Equal(2 + 1, invalid.EntriesChecked); // alpha's two, beta's first
    }

    [Fact]
    public async Task Export_HandsOverBoundedPages_OldestFirst()
    {
        var table = emulator.UniqueName("audit-export");
        await TableProvisioner.EnsureTableAsync(_dynamo, table, CancellationToken.None);
        var clock = new TestClock(T0);
        var log = new DynamoAuditLog(_dynamo, table, clock);
        const int count = DynamoAuditLog.ExportPageSize * 2 + 7;
        for (var i = 1; i <= count; i++)
        {
            clock.Now = T0.AddSeconds(i);
            await log.AppendAsync(Record(i % 2 == 0 ? "even" : "odd", i), CancellationToken.None);
        }

        var pages = new List<int>();
        var times = new List<DateTimeOffset>();
        await foreach (var page in log.ExportAsync(new AuditFilter(), CancellationToken.None))
        {
            pages.Add(page.Count);
            times.AddRange(page.Select(e => e.At));
        }

        Assert.All(pages, size => Assert.InRange(size, 1, DynamoAuditLog.ExportPageSize));
        Assert.Equal(count, pages.Sum());
        Assert.Equal(times.Order(), times);

        var ranged = new List<AuditEntry>();
        await foreach (var page in log.ExportAsync(new AuditFilter(T0.AddSeconds(10), T0.AddSeconds(19)), CancellationToken.None))
        {
            ranged.AddRange(page);
        }
        Assert.Equal(Enumerable.Range(10, 10).Select(i => T0.AddSeconds(i)), ranged.Select(e => e.At));
    }
}
