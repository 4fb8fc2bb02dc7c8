using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ReleaseCenter.Api.Http;

public static class Problems
{
    /// <summary>
    /// <see cref="JsonBody.ReadAsync"/> answers a validation problem or another problem (413, 415);
    /// this puts either into a handler's result union. The annotation tells the trimmer what
    /// Results&lt;...&gt; needs of T (its static endpoint-metadata methods).
    /// </summary>
    public static Results<T, ValidationProblem, ProblemHttpResult> Unwrap<
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods)] T>(IResult problem)
        where T : IResult => problem switch
    {
        ValidationProblem v => v,
        ProblemHttpResult p => p,
        _ => throw new InvalidOperationException("JsonBody returns only problem results."),
    };

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    /// <summary>An optional ISO-8601 query value (no offset means UTC); false when present but not a timestamp.</summary>
    public static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }
        return false;
    }

    /// <summary>Query-string paging: limit 1..100 (default 50) and an opaque cursor.</summary>
    public static bool TryLimit(int? limit, out int value, out ValidationProblem? problem)
    {
        value = limit ?? 50;
        problem = value is < 1 or > 100 ? JsonBody.Invalid("limit", "must be between 1 and 100.") : null;
        return problem is null;
    }
}
