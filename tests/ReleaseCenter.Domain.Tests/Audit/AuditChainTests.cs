using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 14, 1, 13, TimeSpan.Zero);

    private static AuditRecord Record(string action = "release.approved", IReadOnlyDictionary<string, string>? details = null) =>
        new("payments", "alice", action, "release/rel-01", details ?? new Dictionary<string, string> { ["environment"] = "prod", ["comment"] = "ok" });

    [Fact]
    public void GenesisHash_IsSha256PrefixAnd64Zeros()
    {
        Assert.Equal("sha256:" + new string('0', 64), AuditChain.GenesisHash);
        Assert.Equal(AuditChain.GenesisHash, AuditHead.Empty.Hash);
        Assert.Equal(0, AuditHead.Empty.Seq);
    }

    [Fact]
    public void Canonical_SortsKeysAtEveryLevel_AndLeavesOutTheHash()
    {
        var entry = AuditChain.Seal(Record(details: new Dictionary<string, string> { ["zeta"] = "1", ["alpha"] = "2", ["Beta"] = "3" }), AuditHead.Empty, T0);

        var canonical = AuditChain.Canonical(entry);

        Assert.Equal(
            """{"action":"release.approved","actor":"alice","at":"2026-11-22T14:01:13.000Z","details":{"Beta":"3","alpha":"2","zeta":"1"},"previousHash":"sha256:0000000000000000000000000000000000000000000000000000000000000000","project":"payments","seq":1,"subject":"release/rel-01"}""",
            canonical);
        using var doc = JsonDocument.Parse(canonical); // and it is JSON
        Assert.DoesNotContain("\"hash\"", canonical, StringComparison.Ordinal);
    }

    [Fact]
    public void Canonical_EscapesOnlyQuotesBackslashesAndControlCharacters()
    {
        var entry = AuditChain.Seal(Record(details: new Dictionary<string, string> { ["note"] = "a\"b\\c\nd\u0001é<+>€😀" }), AuditHead.Empty, T0);

        Assert.Contains("""
            "note":"a\"b\\c\nd\u0001é<+>€😀"
            """, AuditChain.Canonical(entry), StringComparison.Ordinal);
    }

    [Fact]
    public void Hash_IsSha256OfPreviousHashNewlineCanonical()
    {
        var entry = AuditChain.Seal(Record(), AuditHead.Empty, T0);

        var expected = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(AuditChain.GenesisHash + "\n" + AuditChain.Canonical(entry))));
        Assert.Equal(expected, entry.Hash);
        Assert.Matches("^sha256:[0-9a-f]{64}$", entry.Hash);
    }

    [Fact]
    public void Hash_DoesNotDependOnTheOrderDetailsWereGivenIn()
    {
        var a = AuditChain.Seal(Record(details: new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" }), AuditHead.Empty, T0);
        var b = AuditChain.Seal(Record(details: new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" }), AuditHead.Empty, T0);
        Assert.Equal(a.Hash, b.Hash);
    }

    [Fact]
    public void Seal_NumbersAfterTheHead_LinksToIt_AndTruncatesTimeToMilliseconds()
    {
        var first = AuditChain.Seal(Record(), AuditHead.Empty, T0);
        var second = AuditChain.Seal(Record(), new AuditHead(first.Seq, first.Hash), T0.AddTicks(12_345_678).ToOffset(TimeSpan.FromHours(2)));

        Assert.Equal(1, first.Seq);
        Assert.Equal(AuditChain.GenesisHash, first.PreviousHash);
        Assert.Equal(2, second.Seq);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(T0.AddMilliseconds(1234), second.At);
        Assert.Equal(TimeSpan.Zero, second.At.Offset);
        Assert.NotEqual(first.Hash, second.Hash);
    }

    [Theory]
    [InlineData("project", "Payments")]
    [InlineData("actor", "")]
    [InlineData("actor", "al\nice")]
    [InlineData("action", "Release Approved")]
    [InlineData("action", "release..approved")]
    [InlineData("subject", "")]
    [InlineData("details.bad key", null)]
    [InlineData("idempotencyKey", "")]
    public void Validate_NamesTheOffendingField(string field, string? value)
    {
        var record = Record();
        record = field switch
        {
            "project" => record with { Project = value! },
            "actor" => record with { Actor = value! },
            "action" => record with { Action = value! },
            "subject" => record with { Subject = value! },
            "details.bad key" => record with { Details = new Dictionary<string, string> { ["bad key"] = "v" } },
            _ => record with { IdempotencyKey = value },
        };

        var ex = Assert.Throws<DomainValidationException>(() => AuditChain.Validate(record));
        Assert.Equal([field], ex.Errors.ToDictionary().Keys);
    }

    [Fact]
    public void Validate_RejectsALoneSurrogate_WhichHasNoUtf8Form()
    {
        var lone = new string('\ud800', 1);
        var ex = Assert.Throws<DomainValidationException>(() => AuditChain.Validate(Record(details: new Dictionary<string, string> { ["note"] = "a" + lone })));
        Assert.Equal(["details.note"], ex.Errors.ToDictionary().Keys);
    }

    [Fact]
    public void Validate_AcceptsAWellFormedRecord()
    {
        AuditChain.Validate(Record() with { IdempotencyKey = "arn:aws:states:us-east-1:1:execution:release:rel-01#approve-prod" });
        AuditChain.Validate(Record(action: "deployment.succeeded", details: new Dictionary<string, string>()));
    }
}
