using System.Text.Json;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Registry;

/// <summary>
/// An immutable, numbered version of a model: the artifact and everything needed to reproduce
/// and judge it. Numbers are 1, 2, 3... per model and are assigned by the store, never by callers.
/// </summary>
public sealed record ModelVersion(
    string Model,
    int Version,
    string ArtifactUri,
    string ArtifactDigest,
    string? Framework,
    string? Image,
    string? TrainingRun,
    IReadOnlyList<DatasetRef> Datasets,
    IReadOnlyDictionary<string, JsonElement> Hyperparameters,
    IReadOnlyDictionary<string, double> Metrics,
    InferenceConfig? InferenceConfig,
    DateTimeOffset CreatedAt,
    string CreatedBy)
{
    /// <summary>Where the version came from beyond its training run, e.g. {driftReport, pipelineExecution, modelPackage} for a retrained candidate.</summary>
    public IReadOnlyDictionary<string, string>? Lineage { get; init; }

    /// <summary>
    /// The veto that stands on the version, if any (<see cref="Registry.Veto"/>). The version's content never changes;
    /// whether it may be released does.
    /// </summary>
    public Veto? Veto { get; init; }

    public const int MaxDatasets = 100;
    public const int MaxMetrics = 200;
    public const int MaxHyperparameters = 200;

    /// <summary>Validates a version request; the number is filled in by the store on write.</summary>
    public static ModelVersion Create(string model, ModelVersionDraft draft, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new ValidationErrors();
        errors.Check("artifactUri", Rules.ArtifactUri(draft.ArtifactUri));
        errors.Check("artifactDigest", Rules.Digest(draft.ArtifactDigest));
        errors.Check("framework", Rules.OptionalText(draft.Framework, 128));
        errors.Check("image", Rules.OptionalText(draft.Image, 1024));
        errors.Check("trainingRun", Rules.OptionalText(draft.TrainingRun, 1024));

        var datasets = draft.Datasets ?? [];
        if (datasets.Count > MaxDatasets)
        {
            errors.Add("datasets", $"must have at most {MaxDatasets} entries.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < datasets.Count; i++)
        {
            var d = datasets[i];
            if (d is null)
            {
                errors.Add($"datasets[{i}]", "must be an object with name, uri and digest.");
                continue;
            }
            errors.Check($"datasets[{i}].name", Rules.Key(d.Name));
            errors.Check($"datasets[{i}].uri", Rules.ArtifactUri(d.Uri));
            errors.Check($"datasets[{i}].digest", Rules.Digest(d.Digest));
            if (d.Name is not null && !seen.Add(d.Name))
            {
                errors.Add($"datasets[{i}].name", "must be unique within the version.");
            }
        }

        var metrics = draft.Metrics ?? new Dictionary<string, double>();
        if (metrics.Count > MaxMetrics)
        {
            errors.Add("metrics", $"must have at most {MaxMetrics} entries.");
        }
        foreach (var (name, value) in metrics)
        {
            errors.Check($"metrics.{name}", Rules.Key(name));
            errors.Check($"metrics.{name}", Rules.FiniteNumber(value));
        }

        var hyperparameters = draft.Hyperparameters ?? new Dictionary<string, JsonElement>();
        if (hyperparameters.Count > MaxHyperparameters)
        {
            errors.Add("hyperparameters", $"must have at most {MaxHyperparameters} entries.");
        }
        foreach (var (name, value) in hyperparameters)
        {
            errors.Check($"hyperparameters.{name}", Rules.Key(name));
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add($"hyperparameters.{name}", "must be a string, number or boolean.");
            }
        }

        if (draft.InferenceConfig is { } ic)
        {
            errors.Check("inferenceConfig.instanceType", Rules.InstanceType(ic.InstanceType));
            if (ic.InstanceCount is null or < 1 or > 100)
            {
                errors.Add("inferenceConfig.instanceCount", "must be a whole number from 1 to 100.");
            }
        }

        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }

        return new ModelVersion(
            model, 0, draft.ArtifactUri!, draft.ArtifactDigest!, draft.Framework, draft.Image, draft.TrainingRun,
            datasets.Select(d => new DatasetRef(d!.Name, d.Uri, d.Digest)).ToArray(),
            new SortedDictionary<string, JsonElement>(hyperparameters.ToDictionary(h => h.Key, h => h.Value.Clone()), StringComparer.Ordinal),
            new SortedDictionary<string, double>(metrics.ToDictionary(), StringComparer.Ordinal),
            draft.InferenceConfig is { } c ? c with { } : null,
            now, actor);
    }
}

public sealed record DatasetRef(string? Name, string? Uri, string? Digest);

public sealed record InferenceConfig(string? InstanceType, int? InstanceCount);

/// <summary>What a caller asks for when registering a version; unchecked until <see cref="ModelVersion.Create"/>.</summary>
public sealed record ModelVersionDraft(
    string? ArtifactUri,
    string? ArtifactDigest,
    string? Framework = null,
    string? Image = null,
    string? TrainingRun = null,
    IReadOnlyList<DatasetRef?>? Datasets = null,
    IReadOnlyDictionary<string, JsonElement>? Hyperparameters = null,
    IReadOnlyDictionary<string, double>? Metrics = null,
    InferenceConfig? InferenceConfig = null);
