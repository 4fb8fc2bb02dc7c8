using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Functions.Policies;

/// <summary>
/// Policies as data (operations.md, "Policies"): each environment's defaults (config/environments.json), overridden by a
/// project's policy, overridden by a model's. Every change is a new version, audited with its diff and announced; a
/// release records the versions it was requested under and every stage of it resolves its settings from those.
/// </summary>
public sealed class PolicyService(IPolicyStore store, ModelProjects projects, EnvironmentPolicies defaults, TimeProvider clock)
{
    private readonly MetricDirections _directions = MetricDirections.FromGates(defaults.All.Select(p => p.Gate));

    /// <summary>The versions a release of <paramref name="model"/> requested now runs under.</summary>
    public async Task<PolicyPin> PinAsync(string model, CancellationToken ct)
    {
        var project = await projects.GetAsync(model, ct).ConfigureAwait(false);
        var projectPolicy = await store.GetCurrentAsync(PolicyScope.Project, project, ct).ConfigureAwait(false);
        var modelPolicy = await store.GetCurrentAsync(PolicyScope.Model, model, ct).ConfigureAwait(false);
        return new PolicyPin(project, projectPolicy?.Version ?? 0, modelPolicy?.Version ?? 0);
    }

    /// <summary>The release's policy in <paramref name="environment"/>: the versions it recorded when requested.</summary>
    public async Task<EffectivePolicy> ForReleaseAsync(Release release, string environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        var (project, model) = await PinnedAsync(release, ct).ConfigureAwait(false);
        var effective = EffectivePolicy.Resolve(defaults.Get(environment), project, model, _directions);
        return release.Template is { } template ? effective.WithTemplate(template, environment) : effective;
    }

    /// <summary>
    /// What a diff of <paramref name="model"/>'s bundles judges metrics by: the effective gate in
    /// <paramref name="environment"/> (its thresholds and tolerances) and metric directions from every environment's
    /// effective gate before the defaults', so a metric only the model's or its project's policy names (a forecaster's
    /// mape, lower is better) is judged in its own direction. With <paramref name="release"/>, the policy versions it
    /// recorded; without, the model's policy now (what a rollback runs under).
    /// </summary>
    public async Task<(MetricDirections Directions, GatePolicy? Gate)> DiffJudgeAsync(string model, Release? release, string? environment,
        CancellationToken ct)
    {
        PolicyDocument? projectPolicy, modelPolicy;
        if (release is not null)
        {
            (projectPolicy, modelPolicy) = await PinnedAsync(release, ct).ConfigureAwait(false);
        }
        else
        {
            var project = await projects.GetAsync(model, ct).ConfigureAwait(false);
            projectPolicy = await store.GetCurrentAsync(PolicyScope.Project, project, ct).ConfigureAwait(false);
            modelPolicy = await store.GetCurrentAsync(PolicyScope.Model, model, ct).ConfigureAwait(false);
        }
        var effective = defaults.All.ToDictionary(e => e.Name, e => EffectivePolicy.Resolve(e, projectPolicy, modelPolicy, _directions).Policy.Gate,
            StringComparer.Ordinal);
        var gate = environment is not null ? effective.GetValueOrDefault(environment) : null;
        var gates = (gate is null ? [] : new[] { gate }).Concat(effective.Values).Concat(defaults.All.Select(e => e.Gate));
        return (MetricDirections.FromGates(gates), gate);
    }

    /// <summary>The project and model policy versions <paramref name="release"/> recorded when it was requested (null where it recorded none).</summary>
    private async Task<(PolicyDocument? Project, PolicyDocument? Model)> PinnedAsync(Release release, CancellationToken ct)
    {
        var pin = release.Policy ?? PolicyPin.None;
        var project = pin is { ProjectVersion: > 0, Project: { } name }
            ? await store.GetVersionAsync(PolicyScope.Project, name, pin.ProjectVersion, ct).ConfigureAwait(false)
            : null;
        var model = pin.ModelVersion > 0 ? await store.GetVersionAsync(PolicyScope.Model, release.Model, pin.ModelVersion, ct).ConfigureAwait(false) : null;
        return (project, model);
    }

    /// <summary>The policy a model has now in <paramref name="environment"/> (what a release requested now, or a rollback, runs under).</summary>
    public async Task<EffectivePolicy> CurrentAsync(string model, string environment, CancellationToken ct)
    {
        var project = await projects.GetAsync(model, ct).ConfigureAwait(false);
        return Resolve(defaults.Get(environment), project,
            await store.GetCurrentAsync(PolicyScope.Project, project, ct).ConfigureAwait(false),
            await store.GetCurrentAsync(PolicyScope.Model, model, ct).ConfigureAwait(false));
    }

