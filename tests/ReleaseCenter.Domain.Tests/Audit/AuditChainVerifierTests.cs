using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Domain.Tests.Audit;

public sealed class AuditChainVerifierTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A genuine chain of <paramref name="count"/> entries, as the log appends them.</summary>
    private static List<AuditEntry> Chain(int count, string project = "payments")
    {
        var entries = new List<AuditEntry>();
        var head = AuditHead.Empty;
        for (var i = 0; i < count; i++)
        {
            var entry = AuditChain.Seal(new AuditRecord(project, "alice", "release.approved", $"release/rel-{i:D2}",
                new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }), head, T0.AddMinutes(i));
            entries.Add(entry);
            head = new AuditHead(entry.Seq, entry.Hash);
        }
        return entries;
    }

    private static AuditHead HeadOf(List<AuditEntry> entries) => new(entries[^1].Seq, entries[^1].Hash);

    [Fact]
    public void GenuineChain_IsValid_AndEveryEntryIsChecked()
    {
        var chain = Chain(5);

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.True(result.Valid, result.Reason);
        Assert.Equal(5, result.EntriesChecked);
        Assert.Null(result.FirstInvalidSeq);
        Assert.Null(result.Reason);
    }

    [Fact]
    public void EmptyChain_WithEmptyHead_IsValid()
    {
        var result = AuditChainVerifier.Verify([], AuditHead.Empty, "payments");
        Assert.True(result.Valid);
        Assert.Equal(0, result.EntriesChecked);
    }

    [Fact]
    public void ModifiedEntry_IsReportedAtItsSeq()
    {
        var chain = Chain(5);
        chain[2] = chain[2] with { Details = new Dictionary<string, string> { ["n"] = "changed" } };

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
        Assert.Equal(2, result.EntriesChecked);
        Assert.Contains("modified", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("actor")]
    [InlineData("at")]
    [InlineData("action")]
    [InlineData("subject")]
    [InlineData("project")]
    public void AnyChangedMember_BreaksTheChainAtThatEntry(string member)
    {
        var chain = Chain(4);
        chain[1] = member switch
        {
            "actor" => chain[1] with { Actor = "mallory" },
            "at" => chain[1] with { At = chain[1].At.AddMilliseconds(1) },
            "action" => chain[1] with { Action = "release.rejected" },
            "subject" => chain[1] with { Subject = "release/rel-99" },
            _ => chain[1] with { Project = "other" },
        };

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.False(result.Valid);
        Assert.Equal(2, result.FirstInvalidSeq);
    }

    [Fact]
    public void DeletedEntry_IsReportedAsAGapAtItsSeq()
    {
        var chain = Chain(5);
        var head = HeadOf(chain);
        chain.RemoveAt(2);

        var result = AuditChainVerifier.Verify(chain, head, "payments");

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
        Assert.Contains("missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void DeletedLastEntry_IsCaughtByTheHead()
    {
        var chain = Chain(5);
        var head = HeadOf(chain);
        chain.RemoveAt(4);

        Assert.True(AuditChainVerifier.Verify(chain).Valid); // the links alone cannot see a shortened tail
        var result = AuditChainVerifier.Verify(chain, head, "payments");

        Assert.False(result.Valid);
        Assert.Equal(5, result.FirstInvalidSeq);
        Assert.Equal(4, result.EntriesChecked);
    }

    [Fact]
    public void InsertedEntry_WithADuplicateSeq_IsReported()
    {
        var chain = Chain(5);
        var forged = chain[2] with { Actor = "mallory" };
        forged = forged with { Hash = AuditChain.ComputeHash(forged) }; // a forger can recompute its own hash
        chain.Insert(3, forged);

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
    }

    [Fact]
    public void InsertedEntry_ThatTakesANumber_BreaksTheLinkOfTheEntryAfterIt()
    {
        // The forger inserts a well-formed entry 3 linked to entry 2 and renumbers the rest: entry 3 checks out,
        // but the old entry 3 (now 4) still links to entry 2.
        var chain = Chain(5);
        var forged = AuditChain.Seal(new AuditRecord("payments", "mallory", "release.approved", "release/rel-66"), new AuditHead(2, chain[1].Hash), T0);
        var renumbered = chain.Take(2).Append(forged).Concat(chain.Skip(2).Select(e => e with { Seq = e.Seq + 1 })).ToList();

        var result = AuditChainVerifier.Verify(renumbered, null, "payments");

        Assert.False(result.Valid);
        Assert.Equal(4, result.FirstInvalidSeq);
        Assert.Equal(3, result.EntriesChecked);
    }

    [Fact]
    public void AppendedEntry_BeyondTheHead_IsReported()
    {
        var chain = Chain(3);
        var head = HeadOf(chain);
        chain.Add(AuditChain.Seal(new AuditRecord("payments", "mallory", "release.approved", "release/rel-66"), head, T0));

        var result = AuditChainVerifier.Verify(chain, head, "payments");

        Assert.False(result.Valid);
        Assert.Equal(4, result.FirstInvalidSeq);
        Assert.Equal(3, result.EntriesChecked);
    }

    [Fact]
    public void ReorderedEntries_AreReported()
    {
        var chain = Chain(5);
        (chain[2], chain[3]) = (chain[3], chain[2]);

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
    }

    [Fact]
    public void SwappedContent_KeepingTheSeqs_IsReportedAtTheFirstOfThePair()
    {
        var chain = Chain(5);
        var (third, fourth) = (chain[2], chain[3]);
        chain[2] = fourth with { Seq = 3 };
        chain[3] = third with { Seq = 4 };

        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "payments");

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
        Assert.Contains("does not link", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void FirstEntry_NotFromGenesis_IsReported()
    {
        var chain = Chain(2);
        chain[0] = chain[0] with { PreviousHash = chain[1].Hash };
        chain[0] = chain[0] with { Hash = AuditChain.ComputeHash(chain[0]) };

        var result = AuditChainVerifier.Verify(chain, null, "payments");

        Assert.False(result.Valid);
        Assert.Equal(1, result.FirstInvalidSeq);
        Assert.Contains("genesis", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void EntryOfAnotherProject_IsReported()
    {
        var chain = Chain(2, "payments");
        var result = AuditChainVerifier.Verify(chain, HeadOf(chain), "lending");
        Assert.False(result.Valid);
        Assert.Equal(1, result.FirstInvalidSeq);
        Assert.Equal("lending", result.Project);
    }

    [Fact]
    public void HeadWithAnotherHash_IsReportedAtTheLastEntry()
    {
        var chain = Chain(3);
        var result = AuditChainVerifier.Verify(chain, new AuditHead(3, chain[1].Hash), "payments");
        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSeq);
    }

    [Fact]
    public void AfterTheFirstBreak_LaterEntriesAreIgnored()
    {
        var chain = Chain(5);
        var verifier = new AuditChainVerifier("payments");
        Assert.True(verifier.Accept(chain[0]));
        Assert.False(verifier.Accept(chain[2]));
        Assert.False(verifier.Accept(chain[1]));
        Assert.True(verifier.Failed);
        Assert.Equal(2, verifier.Complete(HeadOf(chain)).FirstInvalidSeq);
    }

    [Fact]
    public void RejectedUnreadableItem_IsTheBreak_AtTheEarliestSeqItCouldBe()
    {
        var chain = Chain(3);
        var verifier = new AuditChainVerifier("payments");
        verifier.Accept(chain[0]);
        verifier.Reject(long.MaxValue, "not an entry");
        var result = verifier.Complete(HeadOf(chain));
        Assert.False(result.Valid);
        Assert.Equal(2, result.FirstInvalidSeq);
        Assert.Equal("not an entry", result.Reason);
    }
}
