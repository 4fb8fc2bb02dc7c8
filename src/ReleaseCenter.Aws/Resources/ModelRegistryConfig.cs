using System.Text.Json;

namespace ReleaseCenter.Aws.Resources;

/// <summary>What a mapped model package group does with a new package: register it as a version of <paramref name="Model"/>, and maybe release it.</summary>
/// <param name="ReleaseEnvironments">When not null, the imported version is released to these environments at once (gates and approvals apply).</param>
public sealed record ModelPackageGroupMapping(string Group, string Model, IReadOnlyList<string>? ReleaseEnvironments)
{
    /// <summary>False: packages are imported by hand only (the API, <c>rc versions register --from-model-package</c>), never on SageMaker's event.</summary>
    public bool Auto { get; init; } = true;
}

/// <summary>
/// config/model-registry.json: which SageMaker model package groups feed which models, and the S3 buckets whose metrics
/// reports the import may read (the functions get read access to those alone).
/// </summary>
public sealed record ModelRegistryConfig(IReadOnlyDictionary<string, ModelPackageGroupMapping> Groups, IReadOnlyList<string> ReportBuckets)
{
    /// <summary>
    /// Whether a package of <paramref name="group"/> may become a version of <paramref name="model"/>: the group is mapped to
    /// that model, or is the model's own retraining group (<paramref name="prefix"/> + model). Package ARNs name their group
    /// in lower case, so the comparison ignores case.
    /// </summary>
    public bool Feeds(string group, string model, string prefix) =>
        Groups.Values.Any(g => string.Equals(g.Group, group, StringComparison.OrdinalIgnoreCase) && g.Model == model)
        || string.Equals(SageMakerNames.ModelPackageGroup(model, prefix), group, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// <paramref name="json"/> (null: an empty mapping) with <paramref name="bucket"/> in reportBuckets: the model artifacts
    /// bucket is always a report bucket (the CDK app adds its own, the local stack the emulator's).
    /// </summary>
    public static string WithReportBucket(string? json, string bucket)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json)!.AsObject();
        if (node["reportBuckets"] is not System.Text.Json.Nodes.JsonArray buckets)
        {
            node["reportBuckets"] = buckets = [];
        }
        if (!buckets.Any(b => b?.GetValue<string>() == bucket))
        {
            buckets.Add((System.Text.Json.Nodes.JsonNode?)System.Text.Json.Nodes.JsonValue.Create(bucket));
        }
        return node.ToJsonString();
    }

    public static ModelRegistryConfig Empty { get; } = new(new Dictionary<string, ModelPackageGroupMapping>(), []);

    /// <exception cref="FormatException">the file is not a valid mapping; the message says where.</exception>
    public static ModelRegistryConfig Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return Empty;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            var groups = new Dictionary<string, ModelPackageGroupMapping>(StringComparer.Ordinal);
            if (doc.RootElement.TryGetProperty("groups", out var map))
            {
                foreach (var group in map.EnumerateObject())
                {
                    var model = group.Value.TryGetProperty("model", out var m) ? m.GetString() : null;
                    if (Domain.Validation.Rules.ResourceName(model) is { } reason)
                    {
                        throw new FormatException($"groups.{group.Name}.model {reason}");
                    }
                    IReadOnlyList<string>? release = group.Value.TryGetProperty("releaseTo", out var r) && r.ValueKind == JsonValueKind.Array
                        ? r.EnumerateArray().Select(e => e.GetString() ?? throw new FormatException($"groups.{group.Name}.releaseTo must list environment names.")).ToArray()
                        : null;
                    var auto = !group.Value.TryGetProperty("auto", out var a) || a.ValueKind != JsonValueKind.False;
                    groups[group.Name] = new ModelPackageGroupMapping(group.Name, model!, release) { Auto = auto };
                }
            }
            var buckets = doc.RootElement.TryGetProperty("reportBuckets", out var list)
                ? list.EnumerateArray().Select(b => b.GetString() ?? throw new FormatException("reportBuckets must list bucket names.")).ToArray()
                : [];
            return new ModelRegistryConfig(groups, buckets);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"The model registry mapping is not valid: {ex.Message}", ex);
        }
    }
}
