using System.Globalization;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Releases;

namespace ReleaseCenter.Domain.Policies;

/// <summary>
/// The policy versions a release runs under, recorded when it is requested: its model's project's policy and the
/// model's own (0: none had been written). Every stage of the release resolves its settings from these versions, so a
/// policy changed while the release is in flight governs the next release, and "why was this allowed" has an answer.
/// </summary>
public sealed record PolicyPin(string? Project, int ProjectVersion, int ModelVersion)
{
    public static readonly PolicyPin None = new(null, 0, 0);

    public string Describe() => (ProjectVersion, ModelVersion) switch
    {
        (0, 0) => "the environments' defaults",
        (0, var m) => string.Create(CultureInfo.InvariantCulture, $"model policy v{m}"),
        (var p, 0) => string.Create(CultureInfo.InvariantCulture, $"project {Project} policy v{p}"),
        var (p, m) => string.Create(CultureInfo.InvariantCulture, $"model policy v{m} over project {Project} policy v{p}"),
    };
}

/// <summary>Where one effective setting came from: "environment" (config/environments.json), "project" or "model", with the document's name and version.</summary>
public sealed record PolicySource(string Layer, string Name, int? Version)
{
    public string Describe() => Version is { } v ? string.Create(CultureInfo.InvariantCulture, $"{Layer} {Name} v{v}") : $"{Layer} {Name}";
}

/// <summary>An environment's policy for one model: the environment's defaults, overridden by the project's policy, overridden by the model's.</summary>
public sealed record EffectivePolicy(EnvironmentPolicy Policy, IReadOnlyList<string> RequiredMetrics, IReadOnlyDictionary<string, PolicySource> Sources, PolicyPin Pin)
{
    /// <summary>
    /// The approvals of the template the release was requested from, where they ask more than the policy: a template may
    /// tighten an environment's approvals (as many approvers or more, from the policy's groups or some of them), never
    /// loosen them; a template's approval that would is ignored, and the policy's holds.
    /// </summary>
    public EffectivePolicy WithTemplate(TemplateUse template, string environment)
    {
        ArgumentNullException.ThrowIfNull(template);
        if (template.Approvals.GetValueOrDefault(environment) is not { } approval || approval.Required < Policy.Approval.Required
            || (Policy.Approval.Required > 0 && !approval.Groups.All(g => Policy.Approval.Groups.Contains(g, StringComparer.Ordinal)))
            || (approval.OnRejection == ApprovalPolicy.RecordOnly && Policy.Approval.OnRejection == ApprovalPolicy.RejectStage && Policy.Approval.Required > 0))
        {
            return this;
        }
        var sources = new Dictionary<string, PolicySource>(Sources, StringComparer.Ordinal)
        {
            [PolicyDocuments.Approval] = new PolicySource("template", template.Name, (int)Math.Min(template.Revision, int.MaxValue)),
        };
        // A template that asks for approvals is a person's word: it is never skipped by auto-promotion.
        return this with { Policy = Policy with { Approval = approval, AutoPromote = Policy.AutoPromote && approval.Required == 0 }, Sources = sources };
    }

    /// <summary>
    /// Layers <paramref name="project"/> and then <paramref name="model"/> over <paramref name="environment"/>: each setting
    /// comes whole from the highest layer that sets it (a gate is replaced, not merged, so a model can drop a metric it
    /// does not report). Required metrics without a rule in the gate become rules without bounds: the candidate must
    /// report them.
    /// </summary>
    public static EffectivePolicy Resolve(EnvironmentPolicy environment, PolicyDocument? project, PolicyDocument? model, MetricDirections directions)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(directions);
        var sources = new Dictionary<string, PolicySource>(StringComparer.Ordinal);
        var defaults = new PolicySource("environment", environment.Name, null);
        foreach (var setting in PolicyDocuments.Settings)
        {
            sources[setting] = defaults;
        }

        var rules = environment.Gate.Rules;
        IReadOnlyList<string> required = [];
        var approval = environment.Approval;
        var bake = environment.BakeSeconds;
        var deployment = environment.Deployment;
        var rollback = environment.RollbackApproval;
        var soak = environment.RequiredSoakSeconds;
        var windows = environment.Windows;
        var autoPromote = environment.AutoPromote;
        foreach (var document in new[] { project, model })
        {
            if (document?.Environments.GetValueOrDefault(environment.Name) is not { } layer)
            {
                continue;
            }
            var source = new PolicySource(document.Scope == PolicyScope.Model ? "model" : "project", document.Name, document.Version);
            void Take<T>(T? value, string setting, ref T target) where T : class
            {
                if (value is not null)
                {
                    target = value;
                    sources[setting] = source;
                }
            }
            void TakeNumber(int? value, string setting, ref int target)
            {
                if (value is { } v)
                {
                    target = v;
                    sources[setting] = source;
                }
            }
            Take(layer.Gate, PolicyDocuments.Gate, ref rules);
            Take(layer.RequiredMetrics, PolicyDocuments.RequiredMetrics, ref required);
            Take(layer.Approval, PolicyDocuments.Approval, ref approval);
            TakeNumber(layer.BakeSeconds, PolicyDocuments.BakeSeconds, ref bake);
            Take(layer.Deployment, PolicyDocuments.Deployment, ref deployment);
            Take(layer.RollbackApproval, PolicyDocuments.Rollback, ref rollback);
            TakeNumber(layer.RequiredSoakSeconds, PolicyDocuments.RequiredSoakSeconds, ref soak);
            Take(layer.Windows, PolicyDocuments.Windows, ref windows);
            if (layer.AutoPromote is { } auto)
            {
                autoPromote = auto;
                sources[PolicyDocuments.AutoPromote] = source;
            }
        }

        var gate = rules.Concat(required.Where(m => rules.All(r => r.Metric != m))
            .Select(m => new MetricRule(m, directions.Resolve(m).Direction))).ToArray();
        var policy = new EnvironmentPolicy(environment.Name, approval, bake, environment.InstanceType, new GatePolicy(gate))
        {
            RollbackApproval = rollback,
            Deployment = deployment,
            RequiredSoakSeconds = soak,
            Windows = windows,
            AutoPromote = autoPromote,
        };
        var pin = new PolicyPin(project?.Name, project?.Version ?? 0, model?.Version ?? 0);
        return new EffectivePolicy(policy, required, sources, pin);
    }
}
