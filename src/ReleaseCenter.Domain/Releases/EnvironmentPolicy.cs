using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;

namespace ReleaseCenter.Domain.Releases;

/// <summary>Who must approve a stage, and how long they have.</summary>
public sealed record ApprovalPolicy(int Required, IReadOnlyList<string> Groups, int TimeoutSeconds)
{
    /// <summary>Announce a reminder when a stage has waited this long (null: never).</summary>
    public int? ReminderSeconds { get; init; }

    /// <summary>What one rejection does: "reject-stage" (default) ends the stage; "record-only" records the objection and the stage still needs its approvals.</summary>
    public string OnRejection { get; init; } = RejectStage;

    public const string RejectStage = "reject-stage";
    public const string RecordOnly = "record-only";
}

/// <summary>One environment's release policy (config/environments.json).</summary>
public sealed record EnvironmentPolicy(string Name, ApprovalPolicy Approval, int BakeSeconds, string InstanceType, GatePolicy Gate)
{
    public bool RequiresApproval => Approval.Required > 0;

    /// <summary>Who must approve a rollback in this environment ("rollback": {"approval": ...}); by default nobody.</summary>
    public ApprovalPolicy RollbackApproval { get; init; } = NoApproval;

    public static readonly ApprovalPolicy NoApproval = new(0, [], 86400);

    /// <summary>How a deployment shifts traffic to the new model ("deployment": {...}); by default all at once.</summary>
    public DeploymentStrategy Deployment { get; init; } = DeploymentStrategy.AllAtOnce;

    /// <summary>
    /// How long a release must have been live in the environment before this one in its path before it may enter this
    /// one ("requiredSoakSeconds"; Kargo's requiredSoakTime); 0, the default, asks for none. The workflow waits for it
    /// visibly at the environment's door (<see cref="EnvironmentDoor"/>).
    /// </summary>
    public int RequiredSoakSeconds { get; init; }

    /// <summary>Recurring allow and deny windows in a time zone ("windows"): the door is closed outside them (<see cref="Environments.PromotionWindow"/>).</summary>
    public IReadOnlyList<Environments.PromotionWindow> Windows { get; init; } = [];

    /// <summary>
    /// "autoPromote": a release whose gate passed enters without asking for approval (its soak, windows and freezes still
    /// hold), unless a manual rollback left a hold (<see cref="Environments.AutoPromotionHold"/>). Off by default.
    /// </summary>
    public bool AutoPromote { get; init; }
}

/// <summary>The environments in promotion order, read from configuration rather than code.</summary>
public sealed class EnvironmentPolicies
{
    private readonly Dictionary<string, EnvironmentPolicy> _byName;

    public EnvironmentPolicies(IReadOnlyList<EnvironmentPolicy> environments)
    {
        All = environments;
        _byName = environments.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<EnvironmentPolicy> All { get; }

    /// <summary>The environment of that name; null for none, or for no name at all (a JSON null in a request's list).</summary>
    public EnvironmentPolicy? Find(string? name) => name is null ? null : _byName.GetValueOrDefault(name);

    public EnvironmentPolicy Get(string name) => Find(name) ?? throw new KeyNotFoundException($"No environment '{name}' is configured.");

    /// <summary>Parses the configuration document; a malformed one fails at start-up with the reason.</summary>
    public static EnvironmentPolicies Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var list = new List<EnvironmentPolicy>();
        foreach (var env in doc.RootElement.GetProperty("environments").EnumerateArray())
        {
            var name = env.GetProperty("name").GetString() ?? throw new FormatException("An environment has no name.");
            var rules = env.TryGetProperty("gate", out var gate)
                ? gate.EnumerateArray().Select(r => new MetricRule(
                    r.GetProperty("metric").GetString()!,
                    Enum.Parse<MetricDirection>(r.GetProperty("direction").GetString()!),
                    r.TryGetProperty("threshold", out var t) ? t.GetDouble() : null,
                    r.TryGetProperty("maxRegression", out var m) ? m.GetDouble() : null)).ToArray()
                : [];
            var bakeSeconds = env.TryGetProperty("bakeSeconds", out var bake) ? bake.GetInt32() : 0;
            list.Add(new EnvironmentPolicy(
                name,
                ParseApproval(env.GetProperty("approval"), name),
                bakeSeconds,
                env.GetProperty("instanceType").GetString()!,
                new GatePolicy(rules))
            {
                RollbackApproval = env.TryGetProperty("rollback", out var rollback) && rollback.TryGetProperty("approval", out var rollbackApproval)
                    ? ParseApproval(rollbackApproval, $"{name}.rollback")
                    : EnvironmentPolicy.NoApproval,
                Deployment = env.TryGetProperty("deployment", out var deployment)
                    ? DeploymentStrategy.Parse(deployment, name, bakeSeconds)
                    : DeploymentStrategy.AllAtOnce,
                Windows = env.TryGetProperty("windows", out var windows) ? ParseWindows(windows, name) : [],
                AutoPromote = env.TryGetProperty("autoPromote", out var auto) && (auto.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? auto.GetBoolean() : throw new FormatException($"{name}: autoPromote must be true or false.")),
                RequiredSoakSeconds = env.TryGetProperty("requiredSoakSeconds", out var soak)
                    ? soak.TryGetInt32(out var seconds) && seconds >= 0 ? seconds : throw new FormatException($"{name}: requiredSoakSeconds must be a whole number of seconds, 0 or more.")
                    : 0,
            });
        }
        if (list.Count == 0 || list.Select(e => e.Name).Distinct(StringComparer.Ordinal).Count() != list.Count)
        {
            throw new FormatException("The environment configuration must list at least one environment, each name once.");
        }
        return new EnvironmentPolicies(list);
    }

    private static IReadOnlyList<Environments.PromotionWindow> ParseWindows(JsonElement windows, string environment)
    {
        var errors = new Validation.ValidationErrors();
        var parsed = Environments.PromotionWindow.Parse(windows, errors, $"{environment}.windows");
        return errors.IsValid ? parsed! : throw new FormatException(string.Join(" ", errors.ToDictionary().Select(e => $"{e.Key} {string.Join(" ", e.Value)}")));
    }

    private static ApprovalPolicy ParseApproval(JsonElement approval, string where)
    {
        var policy = new ApprovalPolicy(
            approval.GetProperty("required").GetInt32(),
            approval.GetProperty("groups").EnumerateArray().Select(g => g.GetString()!).ToArray(),
            approval.GetProperty("timeoutSeconds").GetInt32())
        {
            ReminderSeconds = approval.TryGetProperty("reminderSeconds", out var reminder) ? reminder.GetInt32() : null,
            OnRejection = approval.TryGetProperty("onRejection", out var onRejection)
                ? onRejection.GetString() is ApprovalPolicy.RejectStage or ApprovalPolicy.RecordOnly
                    ? onRejection.GetString()!
                    : throw new FormatException($"{where}: approval.onRejection must be '{ApprovalPolicy.RejectStage}' or '{ApprovalPolicy.RecordOnly}'.")
                : ApprovalPolicy.RejectStage,
        };
        if (policy.Required < 0 || (policy.Required > 0 && policy.Groups.Count == 0) || policy.TimeoutSeconds < 1)
        {
            throw new FormatException($"{where}: approval needs required >= 0, at least one group when required > 0, and timeoutSeconds >= 1.");
        }
        return policy;
    }
}
