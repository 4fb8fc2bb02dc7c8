using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Exports;

namespace ReleaseCenter.Api.Exports;

/// <summary>
/// Export jobs (api.md, "Exports"): an export or verification too large for one response is asked for here, runs in the
/// export function (started by the job item's INSERT on the table's stream; in-process locally), writes its file to
/// the export bucket, and is followed on its status route until that hands out a presigned link.
/// </summary>
public static class ExportsApi
{
    public static RouteGroupBuilder MapExportsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/exports").WithTags("Exports").RequireAuthorization(Roles.CanRead);
        group.MapPost("/", Create).Accepts<CreateExportRequest>("application/json")
            .WithSummary("Start an export job: a release or audit export, or a chain verification, written to S3 for download");
        group.MapGet("/{id}", Get).WithSummary("An export job's status; once it succeeded, a download link valid for 15 minutes");
        return group;
    }

    private static async Task<Results<Accepted<ExportJobDto>, ValidationProblem, ProblemHttpResult>> Create(HttpContext http, DynamoExportJobs jobs,
        IExportStarter starter, TimeProvider clock, ExportLimits limits, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ExportJsonContext.Default.CreateExportRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Accepted<ExportJobDto>>(problem!);
        }
        if (ExportRequests.Validate(request, out var kind, out var format, out var filters) is { } invalid)
        {
            return invalid;
        }
        var job = new ExportJob($"exp-{Guid.NewGuid():N}", kind, format, filters, Roles.UserId(http.User), clock.GetUtcNow());
        if (!await jobs.CreateAsync(job, ct).ConfigureAwait(false))
        {
            return Problems.Conflict($"An export job with the id '{job.Id}' exists already; send the request again.");
        }
        await starter.StartAsync(job.Id, ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/v1/exports/{job.Id}", ExportJobDto.From(job, job.Status, null, null, null, null));
    }

    /// <summary>Only the requester sees a job (it is their download); anyone else gets the same 404 as for a job that never was.</summary>
    private static async Task<Results<Ok<ExportJobDto>, ProblemHttpResult>> Get(string id, HttpContext http, DynamoExportJobs jobs, IServiceProvider services,
        TimeProvider clock, ExportLimits limits, CancellationToken ct)
    {
        var notFound = Problems.NotFound($"Export job '{id}' does not exist, or was requested by someone else. Jobs are kept for {DynamoExportJobs.Retention.TotalDays:0} days.");
        if (id.Length > 100 || await jobs.GetAsync(id, ct).ConfigureAwait(false) is not { } job || job.RequestedBy != Roles.UserId(http.User))
        {
            return notFound;
        }
        var now = clock.GetUtcNow();
        var status = job.Status;
        var error = job.Error;
        // The function was stopped at its timeout and its retries ran out (the DLQ has the record): say so rather than "Running" for ever.
        if (status == ExportStatus.Running && job.StartedAt is { } started && now - started > limits.JobTimeout + TimeSpan.FromMinutes(1))
        {
            status = ExportStatus.Failed;
            error = $"The export did not finish within {limits.JobTimeout.TotalMinutes:0} minutes. Narrow its filters, or ask an operator to look at the export function's log.";
        }
        string? url = null;
        DateTimeOffset? expires = null;
        if (status == ExportStatus.Succeeded && job.ObjectKey is { } key && services.GetService<S3ExportFiles>() is { } files)
        {
            expires = now + limits.LinkLifetime;
            url = await files.PresignGetAsync(key, expires.Value).ConfigureAwait(false);
        }
        var verification = job.Result is { } result ? JsonSerializer.Deserialize(result, AuditJsonContext.Default.AuditVerificationDto) : null;
        return TypedResults.Ok(ExportJobDto.From(job, status, error, url, expires, verification));
    }
}

/// <summary>What the API does once a job is recorded, to have it run.</summary>
public interface IExportStarter
{
    Task StartAsync(string jobId, CancellationToken ct);
}

/// <summary>In AWS: nothing. The job item's INSERT on the table's stream invokes the export function (CDK's event source mapping).</summary>
public sealed class StreamStartedExports : IExportStarter
{
    public Task StartAsync(string jobId, CancellationToken ct) => Task.CompletedTask;
}
