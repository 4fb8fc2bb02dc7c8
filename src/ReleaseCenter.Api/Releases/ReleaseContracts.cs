using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Releases;

public sealed record CreateReleaseRequest(string? Model, int? Version, List<string>? Environments, string? Notes);

public sealed record ReleaseAcceptedDto(string Id, ReleaseStatus Status, string? ExecutionArn, string BundleDigest);

public sealed record DecisionRequest(string? Decision, string? Comment);

public sealed record CancelRequest(string? Reason);

public sealed record ReleaseDto(
    string Id, string Model, int Version, Bundle? Bundle, ReleaseStatus Status, IReadOnlyList<ReleaseStage> Stages, string? Notes,
    string RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? ExecutionArn)
{
    public static ReleaseDto From(Release r) => new(r.Id, r.Model, r.Version, r.Bundle, r.Status, r.Stages, r.Notes, r.RequestedBy, r.CreatedAt, r.UpdatedAt,
        r.ExecutionArn);
}

public sealed record HistoryDto(string ReleaseId, IReadOnlyList<HistoryItem> Items);
