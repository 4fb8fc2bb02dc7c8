using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Api.Policies;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Releases;

/// <summary>A template's settings (PUT replaces them whole). environments defaults to every environment in order; approvals may name environments of the path.</summary>
public sealed record SaveTemplateRequest(string? Description, List<string?>? Environments, JsonElement? Approvals, List<string?>? Notify,
    List<string?>? RequiredAssets);

/// <summary>A release requested from a template: which model version, and notes.</summary>
public sealed record TemplateReleaseRequest(string? Model, int? Version, string? Notes);

public sealed record TemplateDto(
    string Project, string Name, string? Description, IReadOnlyList<string> Environments, IReadOnlyDictionary<string, ApprovalPolicyDto> Approvals,
    IReadOnlyList<string> Notify, IReadOnlyList<string> RequiredAssets, string UpdatedBy, DateTimeOffset UpdatedAt, long Revision)
{
    public static TemplateDto From(ReleaseTemplate t) => new(t.Project, t.Name, t.Description, t.Environments,
        t.Approvals.ToDictionary(a => a.Key, a => ApprovalPolicyDto.From(a.Value)), t.Notify, t.RequiredAssets, t.By, t.At, t.Revision);
}

public sealed record TemplateListDto(IReadOnlyList<TemplateDto> Items);

/// <summary>The template a release was requested from, as it was then.</summary>
public sealed record TemplateUseDto(string Name, long Revision, IReadOnlyList<string> Notify)
{
    public static TemplateUseDto From(TemplateUse t) => new(t.Name, t.Revision, t.Notify);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(SaveTemplateRequest))]
[JsonSerializable(typeof(TemplateReleaseRequest))]
[JsonSerializable(typeof(TemplateDto))]
[JsonSerializable(typeof(TemplateListDto))]
public sealed partial class TemplatesJsonContext : JsonSerializerContext;

/// <summary>Release templates per project: anyone signed in reads them; ml-engineers and release-admins save them and release with them.</summary>
public static class TemplatesApi
{
    public static void MapTemplatesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/projects/{project}/templates").WithTags("Releases").RequireAuthorization(Roles.CanRead);
        group.MapGet("/", List).WithSummary("The project's release templates");
        group.MapGet("/{name}", Get).WithSummary("One release template");
        group.MapPut("/{name}", Save).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Create or replace a release template: environments path, approval chain (more than the policy asks, never fewer), notifications, required assets")
            .Accepts<SaveTemplateRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/{name}/releases", Release).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Request a release of a model version with the template's settings, in one call")
            .Accepts<TemplateReleaseRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static ValidationProblem? CheckNames(string project, string? name) =>
        Rules.ResourceName(project) is { } p ? JsonBody.Invalid("project", p)
        : name is not null && Rules.ResourceName(name) is { } n ? JsonBody.Invalid("name", n)
        : null;

    private static async Task<Results<Ok<TemplateListDto>, ValidationProblem>> List(string project, TemplateService templates, CancellationToken ct)
    {
        if (CheckNames(project, null) is { } bad)
        {
            return bad;
        }
        var items = await templates.ListAsync(project, ct).ConfigureAwait(false);
        return TypedResults.Ok(new TemplateListDto(items.Select(TemplateDto.From).ToArray()));
    }

    private static async Task<Results<Ok<TemplateDto>, ValidationProblem, ProblemHttpResult>> Get(string project, string name, TemplateService templates,
        CancellationToken ct)
    {
        if (CheckNames(project, name) is { } bad)
        {
            return bad;
        }
        return TypedResults.Ok(TemplateDto.From(await templates.GetAsync(project, name, ct).ConfigureAwait(false)));
    }

    private static async Task<Results<Ok<TemplateDto>, ValidationProblem, ProblemHttpResult>> Save(string project, string name, HttpContext http,
        TemplateService templates, CancellationToken ct)
    {
        if (CheckNames(project, name) is { } bad)
        {
            return bad;
        }
        ProjectAccess.Require(http.User, project, ProjectAccess.Writers, "save a release template");
        var (request, problem) = await JsonBody.ReadAsync(http.Request, TemplatesJsonContext.Default.SaveTemplateRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<TemplateDto>>(problem!);
        }
        var saved = await templates.SaveAsync(project, name, request.Description, request.Environments, request.Approvals, request.Notify, request.RequiredAssets,
            Roles.UserId(http.User), ct).ConfigureAwait(false);
        return TypedResults.Ok(TemplateDto.From(saved));
    }

    private static async Task<Results<Accepted<ReleaseAcceptedDto>, ValidationProblem, ProblemHttpResult>> Release(string project, string name, HttpContext http,
        TemplateService templates, CancellationToken ct)
    {
        if (CheckNames(project, name) is { } bad)
        {
            return bad;
        }
        ProjectAccess.Require(http.User, project, ProjectAccess.Writers, "request a release");
        var (request, problem) = await JsonBody.ReadAsync(http.Request, TemplatesJsonContext.Default.TemplateReleaseRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Accepted<ReleaseAcceptedDto>>(problem!);
        }
        var release = await templates.ReleaseAsync(project, name, request.Model, request.Version, request.Notes, Roles.UserId(http.User), ct).ConfigureAwait(false);
        return TypedResults.Accepted($"/v1/releases/{release.Id}", new ReleaseAcceptedDto(release.Id, release.Status, release.ExecutionArn, release.Bundle!.Digest));
    }
}
