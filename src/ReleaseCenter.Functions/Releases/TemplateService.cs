using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Functions.Releases;

/// <summary>Release templates (operations.md, "Release templates"): saved per project, audited; a release requested from one in a single call.</summary>
public sealed class TemplateService(ITemplateStore templates, IRegistryStore registry, ReleaseService releases, EnvironmentPolicies defaults, TimeProvider clock)
{
    public async Task<ReleaseTemplate> GetAsync(string project, string name, CancellationToken ct) =>
        await templates.GetAsync(project, name, ct).ConfigureAwait(false)
        ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Project '{project}' has no release template '{name}'.");

    public Task<IReadOnlyList<ReleaseTemplate>> ListAsync(string project, CancellationToken ct) => templates.ListAsync(project, ct);

    /// <summary>Creates or replaces a template. Its approvals are checked like a policy's; environments as a release's path.</summary>
    public async Task<ReleaseTemplate> SaveAsync(string project, string name, string? description, IReadOnlyList<string?>? environments, JsonElement? approvals,
        IReadOnlyList<string?>? notify, IReadOnlyList<string?>? requiredAssets, string actor, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Check("project", Rules.ResourceName(project) ?? (project == AuditChains.Organization ? $"'{project}' is reserved for the organization's own audit chain." : null));
        ReleaseTemplate.Check(errors, name, description, notify, requiredAssets);
        var path = environments ?? defaults.All.Select(p => p.Name).ToArray();
        if (path.Count == 0)
        {
            errors.Add("environments", "must name at least one environment.");
        }
        releases.CheckEnvironments(path, errors);
        var chain = new Dictionary<string, ApprovalPolicy>(StringComparer.Ordinal);
        if (approvals is { ValueKind: not JsonValueKind.Null } given)
        {
            if (given.ValueKind != JsonValueKind.Object)
            {
                errors.Add("approvals", "must be an object naming environments of the path, each with its approval {\"required\", \"groups\", \"timeoutSeconds\"}.");
            }
            else
            {
                foreach (var env in given.EnumerateObject())
                {
                    if (!path.Contains(env.Name, StringComparer.Ordinal))
                    {
                        errors.Add($"approvals.{env.Name}", $"'{env.Name}' is not in the template's environments ({string.Join(", ", path)}).");
                    }
                    else if (PolicyDocuments.ParseApproval(env.Value, errors, $"approvals.{env.Name}") is { } approval)
                    {
                        chain[env.Name] = approval;
                    }
                }
            }
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }

        var now = clock.GetUtcNow();
        return await templates.SaveAsync(project, name!, current =>
        {
            var next = new ReleaseTemplate(project, name!, description, path.Select(e => e!).ToArray(), chain,
                notify?.Select(n => n!).Distinct(StringComparer.Ordinal).ToArray() ?? [], requiredAssets?.Select(a => a!).Distinct(StringComparer.Ordinal).ToArray() ?? [],
                actor, now, (current?.Revision ?? 0) + 1);
            var revision = next.Revision.ToString(CultureInfo.InvariantCulture);
            var audit = new AuditRecord(project, actor, current is null ? "release-template.created" : "release-template.saved", $"project/{project}/templates/{name}",
                new Dictionary<string, string>
                {
                    ["revision"] = revision,
                    ["environments"] = string.Join(",", next.Environments),
                    ["approvals"] = string.Join("; ", next.Approvals.Select(a => $"{a.Key}: {a.Value.Required} of {string.Join("|", a.Value.Groups)}")),
                    ["notify"] = string.Join(",", next.Notify),
                    ["requiredAssets"] = string.Join(",", next.RequiredAssets),
                });
            return (next, ChangeRecord.Of(audit, $"template:{project}:{name}:{revision}",
                new ReleaseTemplateSaved(name!, revision, actor, string.Join(",", next.Environments))));
        }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One call: a release of <paramref name="model"/> v<paramref name="version"/> with the template's path, approvals and
    /// notifications. The model must belong to the template's project and the version carry the template's required
    /// assets; a vetoed version is refused by the same write as every release (409).
    /// </summary>
    public async Task<Release> ReleaseAsync(string project, string name, string? model, int? version, string? notes, string actor, CancellationToken ct)
    {
        var template = await GetAsync(project, name, ct).ConfigureAwait(false);
        var errors = new ValidationErrors();
        errors.Check("model", Rules.ResourceName(model));
        if (version is null or < 1)
        {
            errors.Add("version", "is required: a version number of 1 or more.");
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var owner = await registry.GetModelAsync(model!, ct).ConfigureAwait(false)
            ?? throw DomainValidationException.For("model", $"'{model}' is not a registered model.");
        if (owner.Project != project)
        {
            throw DomainValidationException.For("model", $"'{model}' belongs to project {owner.Project}; template {name} releases models of project {project}.");
        }
        var candidate = await registry.GetVersionAsync(model!, version!.Value, ct).ConfigureAwait(false)
            ?? throw DomainValidationException.For("version", $"'{model}' has no version {version}.");
        if (template.MissingAssets(candidate) is { Count: > 0 } missing)
        {
            throw DomainValidationException.For("version", $"{model} v{version} lacks what template {name} requires: {string.Join(", ", missing)}.");
        }
        return await releases.CreateAsync(model, version, template.Environments, notes, actor, ct, template: template.Use()).ConfigureAwait(false);
    }
}
