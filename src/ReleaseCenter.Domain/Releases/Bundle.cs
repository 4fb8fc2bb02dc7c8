using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Domain.Registry;

namespace ReleaseCenter.Domain.Releases;

/// <summary>
/// What a release ships, frozen when the release is created: the model version's artifact, its
/// datasets, its hyperparameters and its inference config, with one digest over a canonical JSON
/// form (sorted keys, no whitespace). Equal content gives an equal digest.
/// </summary>
public sealed record Bundle(
    string Model,
    int Version,
    string ArtifactUri,
    string ArtifactDigest,
    string? Image,
    IReadOnlyList<DatasetRef> Datasets,
    IReadOnlyDictionary<string, JsonElement> Hyperparameters,
    InferenceConfig InferenceConfig,
    string Digest)
{
    public static Bundle Freeze(ModelVersion version, string defaultInstanceType)
    {
        ArgumentNullException.ThrowIfNull(version);
        var inference = version.InferenceConfig ?? new InferenceConfig(defaultInstanceType, 1);
        var datasets = version.Datasets.OrderBy(d => d.Name, StringComparer.Ordinal).ToArray();
        var hyperparameters = new SortedDictionary<string, JsonElement>(version.Hyperparameters.ToDictionary(), StringComparer.Ordinal);
        var digest = DigestOf(version.Model, version.Version, version.ArtifactUri, version.ArtifactDigest, version.Image, datasets, hyperparameters, inference);
        return new Bundle(version.Model, version.Version, version.ArtifactUri, version.ArtifactDigest, version.Image, datasets, hyperparameters, inference, digest);
    }

    private static string DigestOf(string model, int version, string artifactUri, string artifactDigest, string? image,
        IReadOnlyList<DatasetRef> datasets, SortedDictionary<string, JsonElement> hyperparameters, InferenceConfig inference)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            // Keys in ordinal order at every level: this is the canonical form.
            w.WriteStartObject();
            w.WriteString("artifactDigest", artifactDigest);
            w.WriteString("artifactUri", artifactUri);
            w.WriteStartArray("datasets");
            foreach (var d in datasets)
            {
                w.WriteStartObject();
                w.WriteString("digest", d.Digest);
                w.WriteString("name", d.Name);
                w.WriteString("uri", d.Uri);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("hyperparameters");
            foreach (var (key, value) in hyperparameters)
            {
                w.WritePropertyName(key);
                value.WriteTo(w);
            }
            w.WriteEndObject();
            if (image is not null)
            {
                w.WriteString("image", image);
            }
            w.WriteStartObject("inferenceConfig");
            w.WriteNumber("instanceCount", inference.InstanceCount ?? 1);
            w.WriteString("instanceType", inference.InstanceType);
            w.WriteEndObject();
            w.WriteString("model", model);
            w.WriteNumber("version", version);
            w.WriteEndObject();
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(buffer.ToArray()));
    }
}
