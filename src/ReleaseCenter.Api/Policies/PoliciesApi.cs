using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Environments;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Policies;

namespace ReleaseCenter.Api.Policies;

/// <summary>A new version of a project's or a model's policy: the whole document (it replaces the previous version), why, and the version it was edited from.</summary>
public sealed record SetPolicyRequest(JsonElement? Environments, string? Reason, int? ExpectedVersion);

public sealed record MetricRuleDto(string Metric, MetricDirection Direction, double? Threshold, double? MaxRegression);

public sealed record ApprovalPolicyDto(int Required, IReadOnlyList<string> Groups, int TimeoutSeconds, int? ReminderSeconds, string OnRejection)
{
    public static ApprovalPolicyDto From(ApprovalPolicy a) => new(a.Required, a.Groups, a.TimeoutSeconds, a.ReminderSeconds, a.OnRejection);
}

/// <summary>Where a setting came from: layer "environment" (config/environments.json), "project" or "model", the document's name and version.</summary>
public sealed record PolicySourceDto(string Layer, string Name, int? Version);

/// <summary>One environment's effective policy for a model, each setting with its source.</summary>
public sealed record EffectivePolicyDto(
    string Environment, IReadOnlyList<MetricRuleDto> Gate, IReadOnlyList<string> RequiredMetrics, ApprovalPolicyDto Approval, int BakeSeconds,
    DeploymentStrategyDto Deployment, ApprovalPolicyDto RollbackApproval, int RequiredSoakSeconds, string InstanceType,
    IReadOnlyDictionary<string, PolicySourceDto> Sources)
{
    /// <summary>The recurring allow and deny windows, in words ("deny Sat, Sun 00:00–24:00 Europe/Berlin (weekend)").</summary>
    public IReadOnlyList<string> Windows { get; init; } = [];

    /// <summary>Whether a release whose gate passed enters without approval (held after a manual rollback until the hold is lifted).</summary>
    public bool AutoPromote { get; init; }

    public static EffectivePolicyDto From(EffectivePolicy e) => new(e.Policy.Name,
        e.Policy.Gate.Rules.Select(r => new MetricRuleDto(r.Metric, r.Direction, r.Threshold, r.MaxRegression)).ToArray(), e.RequiredMetrics,
        ApprovalPolicyDto.From(e.Policy.Approval), e.Policy.BakeSeconds, DeploymentStrategyDto.From(e.Policy.Deployment),
        ApprovalPolicyDto.From(e.Policy.RollbackApproval), e.Policy.RequiredSoakSeconds, e.Policy.InstanceType,
        e.Sources.ToDictionary(s => s.Key, s => new PolicySourceDto(s.Value.Layer, s.Value.Name, s.Value.Version)))
    {
        Windows = e.Policy.Windows.Select(w => w.Describe()).ToArray(),
        AutoPromote = e.Policy.AutoPromote,
    };
}

/// <summary>The policy versions a release runs under (0: none written at that layer), and the same in words.</summary>
public sealed record PolicyPinDto(string? Project, int ProjectVersion, int ModelVersion, string Description)
{
    public static PolicyPinDto From(PolicyPin p) => new(p.Project, p.ProjectVersion, p.ModelVersion, p.Describe());
}

/// <summary>One version of a project's or a model's policy (version 0: none written yet; every setting inherited).</summary>
public sealed record PolicyDocumentDto(string Scope, string Name, int Version, JsonElement Environments, string? By, DateTimeOffset? At, string? Reason,
    IReadOnlyList<string> Diff)
{
    public static PolicyDocumentDto From(PolicyScope scope, string name, PolicyDocument? d)
    {
        using var json = JsonDocument.Parse(d is null ? "{}" : PolicyDocuments.Write(d.Environments));
        return new(scope == PolicyScope.Model ? "model" : "project", name, d?.Version ?? 0, json.RootElement.Clone(), d?.By, d?.At, d?.Reason, d?.Diff ?? []);
    }
}

/// <summary>GET /v1/models/{model}/policy: each environment's effective policy, where each setting came from, and the two documents layered.</summary>
public sealed record ModelPolicyDto(string Model, string Project, PolicyPinDto Pin, IReadOnlyList<EffectivePolicyDto> Environments,
    PolicyDocumentDto ProjectPolicy, PolicyDocumentDto ModelPolicy);

public sealed record PolicyHistoryDto(IReadOnlyList<PolicyDocumentDto> Items);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(SetPolicyRequest))]
[JsonSerializable(typeof(ModelPolicyDto))]
[JsonSerializable(typeof(PolicyDocumentDto))]
[JsonSerializable(typeof(PolicyHistoryDto))]
public sealed partial class PoliciesJsonContext : JsonSerializerContext;

/// <summary>
/// Policies as data (operations.md, "Policies"): a project's and a model's overrides of the environments' defaults,
/// versioned and audited. Anyone signed in reads them; release-admins change them.
/// </summary>
public static class PoliciesApi
{
    private const int HistoryLimit = 50;

