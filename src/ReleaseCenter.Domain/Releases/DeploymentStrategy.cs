using System.Globalization;
using System.Text.Json;

namespace ReleaseCenter.Domain.Releases;

/// <summary>How an endpoint update shifts traffic from the old fleet (blue) to the new one (green).</summary>
public enum DeploymentStrategyKind
{
    /// <summary>All traffic in one step, then the baking period.</summary>
    AllAtOnce,

    /// <summary>A canary share of the traffic for one baking period, then the rest.</summary>
    Canary,

    /// <summary>Equal steps, each baked for the wait interval, until all traffic is on the new fleet.</summary>
    Linear,
}

/// <summary>
/// One environment's deployment strategy ("deployment" in config/environments.json), expressed
/// in terms SageMaker's blue/green UpdateEndpoint takes (a DeploymentConfig). Percentages are of
/// the new fleet's capacity; the wait interval is the baking period of each step, during which
/// any of <see cref="RollbackAlarms"/> going off rolls the endpoint back to the old fleet.
/// </summary>
/// <remarks>
/// <see cref="Parse"/> enforces SageMaker's documented bounds, so a bad configuration fails at
/// start-up instead of at the first production deployment:
/// <list type="bullet">
/// <item><see cref="CanaryPercent"/> 1 to 50: CapacitySize.Value is at least 1 and the canary
/// "must be less than or equal to 50% of the variant's total instance count"
/// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html,
/// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html).</item>
/// <item><see cref="LinearStepPercent"/> 10 to 50: each linear step "must be 10-50% of the
/// variant's total instance count" (API_TrafficRoutingConfig.html).</item>
/// <item><see cref="WaitIntervalSeconds"/> 0 to 3600: TrafficRoutingConfig.WaitIntervalInSeconds
/// (API_TrafficRoutingConfig.html).</item>
/// <item><see cref="TerminationWaitSeconds"/> 0 to 3600: BlueGreenUpdatePolicy.TerminationWaitInSeconds
/// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html).</item>
/// <item><see cref="MaximumExecutionTimeoutSeconds"/> 600 to 28800, and larger than the waiting
/// it has to cover: BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds "should be larger than
/// the total waiting time specified in TerminationWaitInSeconds and WaitIntervalInSeconds"
/// (API_BlueGreenUpdatePolicy.html). We count every baking period, the last step's too
/// (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html:
/// "there is a final baking period"), plus the termination wait.</item>
/// <item><see cref="RollbackAlarms"/> at most 10, each a name of 1 to 255 characters that is not
/// blank: AutoRollbackConfig.Alarms holds 1 to 10 alarms
/// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html) and
/// Alarm.AlarmName is 1 to 255 characters matching (?!\s*$).+
/// (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Alarm.html). No alarms means no
/// AutoRollbackConfig at all.</item>
/// </list>
/// </remarks>
public sealed record DeploymentStrategy
{
    // SageMaker's limits (see the remarks), named once for the checks and their messages.
    public const int MaxCanaryPercent = 50;
    public const int MinLinearStepPercent = 10;
    public const int MaxLinearStepPercent = 50;
    public const int MaxWaitSeconds = 3600;
    public const int MinExecutionTimeoutSeconds = 600;
    public const int MaxExecutionTimeoutSeconds = 28800;
    public const int MaxRollbackAlarms = 10;
    public const int MaxAlarmNameLength = 255;

    private const string AllAtOnceName = "all-at-once";
    private const string CanaryName = "canary";
    private const string LinearName = "linear";

    private static readonly string[] KnownFields =
    [
        "strategy", "canaryPercent", "linearStepPercent", "waitIntervalSeconds", "terminationWaitSeconds",
        "maximumExecutionTimeoutSeconds", "rollbackAlarms",
    ];

    /// <summary>All traffic at once, no baking, no alarms: what an update without a deployment config does.</summary>
    public static DeploymentStrategy AllAtOnce { get; } = new();

