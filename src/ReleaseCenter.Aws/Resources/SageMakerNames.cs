using System.Security.Cryptography;
using System.Text;

namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// Names of the SageMaker resources a release creates. SageMaker allows 1 to 63 letters, digits
/// and '-', starting and ending with a letter or digit. A name that would be longer keeps a
/// readable prefix and ends in a short hash of what makes it unique, so shortening never makes
/// two releases (or two environments) share a name.
/// </summary>
public static class SageMakerNames
{
    public const int MaxLength = 63;
    private const int HashLength = 10;

    /// <summary>
    /// The endpoint of a model in an environment: stable across releases. "{prefix}{model}-{environment}" when it fits.
    /// <paramref name="prefix"/> (the deployment's SAGEMAKER_NAME_PREFIX, "release-center-" in AWS by default) starts every
    /// name, so the functions' SageMaker grants can be scoped to "{prefix}*".
    /// </summary>
    public static string Endpoint(string model, string environment, string prefix = "") =>
        Fit($"{prefix}{model}-{environment}", $"endpoint/{model}/{environment}", keepSuffix: $"-{environment}");

    /// <summary>The endpoint config one release deploys to one environment: unique per release and environment.</summary>
    public static string EndpointConfig(string model, string environment, string releaseId, string prefix = "") =>
        Unique($"{prefix}{model}-{environment}", $"config/{releaseId}/{environment}");

    /// <summary>The SageMaker model of one release (shared by its environments).</summary>
    public static string Model(string model, int version, string releaseId, string prefix = "") =>
        Unique(FormattableString.Invariant($"{prefix}{model}-v{version}"), $"model/{releaseId}");

    /// <summary>The model package group a model's retraining pipeline registers its candidates in.</summary>
    public static string ModelPackageGroup(string model, string prefix = "") => $"{prefix}{model}";

    /// <summary>Why a name prefix cannot be used (null when it can): it must start a valid name and leave room for one.</summary>
    public static string? PrefixProblem(string prefix) =>
        string.IsNullOrEmpty(prefix) ? "must not be empty: the SageMaker grants are scoped to names that start with it"
        : prefix.Length > 24 ? "must be at most 24 characters, leaving room in SageMaker's 63 for the model and environment"
        : !char.IsAsciiLetter(prefix[0]) || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c == '-') ? "must start with a letter and hold only letters, digits and '-'"
        : null;

    /// <summary>True when SageMaker accepts <paramref name="name"/> as an endpoint, config or model name.</summary>
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>The readable name if it is valid as it is; otherwise a shortened prefix, <paramref name="keepSuffix"/> and a hash.</summary>
    private static string Fit(string readable, string uniqueKey, string keepSuffix = "") =>
        IsValid(readable) ? readable : Shorten(readable[..^keepSuffix.Length], keepSuffix, uniqueKey);

    /// <summary>Always ends in a hash of <paramref name="uniqueKey"/>: "{readable, cut to fit}-{hash}".</summary>
    private static string Unique(string readable, string uniqueKey) => Shorten(readable, "", uniqueKey);

    private static string Shorten(string prefix, string suffix, string uniqueKey)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uniqueKey)))[..HashLength];
        var room = MaxLength - suffix.Length - 1 - HashLength;
        var head = (prefix.Length <= room ? prefix : prefix[..room]).Trim('-');
        return head.Length == 0 ? $"{suffix.TrimStart('-')}-{hash}".TrimStart('-') : $"{head}{suffix}-{hash}";
    }
}

/// <summary>Tags on the SageMaker resources a release creates, so a person in the AWS console can tell whose they are.</summary>
public static class ResourceTags
{
    public const string Release = "release-center:release";
    public const string Model = "release-center:model";
}
