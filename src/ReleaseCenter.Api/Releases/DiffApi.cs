using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Policies;

namespace ReleaseCenter.Api.Releases;

/// <summary>One side of a diff: which release, which model version, which bundle.</summary>
public sealed record DiffSideDto(string Release, string Model, int Version, string BundleDigest);

/// <summary>
/// GET /v1/releases/{id}/diff: <see cref="From"/> is the baseline (the <c>against</c> release, or
/// what is live in <see cref="Environment"/>), <see cref="To"/> is release {id}.
/// </summary>
public sealed record ReleaseDiffDto(
    DiffSideDto From,
    DiffSideDto To,
    string Against,
    string? Environment,
    bool Identical,
    IReadOnlyList<MetricDiff> Metrics,
    IReadOnlyList<ValueChange> Hyperparameters,
    IReadOnlyList<DatasetChange> Datasets,
    InferenceConfigDiff InferenceConfig,
    ArtifactDiff Artifact,
    ImageDiff Image,
    DiffSummary Summary)
{
    public static ReleaseDiffDto Create(DiffSideDto from, DiffSideDto to, string against, string? environment, ReleaseDiff d) => new(
        from, to, against, environment, d.Identical, d.Metrics, d.Hyperparameters, d.Datasets, d.InferenceConfig, d.Artifact, d.Image, d.Summary);
}

/// <summary>The diff route's wire types, source-generated for Native AOT, with the options of <see cref="ApiJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(ReleaseDiffDto))]
public sealed partial class DiffJsonContext : JsonSerializerContext;

/// <summary>The metric-aware release diff of api.md.</summary>
public static class DiffApi
{
    public static RouteHandlerBuilder MapDiffApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/releases/{id}/diff", Diff).WithTags("Releases").RequireAuthorization(Roles.CanRead)
            .WithSummary("Compare release {id} with another release (against=<releaseId>) or with what is live (against=live&environment=<env>)");

    private static async Task<Results<Ok<ReleaseDiffDto>, ValidationProblem, ProblemHttpResult>> Diff(
        string id, string? against, string? environment, IRegistryStore store, IWorkflowStore workflow, EnvironmentPolicies policies,
        PolicyService policyService, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(against))
        {
            return JsonBody.Invalid("against", "is required: a release id, or 'live' (with environment).");
        }
        EnvironmentPolicy? policy = null;
        if (environment is not null && (policy = policies.Find(environment)) is null)
        {
            return JsonBody.Invalid("environment", $"must be one of {string.Join(", ", policies.All.Select(p => p.Name))}.");
        }
        var live = against == "live";
        if (live && policy is null)
        {
            return JsonBody.Invalid("environment", "is required with against=live.");
        }

        if (await store.GetReleaseAsync(id, ct).ConfigureAwait(false) is not { } to)
        {
            return Problems.NotFound($"Release '{id}' does not exist.");
        }
        if (to.Bundle is null)
        {
            return Problems.Conflict($"Release '{id}' has no frozen bundle to compare.");
        }

        Release? from;
        if (live)
        {
            if (await workflow.GetLiveAsync(policy!.Name, to.Model, ct).ConfigureAwait(false) is not { } deployment)
            {
                return Problems.NotFound($"Nothing of model '{to.Model}' is live in '{policy.Name}'.");
            }
            from = await store.GetReleaseAsync(deployment.ReleaseId, ct).ConfigureAwait(false);
            if (from is null)
            {
                return Problems.NotFound($"The live release '{deployment.ReleaseId}' in '{policy.Name}' does not exist.");
            }
        }
        else if ((from = await store.GetReleaseAsync(against, ct).ConfigureAwait(false)) is null)
        {
            return Problems.NotFound($"Release '{against}' does not exist.");
        }
        if (from.Bundle is null)
        {
            return Problems.Conflict($"Release '{from.Id}' has no frozen bundle to compare.");
        }

        var fromMetrics = await MetricsAsync(store, from.Bundle, ct).ConfigureAwait(false);
        var toMetrics = await MetricsAsync(store, to.Bundle, ct).ConfigureAwait(false);
        // Judged by the policy the newer side was released under (its recorded versions): a model's own gate names its metrics.
        var (directions, gate) = await policyService.DiffJudgeAsync(to.Model, to, policy?.Name, ct).ConfigureAwait(false);
        var diff = ReleaseDiff.Compare(from.Bundle, fromMetrics, to.Bundle, toMetrics, directions, ReleaseDiff.DefaultRelativeTolerance, gate);
        return TypedResults.Ok(ReleaseDiffDto.Create(Side(from), Side(to), against, policy?.Name, diff));
    }

    private static DiffSideDto Side(Release r) => new(r.Id, r.Bundle!.Model, r.Bundle.Version, r.Bundle.Digest);

    private static async Task<IReadOnlyDictionary<string, double>> MetricsAsync(IRegistryStore store, Bundle bundle, CancellationToken ct) =>
        (await store.GetVersionAsync(bundle.Model, bundle.Version, ct).ConfigureAwait(false))?.Metrics ?? new Dictionary<string, double>();
}
