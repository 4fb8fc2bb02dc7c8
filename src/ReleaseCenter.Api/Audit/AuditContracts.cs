using System.Text.Json;
using System.Text.Json.Serialization;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Api.Audit;

/// <summary>An entry as api.md shows it. With the same members and timestamp precision as the canonical form, so an export can be re-hashed.</summary>
public sealed record AuditEntryDto(
    string Project, long Seq, DateTimeOffset At, string Actor, string Action, string Subject, IReadOnlyDictionary<string, string> Details,
    string Hash, string PreviousHash)
{
    public static AuditEntryDto From(AuditEntry e) => new(e.Project, e.Seq, e.At, e.Actor, e.Action, e.Subject, e.Details, e.Hash, e.PreviousHash);
}

/// <param name="AnchorsChecked">Anchors (chain heads kept in the Object Lock bucket) checked against the chain after it verified.</param>
/// <param name="Anchor">The anchor the chain contradicts, when that is why it is invalid.</param>
public sealed record AuditVerificationDto(bool Valid, long EntriesChecked, long? FirstInvalidSeq, string? Project, string? Reason, long AnchorsChecked = 0,
    string? Anchor = null)
{
    public static AuditVerificationDto From(AuditVerification v) => new(v.Valid, v.EntriesChecked, v.FirstInvalidSeq, v.Project, v.Reason, v.AnchorsChecked, v.Anchor);
}

/// <summary>The audit routes' wire types, source-generated for Native AOT, with the options of <see cref="ApiJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(AuditEntryDto))]
[JsonSerializable(typeof(PageDto<AuditEntryDto>))]
[JsonSerializable(typeof(AuditVerificationDto))]
public sealed partial class AuditJsonContext : JsonSerializerContext;
