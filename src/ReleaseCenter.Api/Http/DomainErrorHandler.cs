using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Api.Http;

/// <summary>
/// The one place where errors of the use cases become HTTP answers (problem+json): invalid input is
/// 400 naming each field, a refusal gets the status of its kind, with the field it names under
/// <c>errors</c>. Anything else is left to the default handler (a 500 without details).
/// </summary>
internal sealed class DomainErrorHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var problem = ToProblem(exception);
        if (problem is null)
        {
            return false;
        }
        if (exception is RequestRefusedException { Kind: RefusalKind.Forbidden } forbidden)
        {
            httpContext.Items[DeniedRequestLog.ReasonItem] = forbidden.Message; // the denied-request log says why
        }
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    /// <summary>The answer for a use case's error, or null when it is not one (a defect: the caller answers 500).</summary>
    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        DomainValidationException invalid => Invalid(invalid.Errors.ToDictionary()),
        // The store says why in its own words ("The cursor is not valid."); the answer names the field and what to do.
        InvalidCursorException => Invalid(new Dictionary<string, string[]>
        {
            ["cursor"] = ["is not one this listing handed out (or it no longer fits the filters): list again without it and follow nextCursor."],
        }),
        RequestRefusedException refused => Refused(refused),
        // A dependency (DynamoDB, Step Functions, EventBridge) still failing after the SDK's retries is an outage, not a defect:
        // 503, so clients retry. Writes are transactions or once-only, so a retry finds the change made or not made, never half.
        _ when ReleaseCenter.Aws.Clients.TransientErrors.IsTransient(exception) => new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Detail = "A service the release center depends on did not answer in time" + (exception is Amazon.Runtime.AmazonServiceException aws ? $" ({aws.ErrorCode})" : "")
                + ". Try again: a change is never left half made.",
        },
        _ => null,
    };

    /// <summary>The shape JsonBody.Invalid answers too: each message starts with the quoted field.</summary>
    private static HttpValidationProblemDetails Invalid(IDictionary<string, string[]> errors)
    {
        var quoted = errors.ToDictionary(e => e.Key, e => e.Value.Select(m => $"'{e.Key}' {m}").ToArray(), StringComparer.Ordinal);
        return new HttpValidationProblemDetails(quoted)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Detail = string.Join(" ", quoted.SelectMany(e => e.Value)),
        };
    }

    private static ProblemDetails Refused(RequestRefusedException refused)
    {
        var status = refused.Kind switch
        {
            RefusalKind.NotFound => StatusCodes.Status404NotFound,
            RefusalKind.Conflict => StatusCodes.Status409Conflict,
            RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
            RefusalKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            _ => throw new ArgumentOutOfRangeException(nameof(refused), refused.Kind, "Unknown refusal kind."),
        };
        ProblemDetails problem = refused.Field is { } field
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [refused.Message] })
            : new ProblemDetails();
        problem.Status = status;
        problem.Title = refused.Title;
        problem.Detail = refused.Message;
        return problem;
    }
}
