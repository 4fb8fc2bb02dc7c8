using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Api.Http;

/// <summary>
/// Every log line written while a request is handled carries its request id (API Gateway's, in
/// Lambda) and what the route names: <c>releaseId</c>, <c>rollbackId</c>, <c>driftReportId</c>,
/// <c>model</c>, <c>environment</c>. So one release's lines are found by its id, whether a workflow
/// step or a request wrote them. Headers, the query string and the body never go in.
/// </summary>
internal static class RequestLogScope
{
    public static IApplicationBuilder UseRequestLogScope(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ReleaseCenter.Api.Request");
        using (LogScopes.Begin(logger, Fields(context)))
        {
            await next(context).ConfigureAwait(false);
        }
    });

    public static IEnumerable<KeyValuePair<string, string>> Fields(HttpContext context)
    {
        yield return new("requestId", context.TraceIdentifier);
        var path = context.Request.Path.Value ?? "";
        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is not string text)
            {
                continue;
            }
            var name = key switch
            {
                "id" when path.StartsWith("/v1/releases/", StringComparison.Ordinal) => "releaseId",
                "id" when path.StartsWith("/v1/rollbacks/", StringComparison.Ordinal) => "rollbackId",
                "id" when path.Contains("/drift-reports/", StringComparison.Ordinal) => "driftReportId",
                "env" => "environment",
                "model" => "model",
                _ => null,
            };
            if (name is not null)
            {
                yield return new(name, text);
            }
        }
    }
}
