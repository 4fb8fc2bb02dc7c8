using System.Text.RegularExpressions;

namespace ReleaseCenter.Domain.Validation;

/// <summary>The syntactic rules shared by every entity (api.md). Each returns null when the value is fine.</summary>
public static partial class Rules
{
    private static readonly HashSet<string> UriSchemes = new(StringComparer.Ordinal) { "s3", "https", "http", "gs" };

    [GeneratedRegex("^[a-z0-9-]{3,63}$")]
    private static partial Regex ResourceNamePattern();

    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[A-Za-z0-9_.:/-]{1,64}$")]
    private static partial Regex KeyPattern();

    [GeneratedRegex(@"^ml\.[a-z0-9]+\.[a-z0-9]+$")]
    private static partial Regex InstanceTypePattern();

    /// <summary>Model and project names: lowercase letters, digits and '-', 3 to 63 characters.</summary>
    public static string? ResourceName(string? value) => value switch
    {
        null or "" => "is required.",
        _ when !ResourceNamePattern().IsMatch(value) => "must be 3 to 63 characters of lowercase letters, digits and '-'.",
        _ => null,
    };

    /// <summary>
    /// Model names: a <see cref="ResourceName"/> that also starts and ends with a letter or digit,
    /// because SageMaker endpoint, config and model names are derived from it and SageMaker refuses
    /// a name that starts or ends with '-'.
    /// </summary>
    public static string? ModelName(string? value) => ResourceName(value) ?? (value![0] == '-' || value[^1] == '-'
        ? "must start and end with a letter or digit: its SageMaker endpoint names ({model}-{environment}) could not be created otherwise."
        : null);

    public static string? Digest(string? value) => value switch
    {
        null or "" => "is required.",
        _ when !DigestPattern().IsMatch(value) => "must be 'sha256:' followed by 64 lowercase hex digits.",
        _ => null,
    };

    /// <summary>Metric, dataset and tag keys.</summary>
    public static string? Key(string? value) => value switch
    {
        null or "" => "is required.",
        _ when !KeyPattern().IsMatch(value) => "must be 1 to 64 characters of letters, digits and _ . : / -.",
        _ => null,
    };

    public static string? ArtifactUri(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "is required.";
        }
        if (value.Length > 1024)
        {
            return "must be at most 1024 characters.";
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !UriSchemes.Contains(uri.Scheme) || string.IsNullOrEmpty(uri.Host))
        {
            return "must be an absolute s3://, gs://, https:// or http:// URI with a bucket or host.";
        }
        return null;
    }

    public static string? FiniteNumber(double value) =>
        double.IsFinite(value) ? null : "must be a finite number.";

    public static string? InstanceType(string? value) => value switch
    {
        null or "" => "is required.",
        _ when !InstanceTypePattern().IsMatch(value) => "must be a SageMaker instance type such as 'ml.m5.large'.",
        _ => null,
    };

    public const int MaxReasonLength = 2000;

    /// <summary>The reason a person gives for a governance change (a veto, a freeze, a policy change, their lifts): required, at most 2,000 characters.</summary>
    public static string? Reason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength
            ? $"is required: 1 to {MaxReasonLength} characters saying why."
            : null;

    public static string? OptionalText(string? value, int maxLength) =>
        value is not null && value.Length > maxLength ? $"must be at most {maxLength} characters." : null;

    /// <summary>Adds the message to <paramref name="errors"/> when the rule failed.</summary>
    public static void Check(this ValidationErrors errors, string field, string? message)
    {
        if (message is not null)
        {
            errors.Add(field, message);
        }
    }
}
