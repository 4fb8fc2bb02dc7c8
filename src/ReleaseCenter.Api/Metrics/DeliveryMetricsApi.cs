using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Delivery;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Api.Metrics;

/// <summary>GET /v1/metrics/delivery: the window asked for and the figures per model and environment (definitions in docs/operations.md).</summary>
/// <param name="Project">When asked for, only the models of this project are counted.</param>
/// <param name="Series">With <c>interval</c>: the same figures per day or week of the window, oldest first (the last bucket may be shorter).</param>
public sealed record DeliveryMetricsDto(DateTimeOffset Since, DateTimeOffset Until, double Days, IReadOnlyList<DeliveryFigures> Items,
    string? Project = null, string? Interval = null, IReadOnlyList<DeliveryBucket>? Series = null);

/// <summary>The delivery figures of one bucket [since, until) of the window.</summary>
public sealed record DeliveryBucket(DateTimeOffset Since, DateTimeOffset Until, IReadOnlyList<DeliveryFigures> Items);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(DeliveryMetricsDto))]
public sealed partial class MetricsJsonContext : JsonSerializerContext;

/// <summary>Delivery metrics (deployment frequency, lead time, change failure rate, time to restore) from the deployment history and the releases.</summary>
public static class DeliveryMetricsApi
{
    /// <summary>Upper bounds on what one request reads, so a long window cannot run away.</summary>
    private const int MaxDeploymentsPerEnvironment = 2000;
    private const int MaxReleases = 2000;

    /// <summary>At most this many buckets in a series (a year of days).</summary>
    private const int MaxBuckets = 366;

    public static RouteHandlerBuilder MapDeliveryMetricsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/v1/metrics/delivery", Delivery).WithTags("Metrics").RequireAuthorization(Roles.CanRead)
            .WithSummary("Deployment frequency, lead time from registration, change failure rate and time to restore, per model and environment (default: the last 30 days); "
                + "`project` narrows to one project's models, `interval=day|week` adds the figures per bucket of the window as `series`");

    private static async Task<Results<Ok<DeliveryMetricsDto>, ValidationProblem>> Delivery(string? model, string? environment, string? since, string? until,
        string? project, string? interval, IRegistryStore registry, IWorkflowStore workflow, EnvironmentPolicies policies, TimeProvider clock, CancellationToken ct)
    {
        if (model is not null && Rules.ResourceName(model) is { } reason)
        {
            return JsonBody.Invalid("model", reason);
        }
        if (project is not null && Rules.ResourceName(project) is { } projectReason)
        {
            return JsonBody.Invalid("project", projectReason);
        }
        TimeSpan? step = interval switch
        {
            null => null,
            "day" => TimeSpan.FromDays(1),
            "week" => TimeSpan.FromDays(7),
            _ => TimeSpan.Zero,
        };
        if (step == TimeSpan.Zero)
        {
            return JsonBody.Invalid("interval", "must be day or week.");
        }
        if (environment is not null && policies.Find(environment) is null)
        {
            return JsonBody.Invalid("environment", $"must be one of {string.Join(", ", policies.All.Select(p => p.Name))}.");
        }
        if (!Problems.TryTime(since, out var from))
        {
            return JsonBody.Invalid("since", Problems.TimestampRule);
        }
        if (!Problems.TryTime(until, out var to))
        {
            return JsonBody.Invalid("until", Problems.TimestampRule);
        }
        var end = to ?? clock.GetUtcNow();
        var start = from ?? end.AddDays(-30);
        if (end <= start)
        {
            return JsonBody.Invalid("until", "must be after since.");
        }
        if (step is { } size && (end - start) / size > MaxBuckets)
        {
            return JsonBody.Invalid("interval", $"makes more than {MaxBuckets} buckets over this window; use a shorter window or a longer interval.");
        }
        HashSet<string>? projectModels = null;
        if (project is not null)
        {
            projectModels = new HashSet<string>(StringComparer.Ordinal);
            string? modelCursor = null;
            do
            {
                var page = await registry.ListModelsAsync(project, 100, modelCursor, ct).ConfigureAwait(false);
                projectModels.UnionWith(page.Items.Select(m => m.Name));
                modelCursor = page.NextCursor;
            }
            while (modelCursor is not null);
        }
        bool Counted(string m) => projectModels is null || projectModels.Contains(m);

        var environments = environment is null ? policies.All.Select(p => p.Name).ToArray() : [environment];
        var deployments = new List<LiveDeployment>();
        foreach (var env in environments)
        {
            deployments.AddRange((await workflow.ListDeploymentsAsync(env, MaxDeploymentsPerEnvironment, ct, end, model).ConfigureAwait(false))
                .Where(d => d.DeployedAt >= start.AddDays(-365) && Counted(d.Model))); // older records only serve to find when a rolled-back release went live
        }

        var attempts = new List<DeploymentAttempt>();
        string? cursor = null;
        var seen = 0;
        do
        {
            var page = await registry.ListReleasesAsync(model, 100, cursor, ct, new ReleaseFilter(Until: end)).ConfigureAwait(false);
            foreach (var release in page.Items.Where(r => Counted(r.Model)))
            {
                foreach (var stage in release.Stages.Where(s => s.Deployment is not null && environments.Contains(s.Environment)))
                {
                    attempts.Add(new DeploymentAttempt(stage.Environment, release.Model, release.Id, release.Version, stage.Deployment!.StartedAt,
                        stage.Deployment.CompletedAt, stage.Status));
                }
            }
            seen += page.Items.Count;
            cursor = page.Items.Count > 0 && page.Items[^1].CreatedAt < start ? null : page.NextCursor; // newest first: stop once older than the window
        }
        while (cursor is not null && seen < MaxReleases);

        var registered = new Dictionary<(string, int), DateTimeOffset?>();
        foreach (var (m, v) in deployments.Select(d => (d.Model, d.Version)).Distinct())
        {
            registered[(m, v)] = (await registry.GetVersionAsync(m, v, ct).ConfigureAwait(false))?.CreatedAt;
        }
        DateTimeOffset? RegisteredAt(string m, int v) => registered.GetValueOrDefault((m, v));
        var figures = DeliveryMetrics.Compute(deployments, attempts, RegisteredAt, start, end);
        List<DeliveryBucket>? series = null;
        if (step is { } bucket)
        {
            series = [];
            for (var bucketStart = start; bucketStart < end; bucketStart += bucket)
            {
                var bucketEnd = bucketStart + bucket < end ? bucketStart + bucket : end;
                series.Add(new DeliveryBucket(bucketStart, bucketEnd, DeliveryMetrics.Compute(deployments, attempts, RegisteredAt, bucketStart, bucketEnd)));
            }
        }
        return TypedResults.Ok(new DeliveryMetricsDto(start, end, (end - start).TotalDays, figures, project, interval, series));
    }
}
