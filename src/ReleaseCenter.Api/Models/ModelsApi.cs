using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Models;

/// <summary>The model registry routes of api.md: models and their immutable, numbered versions.</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/models").WithTags("Models").RequireAuthorization(Roles.CanRead);

        group.MapPost("/", CreateModel).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Register a model")
            .Accepts<CreateModelRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/", ListModels).WithSummary("List models, optionally of one project");
        group.MapGet("/{model}", GetModel).WithSummary("Get a model");
        group.MapPost("/{model}/versions", CreateVersion).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Register a new immutable version of a model")
            .Accepts<CreateVersionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/{model}/versions/import", ImportVersion).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Register a SageMaker model package as the next version: image, artifact, metrics report and lineage (once per package)")
            .Accepts<ImportVersionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapGet("/{model}/versions", ListVersions).WithSummary("List a model's versions, oldest first");
        group.MapGet("/{model}/versions/{version:int}", GetVersion).WithSummary("Get one version of a model");
        group.MapPost("/{model}/versions/{version:int}/veto", Veto).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Mark a version as bad: no release of it may start until the veto is lifted, and one in flight stops at the next environment")
            .Accepts<VetoRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/{model}/versions/{version:int}/veto/lift", LiftVeto).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Lift the veto on a version, so that it may be released again")
            .Accepts<VetoRequest>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return group;
    }

    private static async Task<Results<Created<ModelDto>, ValidationProblem, ProblemHttpResult>> CreateModel(
        HttpContext http, IRegistryStore store, TimeProvider clock, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.CreateModelRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Created<ModelDto>>(problem!);
        }
        if (Rules.ResourceName(request.Project) is null)
        {
            ProjectAccess.Require(http.User, request.Project!, ProjectAccess.Writers, "register a model");
        }
        var model = Model.Create(new ModelDraft(request.Name, request.Project, request.Description, request.Owner, request.Tags),
            Roles.UserId(http.User), clock.GetUtcNow());
        // The model and its audit entry are one transaction: a crash leaves both or neither, and a retry then succeeds.
        await store.CreateModelAsync(model, ct, ReleaseJournal.Registry(model.Project, model.CreatedBy, "model.registered", $"model/{model.Name}",
            new Dictionary<string, string> { ["owner"] = model.Owner ?? "", ["description"] = model.Description ?? "" })).ConfigureAwait(false);
        return TypedResults.Created($"/v1/models/{model.Name}", ModelDto.From(model));
    }

    private static async Task<Results<Ok<PageDto<ModelDto>>, ValidationProblem>> ListModels(
        IRegistryStore store, string? project, int? limit, string? cursor, CancellationToken ct)
    {
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        if (project is not null && Rules.ResourceName(project) is { } reason)
        {
            return JsonBody.Invalid("project", reason);
        }
        var page = await store.ListModelsAsync(project, size, cursor, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<ModelDto>(page.Items.Select(ModelDto.From).ToArray(), page.NextCursor));
    }

    private static async Task<Results<Ok<ModelDto>, ProblemHttpResult>> GetModel(string model, IRegistryStore store, CancellationToken ct) =>
        await store.GetModelAsync(model, ct).ConfigureAwait(false) is { } m
            ? TypedResults.Ok(ModelDto.From(m))
            : Problems.NotFound($"Model '{model}' does not exist.");

    private static async Task<Results<Created<ModelVersionDto>, ValidationProblem, ProblemHttpResult>> CreateVersion(
        string model, HttpContext http, IRegistryStore store, ProjectAccess access, TimeProvider clock, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.CreateVersionRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Created<ModelVersionDto>>(problem!);
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Writers, "register a version", ct).ConfigureAwait(false);
        var draft = ModelVersion.Create(model, new ModelVersionDraft(
            request.ArtifactUri, request.ArtifactDigest, request.Framework, request.Image, request.TrainingRun,
            request.Datasets?.Select(d => d is null ? null : new DatasetRef(d.Name, d.Uri, d.Digest)).ToArray(),
            request.Hyperparameters, request.Metrics,
            request.InferenceConfig is { } ic ? new InferenceConfig(ic.InstanceType, ic.InstanceCount) : null),
            Roles.UserId(http.User), clock.GetUtcNow());
        var project = (await store.GetModelAsync(model, ct).ConfigureAwait(false))?.Project
            ?? throw new NotFoundException($"Model '{model}' does not exist.");
        // The version, its number and its audit entry are one transaction (the number is known only inside it).
        var version = await store.AddVersionAsync(draft, ct, numbered => ReleaseJournal.Registry(project, numbered.CreatedBy, "model.version-registered",
            $"model/{model}/versions/{numbered.Version}", new Dictionary<string, string>
            {
                ["artifactUri"] = numbered.ArtifactUri,
                ["artifactDigest"] = numbered.ArtifactDigest,
                ["trainingRun"] = numbered.TrainingRun ?? "",
            })).ConfigureAwait(false);
        return TypedResults.Created($"/v1/models/{model}/versions/{version.Version}", ModelVersionDto.From(version));
    }

    /// <summary>201 with the new version; 200 with the version a first import of the same package made.</summary>
    private static async Task<Results<Created<ModelVersionDto>, Ok<ModelVersionDto>, ValidationProblem, ProblemHttpResult>> ImportVersion(
        string model, HttpContext http, Functions.Registry.ModelPackageImporter importer, ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.ImportVersionRequest, ct).ConfigureAwait(false);
        if (problem is ValidationProblem invalid)
        {
            return invalid;
        }
        if (request is null)
        {
            return (ProblemHttpResult)problem!;
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Writers, "import a version", ct).ConfigureAwait(false);
        var import = await importer.ImportAsync(model, request.ModelPackageArn, Roles.UserId(http.User), ct).ConfigureAwait(false);
        var dto = ModelVersionDto.From(import.Version);
        return import.Created
            ? TypedResults.Created($"/v1/models/{model}/versions/{import.Version.Version}", dto)
            : TypedResults.Ok(dto);
    }

    private static async Task<Results<Ok<PageDto<ModelVersionDto>>, ValidationProblem, ProblemHttpResult>> ListVersions(
        string model, IRegistryStore store, int? limit, string? cursor, CancellationToken ct)
    {
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        if (await store.GetModelAsync(model, ct).ConfigureAwait(false) is null)
        {
            return Problems.NotFound($"Model '{model}' does not exist.");
        }
        var page = await store.ListVersionsAsync(model, size, cursor, ct).ConfigureAwait(false);
        return TypedResults.Ok(new PageDto<ModelVersionDto>(page.Items.Select(ModelVersionDto.From).ToArray(), page.NextCursor));
    }

    private static async Task<Results<Ok<ModelVersionDto>, ProblemHttpResult>> GetVersion(
        string model, int version, IRegistryStore store, CancellationToken ct) =>
        await store.GetVersionAsync(model, version, ct).ConfigureAwait(false) is { } v
            ? TypedResults.Ok(ModelVersionDto.From(v))
            : Problems.NotFound($"Model '{model}' has no version {version}.");

    /// <summary>200 with the version vetoed; 409 when a veto stands already. The veto, its audit entry and event are one write.</summary>
    private static async Task<Results<Ok<ModelVersionDto>, ValidationProblem, ProblemHttpResult>> Veto(
        string model, int version, HttpContext http, IRegistryStore store, TimeProvider clock, CancellationToken ct)
    {
        var (reason, problem) = await ReadReasonAsync(http, ct).ConfigureAwait(false);
        if (reason is null)
        {
            return problem!;
        }
        var project = await ProjectOfAsync(store, model, ct).ConfigureAwait(false);
        ProjectAccess.Require(http.User, project, ProjectAccess.Writers, "mark a version as bad");
        var veto = new Veto(reason, Roles.UserId(http.User), clock.GetUtcNow());
        var vetoed = await store.VetoVersionAsync(model, version, veto, ReleaseJournal.Registry(project, veto.By, "model.version-vetoed",
            $"model/{model}/versions/{version}", new Dictionary<string, string> { ["reason"] = reason },
            new VersionVetoed(model, version.ToString(CultureInfo.InvariantCulture), reason, veto.By)), ct).ConfigureAwait(false);
        return TypedResults.Ok(ModelVersionDto.From(vetoed));
    }

    /// <summary>200 with the version released from its veto; 409 when none stands.</summary>
    private static async Task<Results<Ok<ModelVersionDto>, ValidationProblem, ProblemHttpResult>> LiftVeto(
        string model, int version, HttpContext http, IRegistryStore store, CancellationToken ct)
    {
        var (reason, problem) = await ReadReasonAsync(http, ct).ConfigureAwait(false);
        if (reason is null)
        {
            return problem!;
        }
        var project = await ProjectOfAsync(store, model, ct).ConfigureAwait(false);
        ProjectAccess.Require(http.User, project, ProjectAccess.Writers, "lift a veto");
        var actor = Roles.UserId(http.User);
        var lifted = await store.LiftVetoAsync(model, version, standing => ReleaseJournal.Registry(project, actor, "model.version-veto-lifted",
            $"model/{model}/versions/{version}", new Dictionary<string, string>
            {
                ["reason"] = reason,
                ["vetoedBy"] = standing.By,
                ["vetoReason"] = standing.Reason,
            },
            new VersionVetoLifted(model, version.ToString(CultureInfo.InvariantCulture), reason, actor, standing.By)), ct).ConfigureAwait(false);
        return TypedResults.Ok(ModelVersionDto.From(lifted));
    }

    private static async Task<(string? Reason, Results<Ok<ModelVersionDto>, ValidationProblem, ProblemHttpResult>? Problem)> ReadReasonAsync(
        HttpContext http, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, ApiJsonContext.Default.VetoRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return (null, Problems.Unwrap<Ok<ModelVersionDto>>(problem!));
        }
        return Rules.Reason(request.Reason) is { } rule ? (null, JsonBody.Invalid("reason", rule)) : (request.Reason!.Trim(), null);
    }

    private static async Task<string> ProjectOfAsync(IRegistryStore store, string model, CancellationToken ct) =>
        (await store.GetModelAsync(model, ct).ConfigureAwait(false))?.Project ?? throw new NotFoundException($"Model '{model}' does not exist.");
}
