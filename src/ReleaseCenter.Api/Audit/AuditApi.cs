using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Api.Audit;

/// <summary>
/// The audit routes of api.md: list, export, verify. Anyone authenticated may read the log
/// (api.md); nothing here writes it (entries are appended by the actions they record).
/// </summary>
public static class AuditApi
{
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization(Roles.CanRead);
        group.MapGet("/", List).WithSummary("Audit entries of every project (or of one, with `project`), newest first");
        group.MapGet("/export", Export).WithSummary("Download the audit log as CSV or JSON Lines, oldest first; 413 with a ready job request when it is too large for one response")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv", additionalContentTypes: ["application/x-ndjson"])
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapGet("/verify", Verify).WithSummary("Walk the hash chain of one project, or of every project, then check it against the anchors kept outside the table; report the first break or the anchor it contradicts");
        return group;
    }

    private static async Task<Results<Ok<PageDto<AuditEntryDto>>, ValidationProblem>> List(IAuditLog log, string? since, string? until, string? actor,
        string? action, string? subject, string? project, int? limit, string? cursor, CancellationToken ct)
    {
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        if (TryFilter(since, until, actor, action, subject, project, out var filter) is { } problem)
        {
            return problem;
        }
        var page = await log.ListAsync(filter, size, Given(cursor), ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<AuditEntryDto>(page.Items.Select(AuditEntryDto.From).ToArray(), page.NextCursor));
    }

    /// <summary>The file when it fits one response (see <see cref="AuditExport"/> for how it is written); otherwise a 413 with a ready job request.</summary>
    private static async Task<IResult> Export(HttpContext http, IAuditLog log, TimeProvider time, Exports.ExportLimits limits, string? format,
        string? since, string? until, string? actor, string? action, string? subject, string? project, CancellationToken ct)
    {
        format = Given(format) ?? "csv";
        if (format is not ("csv" or "jsonl"))
        {
            return JsonBody.Invalid("format", "must be 'csv' or 'jsonl'.");
        }
        if (TryFilter(since, until, actor, action, subject, project, out var filter) is { } problem)
        {
            return problem;
        }
        http.Response.Headers.CacheControl = "no-store";
        var fileName = $"audit-{time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{format}";
        var file = format == "csv"
            ? await Exports.InlineExport.RenderAsync(limits.InlineBytes, AuditExport.CsvContentType, fileName,
                body => AuditExport.WriteCsvAsync(body, log.ExportAsync(filter, ct), ct)).ConfigureAwait(false)
            : await Exports.InlineExport.RenderAsync(limits.InlineBytes, AuditExport.JsonlContentType, fileName,
                body => AuditExport.WriteJsonlAsync(body, log.ExportAsync(filter, ct), ct)).ConfigureAwait(false);
        return file ?? (IResult)Exports.ExportRequests.UseAJob(Domain.Exports.ExportKinds.Audit, format,
            Exports.ExportRequests.FromQuery(http.Request, Exports.ExportRequests.AuditFilters),
            $"This export is larger than {limits.InlineBytes / 1024} KiB, the most one response carries.");
    }

    /// <summary>
    /// Verifies in the request when the chains asked for are short enough to walk well inside API Gateway's 30 s
    /// (<see cref="Exports.ExportLimits.InlineVerifyEntries"/>, counted from the chain heads); otherwise a 413 with a ready job request.
    /// </summary>
    private static async Task<Results<Ok<AuditVerificationDto>, ValidationProblem, ProblemHttpResult>> Verify(HttpContext http,
        Functions.Audit.AnchoredAuditVerifier verifier, IAuditLog log, Exports.ExportLimits limits, string? project, CancellationToken ct)
    {
        project = Given(project);
        if (project is not null && Rules.ResourceName(project) is { } reason)
        {
            return JsonBody.Invalid("project", reason);
        }
        var entries = (await log.ListHeadsAsync(ct).ConfigureAwait(false)).Where(h => project is null || h.Project == project).Sum(h => h.Head.Seq);
        if (entries > limits.InlineVerifyEntries)
        {
            return Exports.ExportRequests.UseAJob(Domain.Exports.ExportKinds.AuditVerify, null,
                Exports.ExportRequests.FromQuery(http.Request, Exports.ExportRequests.VerifyFilters),
                $"The chain{(project is null ? "s" : "")} to verify hold{(project is null ? "" : "s")} {entries} entries; a request verifies at most {limits.InlineVerifyEntries}.");
        }
        return TypedResults.Ok(AuditVerificationDto.From(await verifier.VerifyAsync(project, ct).ConfigureAwait(false)));
    }

    /// <summary>An empty query parameter (?actor=) means the same as an absent one.</summary>
    private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The listing's and the export's filter, or the problem naming the first bad field.</summary>
    internal static ValidationProblem? TryFilter(string? since, string? until, string? actor, string? action, string? subject, string? project,
        out AuditFilter filter)
    {
        filter = new AuditFilter();
        if (!Problems.TryTime(Given(since), out var from))
        {
            return JsonBody.Invalid("since", Problems.TimestampRule);
        }
        if (!Problems.TryTime(Given(until), out var to))
        {
            return JsonBody.Invalid("until", Problems.TimestampRule);
        }
        if (from > to)
        {
            return JsonBody.Invalid("until", "must not be before 'since'.");
        }
        actor = Given(actor);
        action = Given(action);
        subject = Given(subject);
        project = Given(project);
        if (actor is not null && AuditChain.Text(actor, AuditChain.MaxTextLength) is { } actorReason)
        {
            return JsonBody.Invalid("actor", actorReason);
        }
        if (action is not null && AuditChain.Action(action) is { } actionReason)
        {
            return JsonBody.Invalid("action", actionReason);
        }
        if (subject is not null && AuditChain.Text(subject, AuditChain.MaxTextLength) is { } subjectReason)
        {
            return JsonBody.Invalid("subject", subjectReason);
        }
        if (project is not null && Rules.ResourceName(project) is { } projectReason)
        {
            return JsonBody.Invalid("project", projectReason);
        }
        filter = new AuditFilter(from, to, actor, action, subject, project);
        return null;
    }

}