    public DeploymentStrategyKind Kind { get; init; }

    /// <summary>Share of traffic the canary takes for the first baking period (canary only).</summary>
    public int? CanaryPercent { get; init; }

    /// <summary>Share of traffic each step adds (linear only).</summary>
    public int? LinearStepPercent { get; init; }

    /// <summary>Baking period of each step: the canary's bake time, the linear interval, or the bake after an all-at-once shift.</summary>
    public int WaitIntervalSeconds { get; init; }

    /// <summary>How long the old fleet is kept after all traffic has moved.</summary>
    public int TerminationWaitSeconds { get; init; }

    /// <summary>The deployment fails (and rolls back) if it takes longer; null leaves SageMaker's default.</summary>
    public int? MaximumExecutionTimeoutSeconds { get; init; }

    /// <summary>CloudWatch alarms that roll the deployment back while they are in ALARM.</summary>
    public IReadOnlyList<string> RollbackAlarms { get; init; } = [];

    /// <summary>How many traffic steps the shift takes, each followed by a baking period.</summary>
    public int Steps => Kind switch
    {
        DeploymentStrategyKind.Canary => 2,
        DeploymentStrategyKind.Linear when LinearStepPercent is int step && step > 0 => (100 + step - 1) / step,
        _ => 1,
    };

    /// <summary>Every baking period plus the termination wait: the least time the deployment takes.</summary>
    public int TotalWaitSeconds => (Steps * WaitIntervalSeconds) + TerminationWaitSeconds;

    /// <summary>What SageMaker may take to provision an endpoint's instances before any traffic moves (creating one takes minutes; we allow half an hour).</summary>
    public const int ProvisioningSeconds = 1800;

    /// <summary>
    /// How long a release waits for the endpoint before it gives the deployment up: provisioning,
    /// then every traffic step's wait and the termination wait, or SageMaker's own
    /// MaximumExecutionTimeoutInSeconds when that is longer (SageMaker gives up by then).
    /// A wait shorter than this would mark a stage failed while the endpoint finishes the update.
    /// </summary>
    public int DeploymentBoundSeconds => ProvisioningSeconds + Math.Max(TotalWaitSeconds, MaximumExecutionTimeoutSeconds ?? 0);

    public bool Equals(DeploymentStrategy? other) =>
        other is not null
        && Kind == other.Kind
        && CanaryPercent == other.CanaryPercent
        && LinearStepPercent == other.LinearStepPercent
        && WaitIntervalSeconds == other.WaitIntervalSeconds
        && TerminationWaitSeconds == other.TerminationWaitSeconds
        && MaximumExecutionTimeoutSeconds == other.MaximumExecutionTimeoutSeconds
        && RollbackAlarms.SequenceEqual(other.RollbackAlarms, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(CanaryPercent);
        hash.Add(LinearStepPercent);
        hash.Add(WaitIntervalSeconds);
        hash.Add(TerminationWaitSeconds);
        hash.Add(MaximumExecutionTimeoutSeconds);
        foreach (var alarm in RollbackAlarms)
        {
            hash.Add(alarm, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }

    /// <summary>
    /// Reads one environment's "deployment" object, e.g.
    /// {"strategy":"canary","canaryPercent":10,"waitIntervalSeconds":600,"rollbackAlarms":["fraud-5xx"]}.
    /// </summary>
    /// <param name="element">The "deployment" object.</param>
    /// <param name="environment">The environment's name, for the error messages.</param>
    /// <param name="defaultWaitSeconds">The wait interval when none is given: the environment's bake time.</param>
    /// <exception cref="FormatException">
    /// An unknown field or strategy, a field of another strategy, a missing or mistyped value, or a
    /// value out of SageMaker's bounds; the message names the environment and the field.
    /// </exception>
    public static DeploymentStrategy Parse(JsonElement element, string environment, int defaultWaitSeconds)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(environment, "deployment must be a JSON object.");
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!KnownFields.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Invalid(environment, $"deployment.{property.Name} is not a known field (known: {string.Join(", ", KnownFields)}).");
            }
            if (!fields.TryAdd(property.Name, property.Value))
            {
                throw Invalid(environment, $"deployment.{property.Name} appears more than once.");
            }
        }

