using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Registry;

/// <summary>
/// How a SageMaker model package becomes a version: its first container's image and artifact, its metrics (the
/// metrics report, then <c>metric:NAME</c> customer metadata properties for names the report lacks), its
/// <c>artifactDigest</c> and <c>hyperparameter:NAME</c> properties, and its lineage. What the package does not say
/// (framework, inference config) comes from the model's previous version.
/// </summary>
public static partial class ModelPackageVersions
{
    /// <summary>The lineage key every imported or retrained version carries: the package it came from (sync back finds it there).</summary>
    public const string PackageLineageKey = "modelPackage";

    public const string MetricPrefix = "metric:";
    public const string HyperparameterPrefix = "hyperparameter:";
    public const string ArtifactDigestProperty = "artifactDigest";

    [GeneratedRegex(@"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}(/\d+)?$")]
    private static partial Regex ArnPattern();

    /// <returns>Why <paramref name="arn"/> is not a model package ARN, or null.</returns>
    public static string? CheckArn(string? arn) =>
        string.IsNullOrEmpty(arn) ? "is required: the ARN of a model package (arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/N)."
        : arn.Length > 2048 || !ArnPattern().IsMatch(arn) ? "must be a model package ARN: arn:aws:sagemaker:REGION:ACCOUNT:model-package/GROUP/N."
        : null;

    /// <summary>The group a versioned package's ARN names (model-package/GROUP/N), in the ARN's lower case; null for an unversioned package.</summary>
    public static string? GroupOf(string arn)
    {
        var name = arn[(arn.IndexOf(":model-package/", StringComparison.Ordinal) + ":model-package/".Length)..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? name[..slash] : null;
    }

    /// <exception cref="DomainValidationException">the package cannot become a version; each reason names its field.</exception>
    public static ModelVersionDraft Draft(DescribeModelPackageResponse package, IReadOnlyDictionary<string, double>? report, ModelVersion? previous)
    {
        ArgumentNullException.ThrowIfNull(package);
        if (package.InferenceSpecification?.Containers is not [var container, ..])
        {
            throw DomainValidationException.For("modelPackageArn", $"names {package.ModelPackageArn}, which has no inference container (InferenceSpecification.Containers).");
        }
        var properties = package.CustomerMetadataProperties ?? new Dictionary<string, string>();
        var errors = new ValidationErrors();
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in report ?? new Dictionary<string, double>())
        {
            metrics[name] = value;
        }
        foreach (var (key, value) in properties.Where(p => p.Key.StartsWith(MetricPrefix, StringComparison.Ordinal)))
        {
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                errors.Add($"customerMetadataProperties.{key}", $"must be a number, not '{value}'.");
                continue;
            }
            metrics.TryAdd(key[MetricPrefix.Length..], number);
        }
        var hyperparameters = properties.Where(p => p.Key.StartsWith(HyperparameterPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[HyperparameterPrefix.Length..], p => JsonValue(p.Value), StringComparer.Ordinal);
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var framework = container.Framework is { Length: > 0 } f
            ? container.FrameworkVersion is { Length: > 0 } fv ? $"{f.ToLowerInvariant()} {fv}" : f.ToLowerInvariant()
            : previous?.Framework;
        var inference = previous?.InferenceConfig
            ?? (package.InferenceSpecification.SupportedRealtimeInferenceInstanceTypes is [var instanceType, ..] ? new InferenceConfig(instanceType, 1) : null);
        return new ModelVersionDraft(container.ModelDataUrl, properties.GetValueOrDefault(ArtifactDigestProperty), framework, container.Image,
            package.MetadataProperties?.GeneratedBy ?? package.ModelPackageArn, Metrics: metrics, Hyperparameters: hyperparameters, InferenceConfig: inference);
    }

    /// <summary>Where the package came from: itself, its group and number, and the metadata SageMaker keeps (pipeline, project, repository, commit).</summary>
    public static Dictionary<string, string> Lineage(DescribeModelPackageResponse package)
    {
        ArgumentNullException.ThrowIfNull(package);
        var lineage = new Dictionary<string, string>(StringComparer.Ordinal) { [PackageLineageKey] = package.ModelPackageArn };
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                lineage[key] = value;
            }
        }
        Add("modelPackageGroup", package.ModelPackageGroupName);
        Add("modelPackageVersion", package.ModelPackageVersion?.ToString(CultureInfo.InvariantCulture));
        Add("generatedBy", package.MetadataProperties?.GeneratedBy);
        Add("sageMakerProject", package.MetadataProperties?.ProjectId);
        Add("repository", package.MetadataProperties?.Repository);
        Add("commit", package.MetadataProperties?.CommitId);
        return lineage;
    }

    /// <summary>A hyperparameter's value as JSON when it is (a number, true, a list), otherwise as the string it is.</summary>
    private static JsonElement JsonValue(string value)
    {
        try
        {
            using var doc = JsonDocument.Parse(value);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(value, WorkflowJsonContext.Default.String);
        }
    }
}