    public static void MapPoliciesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Policies").RequireAuthorization(Roles.CanRead);
        group.MapGet("/models/{model}/policy", GetModelPolicy)
            .WithSummary("The model's effective policy in each environment (or one: ?environment=), where each setting came from, and the documents layered");
        group.MapPut("/models/{model}/policy", SetModelPolicy).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Write the next version of the model's policy: per environment, the settings it overrides (release-admins)")
            .Accepts<SetPolicyRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/models/{model}/policy/history", ModelHistory).WithSummary("The model policy's versions, newest first, each with its diff");
        group.MapGet("/projects/{project}/policy", GetProjectPolicy).WithSummary("The project's policy: the settings it overrides for its models (version 0: none)");
        group.MapPut("/projects/{project}/policy", SetProjectPolicy).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Write the next version of the project's policy (release-admins)")
            .Accepts<SetPolicyRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/projects/{project}/policy/history", ProjectHistory).WithSummary("The project policy's versions, newest first, each with its diff");
    }

    private static async Task<Results<Ok<ModelPolicyDto>, ValidationProblem, ProblemHttpResult>> GetModelPolicy(string model, string? environment,
        PolicyService policies, EnvironmentPolicies defaults, CancellationToken ct)
    {
        if (Rules.ResourceName(model) is { } bad)
        {
            return JsonBody.Invalid("model", bad);
        }
        if (environment is not null && defaults.Find(environment) is null)
        {
            return JsonBody.Invalid("environment", $"must be one of {string.Join(", ", defaults.All.Select(p => p.Name))}.");
        }
        var (project, projectPolicy, modelPolicy, environments) = await policies.ExplainAsync(model, ct).ConfigureAwait(false);
        var pin = new PolicyPin(project, projectPolicy?.Version ?? 0, modelPolicy?.Version ?? 0);
        return TypedResults.Ok(new ModelPolicyDto(model, project, PolicyPinDto.From(pin),
            environments.Where(e => environment is null || e.Policy.Name == environment).Select(EffectivePolicyDto.From).ToArray(),
            PolicyDocumentDto.From(PolicyScope.Project, project, projectPolicy), PolicyDocumentDto.From(PolicyScope.Model, model, modelPolicy)));
    }

    private static async Task<Results<Ok<PolicyDocumentDto>, ValidationProblem, ProblemHttpResult>> SetModelPolicy(string model, HttpContext http,
        PolicyService policies, ProjectAccess access, CancellationToken ct)
    {
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Admins, "change a model's policy", ct).ConfigureAwait(false);
        return await SetAsync(PolicyScope.Model, model, http, policies, ct).ConfigureAwait(false);
    }

    private static Task<Results<Ok<PolicyDocumentDto>, ValidationProblem, ProblemHttpResult>> SetProjectPolicy(string project, HttpContext http,
        PolicyService policies, CancellationToken ct)
    {
        if (Rules.ResourceName(project) is null)
        {
            ProjectAccess.Require(http.User, project, ProjectAccess.Admins, "change the project's policy");
        }
        return SetAsync(PolicyScope.Project, project, http, policies, ct);
    }

    private static async Task<Results<Ok<PolicyDocumentDto>, ValidationProblem, ProblemHttpResult>> SetAsync(PolicyScope scope, string name, HttpContext http,
        PolicyService policies, CancellationToken ct)
    {
        if (Rules.ResourceName(name) is { } bad)
        {
            return JsonBody.Invalid(scope == PolicyScope.Model ? "model" : "project", bad);
        }
        var (request, problem) = await JsonBody.ReadAsync(http.Request, PoliciesJsonContext.Default.SetPolicyRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<PolicyDocumentDto>>(problem!);
        }
        var written = await policies.SetAsync(scope, name, request.Environments, request.Reason, request.ExpectedVersion, Roles.UserId(http.User), ct)
            .ConfigureAwait(false);
        return TypedResults.Ok(PolicyDocumentDto.From(scope, name, written));
    }

    private static async Task<Results<Ok<PolicyDocumentDto>, ValidationProblem>> GetProjectPolicy(string project, PolicyService policies, CancellationToken ct)
    {
        if (Rules.ResourceName(project) is { } bad)
        {
            return JsonBody.Invalid("project", bad);
        }
        return TypedResults.Ok(PolicyDocumentDto.From(PolicyScope.Project, project, await policies.GetAsync(PolicyScope.Project, project, ct).ConfigureAwait(false)));
    }

    private static Task<Results<Ok<PolicyHistoryDto>, ValidationProblem>> ModelHistory(string model, PolicyService policies, CancellationToken ct) =>
        HistoryAsync(PolicyScope.Model, model, policies, ct);

    private static Task<Results<Ok<PolicyHistoryDto>, ValidationProblem>> ProjectHistory(string project, PolicyService policies, CancellationToken ct) =>
        HistoryAsync(PolicyScope.Project, project, policies, ct);

    private static async Task<Results<Ok<PolicyHistoryDto>, ValidationProblem>> HistoryAsync(PolicyScope scope, string name, PolicyService policies, CancellationToken ct)
    {
        if (Rules.ResourceName(name) is { } bad)
        {
            return JsonBody.Invalid(scope == PolicyScope.Model ? "model" : "project", bad);
        }
        var versions = await policies.HistoryAsync(scope, name, HistoryLimit, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PolicyHistoryDto(versions.Select(v => PolicyDocumentDto.From(scope, name, v)).ToArray()));
    }
}