        var kind = ReadKind(fields, environment);
        OnlyFor(fields, environment, "canaryPercent", DeploymentStrategyKind.Canary, kind);
        OnlyFor(fields, environment, "linearStepPercent", DeploymentStrategyKind.Linear, kind);

        int? canary = null;
        int? step = null;
        if (kind == DeploymentStrategyKind.Canary)
        {
            canary = Required(fields, environment, "canaryPercent", kind);
            Within(environment, "canaryPercent", canary.Value, 1, MaxCanaryPercent, $"SageMaker: at most {MaxCanaryPercent}% of the fleet");
        }
        else if (kind == DeploymentStrategyKind.Linear)
        {
            step = Required(fields, environment, "linearStepPercent", kind);
            Within(environment, "linearStepPercent", step.Value, MinLinearStepPercent, MaxLinearStepPercent,
                $"SageMaker: each linear step is {MinLinearStepPercent}-{MaxLinearStepPercent}% of the fleet");
        }

        var wait = Optional(fields, environment, "waitIntervalSeconds");
        if (wait is null)
        {
            Within(environment, $"waitIntervalSeconds (defaulted to the environment's bakeSeconds, {defaultWaitSeconds.ToString(CultureInfo.InvariantCulture)})",
                defaultWaitSeconds, 0, MaxWaitSeconds, "SageMaker: WaitIntervalInSeconds");
        }
        else
        {
            Within(environment, "waitIntervalSeconds", wait.Value, 0, MaxWaitSeconds, "SageMaker: WaitIntervalInSeconds");
        }

        var termination = Optional(fields, environment, "terminationWaitSeconds") ?? 0;
        Within(environment, "terminationWaitSeconds", termination, 0, MaxWaitSeconds, "SageMaker: TerminationWaitInSeconds");

        var strategy = new DeploymentStrategy
        {
            Kind = kind,
            CanaryPercent = canary,
            LinearStepPercent = step,
            WaitIntervalSeconds = wait ?? defaultWaitSeconds,
            TerminationWaitSeconds = termination,
            MaximumExecutionTimeoutSeconds = Optional(fields, environment, "maximumExecutionTimeoutSeconds"),
            RollbackAlarms = ReadAlarms(fields, environment),
        };

