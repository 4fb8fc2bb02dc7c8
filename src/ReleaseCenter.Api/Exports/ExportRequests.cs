using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Api.Releases;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Exports;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Api.Exports;

/// <summary>What an export asks for, read with the streamed routes' own rules, whether it comes as query parameters or as a job's filters.</summary>
public static class ExportRequests
{
    public static readonly IReadOnlyList<string> ReleaseFilters = ["model", "status", "environment", "requestedBy", "since", "until", "q"];
    public static readonly IReadOnlyList<string> AuditFilters = ["since", "until", "actor", "action", "subject", "project"];
    public static readonly IReadOnlyList<string> VerifyFilters = ["project"];

    public const int MaxFilterLength = 1000;

    public static IReadOnlyList<string> FiltersOf(string kind) => kind switch
    {
        ExportKinds.Releases => ReleaseFilters,
        ExportKinds.Audit => AuditFilters,
        _ => VerifyFilters,
    };

    /// <summary>Checks a job request: its kind, format and every filter. Returns the problem naming the first bad field, or null.</summary>
    public static ValidationProblem? Validate(CreateExportRequest request, out string kind, out string? format, out Dictionary<string, string> filters)
    {
        ArgumentNullException.ThrowIfNull(request);
        kind = request.Kind ?? "";
        format = null;
        filters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!ExportKinds.All.Contains(kind))
        {
            return JsonBody.Invalid("kind", $"must be one of {string.Join(", ", ExportKinds.All.Select(k => $"'{k}'"))}.");
        }
        if (kind == ExportKinds.AuditVerify)
        {
            if (request.Format is not (null or "json"))
            {
                return JsonBody.Invalid("format", "must be 'json' (or absent) for a verification: its report is one JSON document.");
            }
            format = "json";
        }
        else
        {
            format = request.Format ?? "csv";
            if (format is not ("csv" or "jsonl"))
            {
                return JsonBody.Invalid("format", "must be 'csv' or 'jsonl'.");
            }
        }
        var allowed = FiltersOf(kind);
        foreach (var (name, value) in request.Filters ?? new Dictionary<string, string>())
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                return JsonBody.Invalid($"filters.{name}", $"is not a filter of the '{kind}' export; its filters are {string.Join(", ", allowed)}.");
            }
            if (value is null || value.Length > MaxFilterLength)
            {
                return JsonBody.Invalid($"filters.{name}", $"must be a string of at most {MaxFilterLength} characters.");
            }
            if (value.Length > 0)
            {
                filters[name] = value; // empty means absent, as in a query string
            }
        }
        return kind switch
        {
            ExportKinds.Releases => Releases(filters, out _, out _),
            ExportKinds.Audit => Audit(filters, out _),
            _ => Verify(filters, out _),
        } is { } problem ? Prefixed(problem) : null;
    }

    public static ValidationProblem? Releases(IReadOnlyDictionary<string, string> f, out string? model, out ReleaseFilter filter)
    {
        model = f.GetValueOrDefault("model");
        return ReleasesApi.ParseFilter(model, f.GetValueOrDefault("status"), f.GetValueOrDefault("environment"), f.GetValueOrDefault("requestedBy"),
            f.GetValueOrDefault("since"), f.GetValueOrDefault("until"), f.GetValueOrDefault("q"), out filter);
    }

    public static ValidationProblem? Audit(IReadOnlyDictionary<string, string> f, out AuditFilter filter) =>
        AuditApi.TryFilter(f.GetValueOrDefault("since"), f.GetValueOrDefault("until"), f.GetValueOrDefault("actor"), f.GetValueOrDefault("action"),
            f.GetValueOrDefault("subject"), f.GetValueOrDefault("project"), out filter);

    public static ValidationProblem? Verify(IReadOnlyDictionary<string, string> f, out string? project)
    {
        project = f.GetValueOrDefault("project");
        return project is not null && Rules.ResourceName(project) is { } reason ? JsonBody.Invalid("project", reason) : null;
    }

    /// <summary>A filter's problem, named as the job request's field (filters.since rather than since).</summary>
    private static ValidationProblem Prefixed(ValidationProblem problem)
    {
        var (field, reasons) = problem.ProblemDetails.Errors.First();
        // Each reason starts with the field's quoted name (JsonBody.Invalid); it is said again under the new name.
        var reason = string.Join(" ", reasons.Select(r => r.StartsWith($"'{field}' ", StringComparison.Ordinal) ? r[(field.Length + 3)..] : r));
        return JsonBody.Invalid($"filters.{field}", reason);
    }

    /// <summary>The non-empty query parameters among <paramref name="names"/>, as a job's filters.</summary>
    public static Dictionary<string, string> FromQuery(HttpRequest request, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(request);
        var filters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (request.Query[name].ToString() is { Length: > 0 } value)
            {
                filters[name] = value;
            }
        }
        return filters;
    }

    /// <summary>The file a job's result is saved under: kind, the time it was requested, format.</summary>
    public static string FileNameOf(ExportJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var stamp = job.CreatedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return job.Kind == ExportKinds.AuditVerify ? $"audit-verification-{stamp}.json" : $"{job.Kind}-{stamp}.{job.Format}";
    }

    /// <summary>
    /// The answer of a streamed route whose result is too large (or slow) for one response: 413, saying why and how to
    /// ask for it as a job, with the job request (<c>job</c>) ready to POST to /v1/exports.
    /// </summary>
    public static ProblemHttpResult UseAJob(string kind, string? format, IReadOnlyDictionary<string, string> filters, string why) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Too large for one response",
            detail: $"{why} Request it as an export job: POST /v1/exports with the body in 'job', then follow GET /v1/exports/{{id}} " +
                "until it has a download link.",
            extensions: new Dictionary<string, object?> { ["job"] = new CreateExportRequest(kind, format, filters) });
}