    /// <summary>Every environment's effective policy for <paramref name="model"/>, with the two documents it layers.</summary>
    public async Task<(string Project, PolicyDocument? ProjectPolicy, PolicyDocument? ModelPolicy, IReadOnlyList<EffectivePolicy> Environments)> ExplainAsync(
        string model, CancellationToken ct)
    {
        var project = await projects.FindAsync(model, ct).ConfigureAwait(false)
            ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Model '{model}' does not exist.");
        var projectPolicy = await store.GetCurrentAsync(PolicyScope.Project, project, ct).ConfigureAwait(false);
        var modelPolicy = await store.GetCurrentAsync(PolicyScope.Model, model, ct).ConfigureAwait(false);
        return (project, projectPolicy, modelPolicy, defaults.All.Select(e => Resolve(e, project, projectPolicy, modelPolicy)).ToArray());
    }

    private EffectivePolicy Resolve(EnvironmentPolicy environment, string project, PolicyDocument? projectPolicy, PolicyDocument? modelPolicy)
    {
        var effective = EffectivePolicy.Resolve(environment, projectPolicy, modelPolicy, _directions);
        return effective with { Pin = effective.Pin with { Project = project } };
    }

    public Task<IReadOnlyList<PolicyDocument>> HistoryAsync(PolicyScope scope, string name, int limit, CancellationToken ct) =>
        store.ListVersionsAsync(scope, name, limit, ct);

    public Task<PolicyDocument?> GetAsync(PolicyScope scope, string name, CancellationToken ct) => store.GetCurrentAsync(scope, name, ct);

    /// <summary>
    /// Writes the next version of a project's or a model's policy: <paramref name="environments"/> is the document's
    /// {"prod": {"gate": [...], ...}}. The document replaces the previous version whole; expectedVersion, when given, must be the
    /// current version (0 for none), so two people editing the same policy cannot overwrite each other unseen.
    /// </summary>
    public async Task<PolicyDocument> SetAsync(PolicyScope scope, string name, JsonElement? environments, string? reason, int? expected, string actor,
        CancellationToken ct)
    {
        var errors = new ValidationErrors();
        string project;
        if (scope == PolicyScope.Model)
        {
            project = await projects.FindAsync(name, ct).ConfigureAwait(false)
                ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Model '{name}' does not exist.");
        }
        else
        {
            errors.Check("project", Rules.ResourceName(name) ?? (name == AuditChains.Organization ? $"'{name}' is reserved for the organization's own audit chain." : null));
            if (!errors.IsValid)
            {
                throw new DomainValidationException(errors);
            }
            project = name;
        }

        Dictionary<string, PolicyOverride>? parsed = null;
        if (environments is not { } given || given.ValueKind == JsonValueKind.Null)
        {
            errors.Add("environments", "is required: an object naming environments, each with the settings it overrides ({} clears every override).");
        }
        else
        {
            parsed = PolicyDocuments.Parse(given, defaults, errors);
        }
        errors.Check("reason", Rules.Reason(reason));
        if (expected is < 0)
        {
            errors.Add("expectedVersion", "must be the version you read: a whole number, 0 when there was none.");
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }

        var now = clock.GetUtcNow();
        return await store.PutAsync(scope, name, current =>
        {
            var currentVersion = current?.Version ?? 0;
            if (expected is { } e && e != currentVersion)
            {
                throw new ConflictException(
                    $"The policy is at version {currentVersion.ToString(CultureInfo.InvariantCulture)}{(current is null ? "" : $" ({current.By}, {current.At:yyyy-MM-dd HH:mm} UTC: {current.Reason})")}, not {e.ToString(CultureInfo.InvariantCulture)}. Read it again and re-apply your change.",
                    "expectedVersion");
            }
            var next = new PolicyDocument(scope, name, currentVersion + 1, parsed!, actor, now, reason!.Trim())
            {
                Diff = PolicyDocuments.Diff(current?.Environments, parsed!),
            };
            var version = next.Version.ToString(CultureInfo.InvariantCulture);
            var diff = next.Diff.Count == 0 ? "(no setting changed)" : string.Join("\n", next.Diff);
            var audit = new AuditRecord(project, actor, "policy.changed", $"{(scope == PolicyScope.Model ? "model" : "project")}/{name}",
                new Dictionary<string, string>
                {
                    ["scope"] = scope == PolicyScope.Model ? "model" : "project",
                    ["version"] = version,
                    ["reason"] = next.Reason,
                    ["diff"] = diff,
                });
            return (next, ChangeRecord.Of(audit, $"policy:{scope}:{name}:{version}",
                new PolicyChanged(scope == PolicyScope.Model ? "model" : "project", name, version, next.Reason, actor, diff)));
        }, ct).ConfigureAwait(false);
    }
}