        if (strategy.MaximumExecutionTimeoutSeconds is { } timeout)
        {
            Within(environment, "maximumExecutionTimeoutSeconds", timeout, MinExecutionTimeoutSeconds, MaxExecutionTimeoutSeconds,
                "SageMaker: MaximumExecutionTimeoutInSeconds");
            if (timeout <= strategy.TotalWaitSeconds)
            {
                throw Invalid(environment, string.Create(CultureInfo.InvariantCulture,
                    $"deployment.maximumExecutionTimeoutSeconds must be larger than the deployment's total waiting time, {strategy.TotalWaitSeconds} seconds ({strategy.Steps} baking period(s) of {strategy.WaitIntervalSeconds} s plus a termination wait of {strategy.TerminationWaitSeconds} s) (SageMaker: larger than the total of WaitIntervalInSeconds and TerminationWaitInSeconds)."));
            }
        }
        return strategy;
    }

    private static DeploymentStrategyKind ReadKind(Dictionary<string, JsonElement> fields, string environment)
    {
        const string Expected = $"'{AllAtOnceName}', '{CanaryName}' or '{LinearName}'";
        if (!fields.TryGetValue("strategy", out var value))
        {
            throw Invalid(environment, $"deployment.strategy is required: {Expected}.");
        }
        return (value.ValueKind == JsonValueKind.String ? value.GetString() : null) switch
        {
            AllAtOnceName => DeploymentStrategyKind.AllAtOnce,
            CanaryName => DeploymentStrategyKind.Canary,
            LinearName => DeploymentStrategyKind.Linear,
            _ => throw Invalid(environment, $"deployment.strategy must be {Expected}, not {value.GetRawText()}."),
        };
    }

    private static void OnlyFor(Dictionary<string, JsonElement> fields, string environment, string field, DeploymentStrategyKind owner, DeploymentStrategyKind kind)
    {
        if (kind != owner && fields.ContainsKey(field))
        {
            throw Invalid(environment, $"deployment.{field} belongs to the {Name(owner)} strategy, not {Name(kind)}.");
        }
    }

    private static int Required(Dictionary<string, JsonElement> fields, string environment, string field, DeploymentStrategyKind kind) =>
        Optional(fields, environment, field) ?? throw Invalid(environment, $"deployment.{field} is required for the {Name(kind)} strategy.");

    private static int? Optional(Dictionary<string, JsonElement> fields, string environment, string field)
    {
        if (!fields.TryGetValue(field, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Invalid(environment, $"deployment.{field} must be a whole number, not {value.GetRawText()}.");
    }

    private static string[] ReadAlarms(Dictionary<string, JsonElement> fields, string environment)
    {
        if (!fields.TryGetValue("rollbackAlarms", out var value))
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(environment, "deployment.rollbackAlarms must be a list of CloudWatch alarm names.");
        }
        var count = value.GetArrayLength();
        if (count > MaxRollbackAlarms)
        {
            throw Invalid(environment, string.Create(CultureInfo.InvariantCulture,
                $"deployment.rollbackAlarms must name at most {MaxRollbackAlarms} alarms, not {count} (SageMaker: AutoRollbackConfig takes 1 to {MaxRollbackAlarms} alarms)."));
        }
        var alarms = new string[count];
        var index = 0;
        foreach (var alarm in value.EnumerateArray())
        {
            var name = alarm.ValueKind == JsonValueKind.String ? alarm.GetString() : null;
            if (string.IsNullOrWhiteSpace(name) || name.Length > MaxAlarmNameLength)
            {
                throw Invalid(environment, string.Create(CultureInfo.InvariantCulture,
                    $"deployment.rollbackAlarms[{index}] must be an alarm name of 1 to {MaxAlarmNameLength} characters, not blank (SageMaker: Alarm.AlarmName)."));
            }
            alarms[index++] = name;
        }
        return alarms;
    }

    private static void Within(string environment, string field, int value, int min, int max, string why)
    {
        if (value < min || value > max)
        {
            throw Invalid(environment, string.Create(CultureInfo.InvariantCulture,
                $"deployment.{field} must be {min} to {max} ({why}), not {value}."));
        }
    }

    private static string Name(DeploymentStrategyKind kind) => kind switch
    {
        DeploymentStrategyKind.Canary => CanaryName,
        DeploymentStrategyKind.Linear => LinearName,
        _ => AllAtOnceName,
    };

    private static FormatException Invalid(string environment, string message) => new($"{environment}: {message}");
}

/// <summary>How a stage shifts traffic, in the words of the configuration ("all-at-once", "canary", "linear"), as a stage records it.</summary>
public sealed record StrategySummary(string Strategy, int? CanaryPercent, int? LinearStepPercent, int WaitIntervalSeconds)
{
    public static StrategySummary From(DeploymentStrategy strategy)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        return new(strategy.Kind switch
        {
            DeploymentStrategyKind.Canary => "canary",
            DeploymentStrategyKind.Linear => "linear",
            _ => "all-at-once",
        }, strategy.CanaryPercent, strategy.LinearStepPercent, strategy.WaitIntervalSeconds);
    }
}
