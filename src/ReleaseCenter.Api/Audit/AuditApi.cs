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
        group.MapGet("/export", Export).WithSummary("Download the audit log as CSV or JSON Lines, oldest first")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv", additionalContentTypes: ["application/x-ndjson"]);
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

    /// <summary>Streams the file: see <see cref="AuditExport"/> for why its memory stays flat.</summary>
    private static Results<PushStreamHttpResult, ValidationProblem> Export(HttpContext http, IAuditLog log, TimeProvider time, string? format,
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
        return format == "csv"
            ? TypedResults.Stream(body => AuditExport.WriteCsvAsync(body, log.ExportAsync(filter, ct), ct), AuditExport.CsvContentType, fileName)
            : TypedResults.Stream(body => AuditExport.WriteJsonlAsync(body, log.ExportAsync(filter, ct), ct), AuditExport.JsonlContentType, fileName);
    }

    private static async Task<Results<Ok<AuditVerificationDto>, ValidationProblem>> Verify(Functions.Audit.AnchoredAuditVerifier verifier, string? project, CancellationToken ct)
    {
        project = Given(project);
        if (project is not null && Rules.ResourceName(project) is { } reason)
        {
            return JsonBody.Invalid("project", reason);
        }
        return TypedResults.Ok(AuditVerificationDto.From(await verifier.VerifyAsync(project, ct).ConfigureAwait(false)));
    }

    /// <summary>An empty query parameter (?actor=) means the same as an absent one.</summary>
    private static string? Given(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>The listing's and the export's filter, or the problem naming the first bad field.</summary>
    private static ValidationProblem? TryFilter(string? since, string? until, string? actor, string? action, string? subject, string? project,
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
