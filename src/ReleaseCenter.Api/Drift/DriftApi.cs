using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Drift;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Drift;

/// <summary>A distribution as sent: histogram bin counts over the same bins on both sides, and/or raw samples.</summary>
public sealed record DistributionDto(List<double>? Bins, List<double>? Samples);

public sealed record FeatureDto(string? Feature, DistributionDto? Baseline, DistributionDto? Current);

public sealed record DriftReportRequest(string? Environment, List<FeatureDto?>? Features);

public sealed record DriftPolicyRequest(double? PsiWarn, double? PsiAlert, double? KsAlpha);

public sealed record RetrainingPolicyRequest(bool? Enabled, string? PipelineName, int? CooldownSeconds, int? MaxPerDay, int? PipelineTimeoutSeconds,
    bool? OpenRelease, List<string>? ReleaseEnvironments);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(DriftReportRequest))]
[JsonSerializable(typeof(DriftPolicyRequest))]
[JsonSerializable(typeof(DriftReportRecord))]
[JsonSerializable(typeof(DriftPolicy))]
[JsonSerializable(typeof(PageDto<DriftReportRecord>))]
[JsonSerializable(typeof(RetrainingPolicyRequest))]
[JsonSerializable(typeof(RetrainingPolicy))]
[JsonSerializable(typeof(RetrainRun))]
public sealed partial class DriftJsonContext : JsonSerializerContext;

/// <summary>Drift reports and drift thresholds per model (issue 6).</summary>
public static class DriftApi
{
    private static DriftJsonContext Json => DriftJsonContext.Default;

    public static void MapDriftApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models/{model}").WithTags("Drift").RequireAuthorization(Roles.CanRead);
        group.MapPost("/drift-reports", Submit).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Report drift in an environment: per feature, baseline and current distributions (bins and/or samples); PSI and KS are computed under the model's thresholds")
            .Accepts<DriftReportRequest>("application/json");
        group.MapGet("/drift-reports", List).WithSummary("A model's drift reports, newest first");
        group.MapGet("/drift-reports/{id}", Get).WithSummary("One drift report with its per-feature statistics and verdicts");
        group.MapGet("/drift-policy", GetPolicy).WithSummary("The model's drift thresholds (defaults until set)");
        group.MapPut("/drift-policy", SetPolicy).RequireAuthorization(Roles.CanRegister).WithSummary("Set the model's drift thresholds")
            .Accepts<DriftPolicyRequest>("application/json");
        group.MapGet("/retraining-policy", GetRetrainingPolicy).WithSummary("The model's retraining policy (off until set)");
        group.MapPut("/retraining-policy", SetRetrainingPolicy).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Set the model's retraining policy: on/off, pipeline, cooldown, daily cap, time bound, whether to open a release")
            .Accepts<RetrainingPolicyRequest>("application/json");
        group.MapGet("/drift-reports/{id}/retrain", GetRetrain).WithSummary("What a drift report's retraining did: decision and reason, pipeline execution, version, release");
    }

    private static async Task<Results<Created<DriftReportRecord>, ValidationProblem, ProblemHttpResult>> Submit(string model, HttpContext http, DriftService drift,
        ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.DriftReportRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Created<DriftReportRecord>>(problem!);
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Writers, "submit a drift report", ct).ConfigureAwait(false);
        var errors = new ValidationErrors();
        var features = new List<FeatureDistributions>();
        if (request.Features is not { Count: > 0 })
        {
            errors.Add("features", "is required: one entry per feature with baseline and current distributions.");
        }
        for (var i = 0; i < (request.Features?.Count ?? 0); i++)
        {
            var f = request.Features![i];
            if (f is null)
            {
                errors.Add($"features[{i}]", "must be an object with feature, baseline and current.");
                continue;
            }
            if (f.Baseline is null)
            {
                errors.Add($"features[{i}].baseline", "is required: bins and/or samples.");
            }
            if (f.Current is null)
            {
                errors.Add($"features[{i}].current", "is required: bins and/or samples.");
            }
            if (f.Baseline is not null && f.Current is not null)
            {
                features.Add(new FeatureDistributions(f.Feature ?? "", new ObservedDistribution(f.Baseline.Bins, f.Baseline.Samples),
                    new ObservedDistribution(f.Current.Bins, f.Current.Samples)));
            }
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var report = await drift.SubmitAsync(model, request.Environment, features, "api", Roles.UserId(http.User), ct).ConfigureAwait(false);
        return TypedResults.Created($"/v1/models/{model}/drift-reports/{report.Id}", report);
    }

    private static async Task<Results<Ok<PageDto<DriftReportRecord>>, ValidationProblem>> List(string model, int? limit, string? cursor, IDriftStore store,
        CancellationToken ct)
    {
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        var page = await store.ListReportsAsync(model, size, cursor, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<DriftReportRecord>(page.Items, page.NextCursor));
    }

    private static async Task<Results<Ok<DriftReportRecord>, ProblemHttpResult>> Get(string model, string id, IDriftStore store, CancellationToken ct) =>
        await store.GetReportAsync(model, id, ct).ConfigureAwait(false) is { } report
            ? TypedResults.Ok(report)
            : Problems.NotFound($"Model '{model}' has no drift report '{id}'.");

    private static async Task<Results<Ok<DriftPolicy>, ProblemHttpResult>> GetPolicy(string model, DriftService drift, CancellationToken ct)
    {
        return TypedResults.Ok(await drift.PolicyAsync(model, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<DriftPolicy>, ValidationProblem, ProblemHttpResult>> SetPolicy(string model, HttpContext http, DriftService drift,
        ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.DriftPolicyRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<DriftPolicy>>(problem!);
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Writers, "set drift thresholds", ct).ConfigureAwait(false);
        return TypedResults.Ok(await drift.SetPolicyAsync(model, request.PsiWarn, request.PsiAlert, request.KsAlpha, Roles.UserId(http.User), ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<RetrainingPolicy>, ProblemHttpResult>> GetRetrainingPolicy(string model, DriftService drift, CancellationToken ct)
    {
        return TypedResults.Ok(await drift.RetrainingPolicyAsync(model, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<RetrainingPolicy>, ValidationProblem, ProblemHttpResult>> SetRetrainingPolicy(string model, HttpContext http,
        DriftService drift, Functions.ModelProjects projects, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.RetrainingPolicyRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<RetrainingPolicy>>(problem!);
        }
        var project = Rules.ResourceName(model) is null ? await projects.FindAsync(model, ct).ConfigureAwait(false) : null;
        if (project is not null)
        {
            ProjectAccess.Require(http.User, project, ProjectAccess.Writers, "set a retraining policy");
        }
        // Who may open releases to prod by automation is the project's release-admins' call (DriftService checks it).
        var admin = project is not null && Domain.Access.ProjectRoles.In(Roles.GroupsOf(http.User), project).Contains(Roles.Admins);
        return TypedResults.Ok(await drift.SetRetrainingPolicyAsync(model, request.Enabled, request.PipelineName, request.CooldownSeconds, request.MaxPerDay,
            request.PipelineTimeoutSeconds, request.OpenRelease, request.ReleaseEnvironments, Roles.UserId(http.User), admin, ct)
            .ConfigureAwait(false));
    }

    private static async Task<Results<Ok<RetrainRun>, ProblemHttpResult>> GetRetrain(string model, string id, IRetrainStore store, CancellationToken ct) =>
        await store.GetRunAsync(id, ct).ConfigureAwait(false) is { } run && run.Model == model
            ? TypedResults.Ok(run)
            : Problems.NotFound($"Drift report '{id}' of '{model}' has started no retraining (yet).");
}
