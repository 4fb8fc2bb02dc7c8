using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Api.Releases;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Exports;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Functions;
using ReleaseCenter.Functions.Audit;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Api.Exports;

/// <summary>
/// Runs one export job: claims it (queued, or running after a crashed attempt), writes its file to the export bucket
/// through a multipart upload holding one part in memory, and records the outcome. A finished job is never run
/// again, so a duplicated stream record does nothing. A bad filter (rules changed since the request) or an error
/// fails the job with the reason, which its status route shows; only a crash or a timeout leaves it to the
/// stream's retry.
/// </summary>
public sealed partial class ExportJobRunner(DynamoExportJobs jobs, IServiceProvider services, IRegistryStore store, IAuditLog audit,
    AnchoredAuditVerifier verifier, TimeProvider clock, ILogger<ExportJobRunner> log)
{
    /// <returns>The job as it ended, or null when there was nothing to run (unknown, or finished already).</returns>
    public async Task<ExportJob?> RunAsync(string id, CancellationToken ct)
    {
        if (await jobs.TryStartAsync(id, clock.GetUtcNow(), ct).ConfigureAwait(false) is not { } job)
        {
            LogNothingToRun(log, id);
            return null;
        }
        using var scope = log.BeginScope(new Dictionary<string, object?> { ["exportId"] = id, ["exportKind"] = job.Kind });
        var fileName = ExportRequests.FileNameOf(job);
        try
        {
            var files = services.GetService<S3ExportFiles>()
                ?? throw new InvalidOperationException($"No export bucket is configured ({FunctionVariables.ExportBucket}).");
            var key = S3ExportFiles.KeyOf(job.Id, fileName);
            var (rows, bytes, result, problem) = await WriteAsync(job, files, key, fileName, ct).ConfigureAwait(false);
            var now = clock.GetUtcNow();
            if (problem is not null)
            {
                await jobs.FailAsync(job.Id, job.Attempts, now, problem, ct).ConfigureAwait(false);
                LogFailed(log, job.Id, problem);
                return await jobs.GetAsync(job.Id, ct).ConfigureAwait(false);
            }
            if (await jobs.SucceedAsync(job.Id, job.Attempts, now, rows, bytes, key, fileName, result, ct).ConfigureAwait(false))
            {
                LogSucceeded(log, job.Id, job.Kind, rows, bytes, (long)(now - job.CreatedAt).TotalMilliseconds);
            }
            return await jobs.GetAsync(job.Id, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogError(log, ex, job.Id);
            await jobs.FailAsync(job.Id, job.Attempts, clock.GetUtcNow(), $"The export stopped: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
            return await jobs.GetAsync(job.Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<(long Rows, long Bytes, string? Result, string? Problem)> WriteAsync(ExportJob job, S3ExportFiles files, string key, string fileName,
        CancellationToken ct)
    {
        string? Reason(Microsoft.AspNetCore.Http.HttpResults.ValidationProblem p) =>
            string.Join(" ", p.ProblemDetails.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        switch (job.Kind)
        {
            case ExportKinds.Releases:
            {
                if (ExportRequests.Releases(job.Filters, out var model, out var filter) is { } bad)
                {
                    return (0, 0, null, Reason(bad));
                }
                await using var upload = files.OpenWrite(key, ReleaseExport.ContentType(job.Format!), fileName);
                var rows = await ReleaseExport.WriteAsync(upload, job.Format!, store, model, filter, ct).ConfigureAwait(false);
                await upload.CompleteAsync(ct).ConfigureAwait(false);
                return (rows, upload.BytesWritten, null, null);
            }
            case ExportKinds.Audit:
            {
                if (ExportRequests.Audit(job.Filters, out var filter) is { } bad)
                {
                    return (0, 0, null, Reason(bad));
                }
                await using var upload = files.OpenWrite(key, job.Format == "csv" ? AuditExport.CsvContentType : AuditExport.JsonlContentType, fileName);
                var pages = audit.ExportAsync(filter, ct);
                var rows = job.Format == "csv"
                    ? await AuditExport.WriteCsvAsync(upload, pages, ct).ConfigureAwait(false)
                    : await AuditExport.WriteJsonlAsync(upload, pages, ct).ConfigureAwait(false);
                await upload.CompleteAsync(ct).ConfigureAwait(false);
                return (rows, upload.BytesWritten, null, null);
            }
            case ExportKinds.AuditVerify:
            {
                if (ExportRequests.Verify(job.Filters, out var project) is { } bad)
                {
                    return (0, 0, null, Reason(bad));
                }
                var report = AuditVerificationDto.From(await verifier.VerifyAsync(project, ct).ConfigureAwait(false));
                var json = JsonSerializer.Serialize(report, AuditJsonContext.Default.AuditVerificationDto);
                await using var upload = files.OpenWrite(key, "application/json", fileName);
                await upload.WriteAsync(Encoding.UTF8.GetBytes(json), ct).ConfigureAwait(false);
                await upload.CompleteAsync(ct).ConfigureAwait(false);
                return (report.EntriesChecked, upload.BytesWritten, json, null);
            }
            default:
                return (0, 0, null, $"kind: '{job.Kind}' is not an export this version runs.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Export job {ExportId} is finished or unknown: nothing to run")]
    private static partial void LogNothingToRun(ILogger logger, string exportId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Export job {ExportId} ({ExportKind}) wrote {Rows} rows, {Bytes} bytes, {ElapsedMs} ms after it was requested")]
    private static partial void LogSucceeded(ILogger logger, string exportId, string exportKind, long rows, long bytes, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Export job {ExportId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string exportId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Export job {ExportId} stopped with an error")]
    private static partial void LogError(ILogger logger, Exception ex, string exportId);
}

/// <summary>
/// The export function: invoked by the table's stream with INSERTs of export job items (the event source mapping's
/// filter), or directly with <c>{"id": "exp-…"}</c>. Runs each job it is given.
/// </summary>
public sealed class RunExportStep(ExportJobRunner runner) : ITaskStep
{
    public const string Name = ReleaseWorkflow.RunExportHandler;

    public string Handler => Name;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var ids = new List<string>();
        if (payload.TryGetProperty("Records", out var records) && records.ValueKind == JsonValueKind.Array)
        {
            foreach (var record in records.EnumerateArray())
            {
                if (Functions.Events.StreamImage.String(record, TableSchema.ItemType) == DynamoExportJobs.ItemTypeName
                    && Functions.Events.StreamImage.String(record, "id") is { } jobId)
                {
                    ids.Add(jobId);
                }
            }
        }
        else if (payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("id", out var direct) && direct.ValueKind == JsonValueKind.String)
        {
            ids.Add(direct.GetString()!);
        }
        var ran = 0;
        foreach (var id in ids)
        {
            ran += await runner.RunAsync(id, ct).ConfigureAwait(false) is null ? 0 : 1;
        }
        return $$"""{"ran":{{ran}}}""";
    }
}

public static class ExportServices
{
    /// <summary>Export jobs: their store, the bucket (when configured), the runner and its task step. The API and the export function use it.</summary>
    public static IServiceCollection AddExportJobs(this IServiceCollection services)
    {
        services.AddSingleton(sp => new DynamoExportJobs(sp.GetRequiredService<Amazon.DynamoDBv2.IAmazonDynamoDB>(),
            sp.GetRequiredService<ReleaseCenterSettings>().TableName));
        services.AddSingleton(sp => sp.GetRequiredService<ReleaseCenterSettings>().ExportBucket is { } bucket
            ? new S3ExportFiles(sp.GetRequiredService<Amazon.S3.IAmazonS3>(), bucket)
            : null!);
        services.AddSingleton(new ExportLimits());
        services.AddSingleton<IExportStarter, StreamStartedExports>();
        services.AddSingleton<ExportJobRunner>();
        services.AddSingleton<ITaskStep, RunExportStep>();
        return services;
    }
}
