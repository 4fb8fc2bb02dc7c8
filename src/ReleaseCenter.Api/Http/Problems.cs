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

    /// <summary>What a time parameter must be: a release tool's records start in 1970 and windows around them must not overflow the calendar.</summary>
    public const string TimestampRule = "must be an ISO-8601 timestamp between 1970 and 9000.";

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Latest = new(9000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses an optional ISO-8601 query value (no offset means UTC; <see cref="TimestampRule"/>); false when it is given and is not one.</summary>
    public static bool TryTime(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (text is null)
        {
            return true;
        }
        // Outside these years, windows computed from the value (a year before since, a week after a bucket) overflow.
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var parsed)
            && parsed >= Earliest && parsed < Latest)
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
