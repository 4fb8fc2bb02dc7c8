using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Releases;

/// <summary>The release routes of api.md: request, list, inspect, approve, cancel, history.</summary>
public static class ReleasesApi
{
    public static RouteGroupBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/releases").WithTags("Releases").RequireAuthorization(Roles.CanRead);
        group.MapPost("/", Create).RequireAuthorization(Roles.CanRegister).WithSummary("Request a release: freeze the bundle and start the workflow")
            .Accepts<CreateReleaseRequest>("application/json");
        group.MapGet("/", List).WithSummary("The release catalog, newest first");
        group.MapGet("/export", Export).WithSummary("The release catalog as a CSV or JSONL download (same filters); 413 with a ready job request when it is too large for one response")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv", additionalContentTypes: ["application/x-ndjson"])
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/{id}", Get).WithSummary("A release with its stages, evaluation, approvals and deployments");
        group.MapGet("/{id}/history", History).WithSummary("The release's timeline joined with its Step Functions execution history");
        group.MapGet("/{id}/traffic", Traffic)
            .WithSummary("How the endpoint's traffic is split now between this release and the previous one, while its deployment shifts it");
        group.MapGet("/{id}/approvals/eligibility", Eligibility)
            .WithSummary("Whether the caller may vote on the stage waiting now, and every reason they may not");
        group.MapPost("/{id}/approvals", Decide).WithSummary("Approve or reject the stage that is waiting").Accepts<DecisionRequest>("application/json");
        group.MapPost("/{id}/cancel", Cancel).RequireAuthorization(Roles.CanRegister).WithSummary("Cancel a release that has not finished")
            .Accepts<CancelRequest>("application/json");
        app.MapGet("/v1/approvals/pending", Pending).WithTags("Approvals").RequireAuthorization(Roles.CanRead)
            .WithSummary("Stages the caller may approve now: in one of their approver groups, not their own release, not voted yet");
        return group;
    }

    private static async Task<Ok<PendingApprovalsDto>> Pending(HttpContext http, ReleaseService releases, CancellationToken ct) =>
        TypedResults.Ok(new PendingApprovalsDto(await releases.PendingForAsync(Roles.UserId(http.User), Roles.GroupsOf(http.User), ct).ConfigureAwait(false)));

    private static async Task<Results<Accepted<ReleaseAcceptedDto>, ValidationProblem, ProblemHttpResult>> Create(
        HttpContext http, ReleaseService releases, ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.CreateReleaseRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Accepted<ReleaseAcceptedDto>>(problem!);
        }
        await access.RequireForModelAsync(http.User, request.Model, ProjectAccess.Writers, "request a release", ct).ConfigureAwait(false);
        var release = await releases.CreateAsync(request.Model, request.Version, request.Environments, request.Notes, Roles.UserId(http.User), ct)
            .ConfigureAwait(false);
        return TypedResults.Accepted($"/v1/releases/{release.Id}",
            new ReleaseAcceptedDto(release.Id, release.Status, release.ExecutionArn, release.Bundle!.Digest));
    }

    private static async Task<Results<Ok<PageDto<ReleaseDto>>, ValidationProblem>> List(IRegistryStore store, string? model, string? status,
        string? environment, string? requestedBy, string? since, string? until, string? q, int? limit, string? cursor, CancellationToken ct)
    {
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        if (ParseFilter(model, status, environment, requestedBy, since, until, q, out var filter) is { } invalid)
        {
            return invalid;
        }
        var page = await store.ListReleasesAsync(model, size, cursor, ct, filter).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<ReleaseDto>(page.Items.Select(ReleaseDto.From).ToArray(), page.NextCursor));
    }

    /// <summary>
    /// The filtered catalog as one file, when it fits one response (<see cref="Exports.ExportLimits.InlineBytes"/>);
    /// otherwise a 413 whose <c>job</c> asks for the same export as a job.
    /// </summary>
    private static async Task<IResult> Export(HttpContext http, IRegistryStore store, Exports.ExportLimits limits, string? format, string? model,
        string? status, string? environment, string? requestedBy, string? since, string? until, string? q, CancellationToken ct)
    {
        if (format is not ("csv" or "jsonl"))
        {
            return JsonBody.Invalid("format", "must be 'csv' or 'jsonl'.");
        }
        if (ParseFilter(model, status, environment, requestedBy, since, until, q, out var filter) is { } invalid)
        {
            return invalid;
        }
        http.Response.Headers.CacheControl = "no-store";
        return await Exports.InlineExport.RenderAsync(limits.InlineBytes, ReleaseExport.ContentType(format), $"releases.{format}",
                body => ReleaseExport.WriteAsync(body, format, store, model, filter, ct)).ConfigureAwait(false)
            ?? (IResult)Exports.ExportRequests.UseAJob(Domain.Exports.ExportKinds.Releases, format,
                Exports.ExportRequests.FromQuery(http.Request, Exports.ExportRequests.ReleaseFilters),
                $"This export is larger than {limits.InlineBytes / 1024} KiB, the most one response carries.");
    }

    internal static ValidationProblem? ParseFilter(string? model, string? status, string? environment, string? requestedBy, string? since, string? until,
        string? q, out ReleaseFilter filter)
    {
        filter = new ReleaseFilter();
        if (model is not null && Rules.ResourceName(model) is { } modelReason)
        {
            return JsonBody.Invalid("model", modelReason);
        }
        // One status, or several separated by commas ("Pending,Evaluating,AwaitingApproval": every unfinished release in one listing).
        var statuses = new List<ReleaseStatus>();
        foreach (var one in status?.Split(',') ?? [])
        {
            if (!Enum.TryParse<ReleaseStatus>(one, ignoreCase: false, out var parsed) || int.TryParse(one, out _))
            {
                return JsonBody.Invalid("status", $"must be one of {string.Join(", ", Enum.GetNames<ReleaseStatus>())}, or several of them separated by commas.");
            }
            statuses.Add(parsed);
        }
        statuses = [.. statuses.Distinct()];
        if (!Problems.TryTime(since, out var from))
        {
            return JsonBody.Invalid("since", Problems.TimestampRule);
        }
        if (!Problems.TryTime(until, out var to))
        {
            return JsonBody.Invalid("until", Problems.TimestampRule);
        }
        if (q is { Length: > 200 })
        {
            return JsonBody.Invalid("q", "must be at most 200 characters.");
        }
        filter = new ReleaseFilter(statuses.Count == 1 ? statuses[0] : null, environment, requestedBy, from, to)
        {
            Text = q,
            AnyStatus = statuses.Count > 1 ? statuses : null,
        };
        return null;
    }


    private static async Task<Results<Ok<ReleaseDto>, ProblemHttpResult>> Get(string id, IRegistryStore store, CancellationToken ct) =>
        await store.GetReleaseAsync(id, ct).ConfigureAwait(false) is { } release
            ? TypedResults.Ok(ReleaseDto.From(release))
            : Problems.NotFound($"Release '{id}' does not exist.");

    private static async Task<Results<Ok<HistoryDto>, ProblemHttpResult>> History(string id, IRegistryStore store, ReleaseService releases, CancellationToken ct)
    {
        if (await store.GetReleaseAsync(id, ct).ConfigureAwait(false) is not { } release)
        {
            return Problems.NotFound($"Release '{id}' does not exist.");
        }
        return TypedResults.Ok(new HistoryDto(id, await releases.HistoryAsync(release, ct).ConfigureAwait(false)));
    }

    private static async Task<Ok<TrafficSplit>> Traffic(string id, ReleaseTraffic traffic, CancellationToken ct) =>
        TypedResults.Ok(await traffic.GetAsync(id, ct).ConfigureAwait(false));

    private static async Task<Ok<VoteEligibility>> Eligibility(string id, HttpContext http, ReleaseService releases, CancellationToken ct) =>
        TypedResults.Ok(await releases.EligibilityAsync(id, Roles.UserId(http.User), Roles.GroupsOf(http.User), ct).ConfigureAwait(false));

    private static async Task<Results<Ok<ApprovalState>, ValidationProblem, ProblemHttpResult>> Decide(
        string id, HttpContext http, ReleaseService releases, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.DecisionRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<ApprovalState>>(problem!);
        }
        if (request.Decision is not ("approve" or "reject"))
        {
            return JsonBody.Invalid("decision", "must be 'approve' or 'reject'.");
        }
        if (Rules.OptionalText(request.Comment, 2000) is { } reason)
        {
            return JsonBody.Invalid("comment", reason);
        }
        var evidence = request.BundleDigest is null && request.EvaluationDigest is null ? null : new Evidence(request.BundleDigest, request.EvaluationDigest);
        return TypedResults.Ok(await releases.DecideAsync(id, Roles.UserId(http.User), Roles.GroupsOf(http.User), request.Decision, request.Comment,
            evidence, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<ReleaseDto>, ValidationProblem, ProblemHttpResult>> Cancel(
        string id, HttpContext http, ReleaseService releases, IRegistryStore store, ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.CancelRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<ReleaseDto>>(problem!);
        }
        if (await store.GetReleaseAsync(id, ct).ConfigureAwait(false) is { } release)
        {
            await access.RequireForModelAsync(http.User, release.Model, ProjectAccess.Writers, "cancel a release", ct).ConfigureAwait(false);
        }
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Length > 2000)
        {
            return JsonBody.Invalid("reason", "is required: 1 to 2000 characters saying why.");
        }
        return TypedResults.Ok(ReleaseDto.From(await releases.CancelAsync(id, Roles.UserId(http.User), request.Reason, ct).ConfigureAwait(false)));
    }
}
