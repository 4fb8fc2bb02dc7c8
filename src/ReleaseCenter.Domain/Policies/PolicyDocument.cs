using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Policies;

/// <summary>Who a policy document governs: every model of a project, or one model (which wins over its project).</summary>
public enum PolicyScope
{
    Project,
    Model,
}

/// <summary>
/// One environment's settings at one layer (a project's or a model's policy document). A setting left out is taken
/// from the layer below: the model's from its project's, the project's from the environment's default
/// (config/environments.json). <see cref="Fields"/> keeps each setting as it was written (compact JSON), for the diff
/// of a change and for showing the document back.
/// </summary>
public sealed record PolicyOverride(IReadOnlyDictionary<string, string> Fields)
{
    public IReadOnlyList<MetricRule>? Gate { get; init; }
    public IReadOnlyList<string>? RequiredMetrics { get; init; }
    public ApprovalPolicy? Approval { get; init; }
    public int? BakeSeconds { get; init; }
    public DeploymentStrategy? Deployment { get; init; }
    public ApprovalPolicy? RollbackApproval { get; init; }
    public int? RequiredSoakSeconds { get; init; }
    public IReadOnlyList<Environments.PromotionWindow>? Windows { get; init; }
    public bool? AutoPromote { get; init; }
}

/// <summary>
/// One version of a project's or a model's policy: what each environment overrides. Versions are immutable and
/// numbered from 1; a change writes the next one (conditionally, so two writers cannot both make version n).
/// </summary>
public sealed record PolicyDocument(
    PolicyScope Scope, string Name, int Version, IReadOnlyDictionary<string, PolicyOverride> Environments, string By, DateTimeOffset At, string Reason)
{
    /// <summary>What changed from the version before, one line per setting ("prod.gate: … → …"); empty for a first version that sets nothing.</summary>
    public IReadOnlyList<string> Diff { get; init; } = [];

    public string Label => $"{(Scope == PolicyScope.Model ? "model" : "project")} {Name} v{Version.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>Parses and compares policy documents: the same field names as an environment in config/environments.json.</summary>
public static class PolicyDocuments
{
    public const string Gate = "gate";
    public const string RequiredMetrics = "requiredMetrics";
    public const string Approval = "approval";
    public const string BakeSeconds = "bakeSeconds";
    public const string Deployment = "deployment";
    public const string Rollback = "rollback";
    public const string RequiredSoakSeconds = "requiredSoakSeconds";
    public const string Windows = "windows";
    public const string AutoPromote = "autoPromote";

    /// <summary>The settings a layer may override, in the order they are shown.</summary>
    public static readonly IReadOnlyList<string> Settings = [Gate, RequiredMetrics, Approval, BakeSeconds, Deployment, Rollback, RequiredSoakSeconds, Windows, AutoPromote];

    public const int MaxBakeSeconds = 86_400;
    public const int MaxSoakSeconds = 30 * 86_400;
    private const int MaxRules = 50;

    /// <summary>
    /// Parses the "environments" object of a policy document ({"prod": {"gate": [...], ...}}): every environment must
    /// be configured, every setting known and valid. Errors are added under <paramref name="path"/> ("environments.prod.gate[0].metric").
    /// </summary>
    public static Dictionary<string, PolicyOverride> Parse(JsonElement environments, EnvironmentPolicies defaults, ValidationErrors errors, string path = "environments")
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(errors);
        var result = new Dictionary<string, PolicyOverride>(StringComparer.Ordinal);
        if (environments.ValueKind != JsonValueKind.Object)
        {
            errors.Add(path, "must be an object naming environments, each with the settings it overrides.");
            return result;
        }
        foreach (var env in environments.EnumerateObject())
        {
            var where = $"{path}.{env.Name}";
            var environment = defaults.Find(env.Name);
            if (environment is null)
            {
                errors.Add(where, $"'{env.Name}' is not a configured environment ({string.Join(", ", defaults.All.Select(p => p.Name))}).");
                continue;
            }
            if (result.ContainsKey(env.Name))
            {
                errors.Add(where, "appears more than once.");
                continue;
            }
            if (ParseOne(env.Value, environment, errors, where) is { } parsed)
            {
                result[env.Name] = parsed;
            }
        }
        return result;
    }

    private static PolicyOverride? ParseOne(JsonElement element, EnvironmentPolicy environment, ValidationErrors errors, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors.Add(where, "must be an object of the settings this layer overrides.");
            return null;
        }
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!Settings.Contains(property.Name, StringComparer.Ordinal))
            {
                errors.Add($"{where}.{property.Name}", $"is not a policy setting ({string.Join(", ", Settings)}).");
            }
            else if (!fields.TryAdd(property.Name, property.Value))
            {
                errors.Add($"{where}.{property.Name}", "appears more than once.");
            }
        }
        var bake = fields.TryGetValue(BakeSeconds, out var b) ? WholeNumber(b, 0, MaxBakeSeconds, errors, $"{where}.{BakeSeconds}") : null;
        var result = new PolicyOverride(fields.ToDictionary(f => f.Key, f => Compact(f.Value), StringComparer.Ordinal))
        {
            Gate = fields.TryGetValue(Gate, out var gate) ? ParseGate(gate, errors, $"{where}.{Gate}") : null,
            RequiredMetrics = fields.TryGetValue(RequiredMetrics, out var required) ? ParseMetricNames(required, errors, $"{where}.{RequiredMetrics}") : null,
            Approval = fields.TryGetValue(Approval, out var approval) ? ParseApproval(approval, errors, $"{where}.{Approval}") : null,
            BakeSeconds = bake,
            Deployment = fields.TryGetValue(Deployment, out var deployment)
                ? ParseDeployment(deployment, environment.Name, bake ?? environment.BakeSeconds, errors, $"{where}.{Deployment}")
                : null,
            RollbackApproval = fields.TryGetValue(Rollback, out var rollback) ? ParseRollback(rollback, errors, $"{where}.{Rollback}") : null,
            RequiredSoakSeconds = fields.TryGetValue(RequiredSoakSeconds, out var soak)
                ? WholeNumber(soak, 0, MaxSoakSeconds, errors, $"{where}.{RequiredSoakSeconds}")
                : null,
            Windows = fields.TryGetValue(Windows, out var windows) ? Environments.PromotionWindow.Parse(windows, errors, $"{where}.{Windows}") : null,
            AutoPromote = fields.TryGetValue(AutoPromote, out var auto) ? Flag(auto, errors, $"{where}.{AutoPromote}") : null,
        };
        return result;
    }

    private static string Compact(JsonElement value) => JsonSerializer.Serialize(value, PolicyJsonContext.Default.JsonElement);

    private static bool? Flag(JsonElement value, ValidationErrors errors, string field)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }
        errors.Add(field, "must be true or false.");
        return null;
    }

    private static int? WholeNumber(JsonElement value, int min, int max, ValidationErrors errors, string field)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n >= min && n <= max)
        {
            return n;
        }
        errors.Add(field, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}."));
        return null;
    }

    private static List<MetricRule>? ParseGate(JsonElement gate, ValidationErrors errors, string field)
    {
        if (gate.ValueKind != JsonValueKind.Array || gate.GetArrayLength() > MaxRules)
        {
            errors.Add(field, $"must be a list of at most {MaxRules} rules, each {{\"metric\", \"direction\", \"threshold\"?, \"maxRegression\"?}}.");
            return null;
        }
        var rules = new List<MetricRule>();
        var index = 0;
        foreach (var rule in gate.EnumerateArray())
        {
            var at = $"{field}[{index++}]";
            if (rule.ValueKind != JsonValueKind.Object)
            {
                errors.Add(at, "must be an object {\"metric\", \"direction\", \"threshold\"?, \"maxRegression\"?}.");
                continue;
            }
            string? metric = null;
            MetricDirection? direction = null;
            double? threshold = null, maxRegression = null;
            foreach (var property in rule.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "metric":
                        metric = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        errors.Check($"{at}.metric", Rules.Key(metric));
                        break;
                    case "direction":
                        direction = property.Value.ValueKind == JsonValueKind.String
                            && Enum.TryParse<MetricDirection>(property.Value.GetString(), ignoreCase: false, out var d) && Enum.IsDefined(d) ? d : null;
                        if (direction is null)
                        {
                            errors.Add($"{at}.direction", "must be HigherIsBetter or LowerIsBetter.");
                        }
                        break;
                    case "threshold":
                        threshold = Number(property.Value, errors, $"{at}.threshold", min: null);
                        break;
                    case "maxRegression":
                        maxRegression = Number(property.Value, errors, $"{at}.maxRegression", min: 0);
                        break;
                    default:
                        errors.Add($"{at}.{property.Name}", "is not a rule field (metric, direction, threshold, maxRegression).");
                        break;
                }
            }
            if (metric is null && !rule.TryGetProperty("metric", out _))
            {
                errors.Add($"{at}.metric", "is required.");
            }
            if (direction is null && !rule.TryGetProperty("direction", out _))
            {
                errors.Add($"{at}.direction", "is required: HigherIsBetter or LowerIsBetter.");
            }
            if (metric is not null && direction is not null)
            {
                if (rules.Any(r => r.Metric == metric))
                {
                    errors.Add($"{at}.metric", $"'{metric}' has a rule already; one rule per metric.");
                }
                rules.Add(new MetricRule(metric, direction.Value, threshold, maxRegression));
            }
        }
        return rules;
    }

    private static double? Number(JsonElement value, ValidationErrors errors, string field, double? min)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n) && double.IsFinite(n) && (min is null || n >= min))
        {
            return n;
        }
        errors.Add(field, min is null ? "must be a finite number." : $"must be a finite number of {min.Value.ToString(CultureInfo.InvariantCulture)} or more.");
        return null;
    }

    private static List<string>? ParseMetricNames(JsonElement value, ValidationErrors errors, string field)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > MaxRules)
        {
            errors.Add(field, $"must be a list of at most {MaxRules} metric names.");
            return null;
        }
        var names = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var reason = Rules.Key(name) ?? (names.Contains(name!, StringComparer.Ordinal) ? "is listed twice." : null);
            errors.Check($"{field}[{index++}]", reason);
            if (reason is null)
            {
                names.Add(name!);
            }
        }
        return names;
    }

    /// <summary>{"required", "groups", "timeoutSeconds", "reminderSeconds"?, "onRejection"?}, checked field by field.</summary>
    public static ApprovalPolicy? ParseApproval(JsonElement value, ValidationErrors errors, string field)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add(field, "must be an object {\"required\", \"groups\", \"timeoutSeconds\", \"reminderSeconds\"?, \"onRejection\"?}.");
            return null;
        }
        int? required = null, timeout = null, reminder = null;
        List<string>? groups = null;
        var onRejection = ApprovalPolicy.RejectStage;
        var valid = true;
        foreach (var property in value.EnumerateObject())
        {
            var at = $"{field}.{property.Name}";
            switch (property.Name)
            {
                case "required":
                    required = WholeNumber(property.Value, 0, 10, errors, at);
                    valid &= required is not null;
                    break;
                case "groups":
                    groups = ParseGroups(property.Value, errors, at);
                    valid &= groups is not null;
                    break;
                case "timeoutSeconds":
                    timeout = WholeNumber(property.Value, 1, 30 * 86_400, errors, at);
                    valid &= timeout is not null;
                    break;
                case "reminderSeconds":
                    reminder = WholeNumber(property.Value, 1, 30 * 86_400, errors, at);
                    valid &= reminder is not null;
                    break;
                case "onRejection":
                    if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is ApprovalPolicy.RejectStage or ApprovalPolicy.RecordOnly)
                    {
                        onRejection = property.Value.GetString()!;
                    }
                    else
                    {
                        errors.Add(at, $"must be '{ApprovalPolicy.RejectStage}' or '{ApprovalPolicy.RecordOnly}'.");
                        valid = false;
                    }
                    break;
                default:
                    errors.Add(at, "is not an approval field (required, groups, timeoutSeconds, reminderSeconds, onRejection).");
                    valid = false;
                    break;
            }
        }
        foreach (var (name, present) in new[] { ("required", required is not null), ("groups", groups is not null), ("timeoutSeconds", timeout is not null) })
        {
            if (!present && !value.TryGetProperty(name, out _))
            {
                errors.Add($"{field}.{name}", "is required.");
                valid = false;
            }
        }
        if (!valid)
        {
            return null;
        }
        if (required > 0 && groups!.Count == 0)
        {
            errors.Add($"{field}.groups", "must name at least one group when approvals are required.");
            return null;
        }
        return new ApprovalPolicy(required!.Value, groups!, timeout!.Value) { ReminderSeconds = reminder, OnRejection = onRejection };
    }

    private static List<string>? ParseGroups(JsonElement value, ValidationErrors errors, string field)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 20)
        {
            errors.Add(field, "must be a list of at most 20 group names.");
            return null;
        }
        var groups = new List<string>();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var name = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var reason = Rules.Key(name);
            errors.Check($"{field}[{index++}]", reason);
            if (reason is null && !groups.Contains(name!, StringComparer.Ordinal))
            {
                groups.Add(name!);
            }
        }
        return groups.Count == value.GetArrayLength() ? groups : null;
    }

    private static DeploymentStrategy? ParseDeployment(JsonElement value, string environment, int bakeSeconds, ValidationErrors errors, string field)
    {
        try
        {
            return DeploymentStrategy.Parse(value, environment, bakeSeconds);
        }
        catch (FormatException ex)
        {
            var message = ex.Message.StartsWith($"{environment}: ", StringComparison.Ordinal) ? ex.Message[(environment.Length + 2)..] : ex.Message;
            errors.Add(field, message);
            return null;
        }
    }

    private static ApprovalPolicy? ParseRollback(JsonElement value, ValidationErrors errors, string field)
    {
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("approval", out var approval) || value.EnumerateObject().Count() != 1)
        {
            errors.Add(field, "must be {\"approval\": {\"required\", \"groups\", \"timeoutSeconds\"}}.");
            return null;
        }
        return ParseApproval(approval, errors, $"{field}.approval");
    }

    /// <summary>One line per setting that differs between two versions' overrides ("prod.bakeSeconds: 600 → 1800"; "(inherited)" when not set).</summary>
    public static IReadOnlyList<string> Diff(IReadOnlyDictionary<string, PolicyOverride>? before, IReadOnlyDictionary<string, PolicyOverride> after)
    {
        ArgumentNullException.ThrowIfNull(after);
        var lines = new List<string>();
        var environments = (before?.Keys ?? []).Union(after.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal);
        foreach (var env in environments)
        {
            var was = before?.GetValueOrDefault(env)?.Fields;
            var now = after.GetValueOrDefault(env)?.Fields;
            foreach (var setting in Settings)
            {
                var from = was?.GetValueOrDefault(setting);
                var to = now?.GetValueOrDefault(setting);
                if (!string.Equals(from, to, StringComparison.Ordinal))
                {
                    lines.Add($"{env}.{setting}: {from ?? "(inherited)"} → {to ?? "(inherited)"}");
                }
            }
        }
        return lines;
    }

    /// <summary>The document's environments as JSON, the form it was written in (and is stored in).</summary>
    public static string Write(IReadOnlyDictionary<string, PolicyOverride> environments)
    {
        ArgumentNullException.ThrowIfNull(environments);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (env, layer) in environments.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(env);
                writer.WriteStartObject();
                foreach (var setting in Settings.Where(layer.Fields.ContainsKey))
                {
                    writer.WritePropertyName(setting);
                    writer.WriteRawValue(layer.Fields[setting]);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonElement))]
internal sealed partial class PolicyJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
