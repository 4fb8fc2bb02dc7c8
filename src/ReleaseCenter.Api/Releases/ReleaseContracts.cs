using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Releases;

public sealed record CreateReleaseRequest(string? Model, int? Version, List<string>? Environments, string? Notes);

public sealed record ReleaseAcceptedDto(string Id, ReleaseStatus Status, string? ExecutionArn, string BundleDigest);

/// <summary>A vote. bundleDigest and evaluationDigest name the evidence the reviewer judged (from GET /v1/releases/{id}); a vote on stale evidence is refused with 409.</summary>
public sealed record DecisionRequest(string? Decision, string? Comment, string? BundleDigest, string? EvaluationDigest);

public sealed record CancelRequest(string? Reason);

public sealed record ReleaseDto(
    string Id, string Model, int Version, Bundle? Bundle, ReleaseStatus Status, IReadOnlyList<ReleaseStage> Stages, string? Notes,
    string RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? ExecutionArn)
{
    public static ReleaseDto From(Release r) => new(r.Id, r.Model, r.Version, r.Bundle, r.Status, r.Stages, r.Notes, r.RequestedBy, r.CreatedAt, r.UpdatedAt,
        r.ExecutionArn)
    {
        AlsoRequestedBy = r.AlsoRequestedBy,
        Policy = r.Policy is { } pin ? Policies.PolicyPinDto.From(pin) : null,
        Template = r.Template is { } template ? TemplateUseDto.From(template) : null,
    };

    /// <summary>The release template it was requested from, as it was then (absent: requested without one).</summary>
    public TemplateUseDto? Template { get; init; }

    /// <summary>The policy versions the release runs under, recorded when it was requested (absent for releases requested before policies were versioned).</summary>
    public Policies.PolicyPinDto? Policy { get; init; }

    /// <summary>People who count as requesters too, and so may not approve (for a retrained release: who submitted the drift report, who set the retraining policy).</summary>
    public IReadOnlyList<string> AlsoRequestedBy { get; init; } = [];
}

public sealed record HistoryDto(string ReleaseId, IReadOnlyList<HistoryItem> Items);

public sealed record PendingApprovalsDto(IReadOnlyList<PendingApproval> Items);
