using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Environments;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Rollbacks;

namespace ReleaseCenter.Api.Environments;

/// <summary>
/// The environment routes of api.md: what is live where and since when, the deployment history
/// (also "what was live at"), consumers per environment, and rollback with its impact preview.
/// </summary>
public static class EnvironmentsApi
{
    private static EnvironmentsJsonContext Json => EnvironmentsJsonContext.Default;

    public static void MapEnvironmentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/environments").WithTags("Environments").RequireAuthorization(Roles.CanRead);
        group.MapGet("/", List).WithSummary("Every environment in promotion order: what is live, the lock holder, the last deployment, the policy");
        group.MapGet("/{env}/history", History).WithSummary("Deployments to an environment, newest first; with at=<time>, what was live at that moment");
        group.MapGet("/{env}/consumers", Consumers).WithSummary("Systems registered as consumers of the environment's endpoints");
        group.MapPost("/{env}/consumers", RegisterConsumer).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Register a consumer of a model's endpoint in the environment").Accepts<RegisterConsumerRequest>("application/json");
        group.MapDelete("/{env}/consumers/{model}/{name}", RemoveConsumer).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Remove a registered consumer");
        group.MapPost("/{env}/rollback/preview", Preview)
            .WithSummary("What a rollback would do: live release, target, metric diff, releases in flight, consumers, blockers")
            .Accepts<RollbackPreviewRequest>("application/json");
        group.MapPost("/{env}/rollback", RequestRollback).RequireAuthorization(Roles.CanRegister)
            .WithSummary("Roll a model back in the environment (202 with the rollback; 200 no-op when the target is already live; 409 while a release holds the lock)")
            .Accepts<RollbackRequest>("application/json");

        group.MapPost("/{env}/unlock", Unlock).RequireAuthorization(Roles.CanAdminister)
            .WithSummary("Free the environment's deployment lock (release-admins; audited with the reason). Refused with 409 while the holder's execution runs, unless force is true")
            .Accepts<UnlockRequest>("application/json");

        group.MapPost("/{env}/freeze", Freeze).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Freeze the environment (release-admins), or one project's releases in it (the project's release-admins): releases wait at its door until the freeze is lifted or ends; rollbacks proceed unless allowRollbacks is false")
            .Accepts<FreezeRequest>("application/json");
        group.MapPost("/{env}/freeze/lift", LiftFreeze).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Lift the environment's freeze (release-admins): releases waiting at its door go on")
            .Accepts<LiftFreezeRequest>("application/json");

        group.MapPost("/{env}/out-of-band/{model}/reconcile", Reconcile).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Reconcile an endpoint changed outside Release Center (release-admins of the model's project): adopt what it serves as a recorded deployment, or restore the recorded config")
            .Accepts<ReconcileRequest>("application/json");

        group.MapPost("/{env}/holds/{model}/lift", LiftHold).RequireAuthorization(Roles.CanAdministerProject)
            .WithSummary("Lift the hold a manual rollback put on the model's auto-promotion into the environment (release-admins of the model's project)")
            .Accepts<LiftHoldRequest>("application/json");

        var rollbacks = app.MapGroup("/v1/rollbacks").WithTags("Rollbacks").RequireAuthorization(Roles.CanRead);
        rollbacks.MapGet("/{id}", GetRollback).WithSummary("A rollback: sides, status, approvals, verification, failure");
        rollbacks.MapPost("/{id}/approvals", DecideRollback).WithSummary("Approve or reject a rollback that waits for approval")
            .Accepts<RollbackDecisionRequest>("application/json");
    }

    private static async Task<Results<Ok<EnvironmentListDto>, ValidationProblem>> List(string? model, IWorkflowStore workflow, IFreezeStore freezes,
        TimeProvider clock, EnvironmentPolicies policies, ILiveStateStore liveState,
        CancellationToken ct)
    {
        if (model is not null && Rules.ResourceName(model) is { } reason)
        {
            return JsonBody.Invalid("model", reason);
        }
        var items = new List<EnvironmentDto>();
        foreach (var (policy, order) in policies.All.Select((p, i) => (p, i)))
        {
            var live = (await workflow.ListLiveAsync(policy.Name, ct).ConfigureAwait(false))
                .Where(l => model is null || l.Model == model)
                .OrderByDescending(l => l.DeployedAt).ToArray();
            var last = (await workflow.ListDeploymentsAsync(policy.Name, 1, ct, model: model).ConfigureAwait(false)).FirstOrDefault();
            var current = live.FirstOrDefault();
            var lockState = await workflow.GetLockAsync(policy.Name, ct).ConfigureAwait(false);
            var freeze = await freezes.GetFreezeAsync(policy.Name, ct).ConfigureAwait(false);
            items.Add(new EnvironmentDto(policy.Name, order, current?.EndpointName, current?.ReleaseId, current?.Version, lockState.LockedBy,
                last is null ? null : DeploymentDto.From(last), live.Select(DeploymentDto.From).ToArray(),
                new EnvironmentPolicyDto(policy.Approval.Required, policy.Approval.Groups, policy.BakeSeconds, policy.InstanceType,
                    policy.RollbackApproval.Required, policy.RollbackApproval.Groups)
                {
                    ApprovalTimeoutSeconds = policy.Approval.TimeoutSeconds,
                    Deployment = DeploymentStrategyDto.From(policy.Deployment),
                    RequiredSoakSeconds = policy.RequiredSoakSeconds,
                })
            {
                Freeze = freeze is not null && freeze.HoldsAt(clock.GetUtcNow()) ? FreezeDto.From(freeze) : null,
                OutOfBandChanges = (await liveState.ListAsync(policy.Name, ct).ConfigureAwait(false)).Select(OutOfBandChangeDto.From).ToArray(),
                Holds = (await freezes.ListHoldsAsync(policy.Name, ct).ConfigureAwait(false)).Select(AutoPromotionHoldDto.From).ToArray(),
                ProjectFreezes = (await freezes.ListFreezesAsync(policy.Name, ct).ConfigureAwait(false))
                    .Where(f => f.Project is not null && f.HoldsAt(clock.GetUtcNow())).Select(FreezeDto.From).ToArray(),
            });
        }
        return TypedResults.Ok(new EnvironmentListDto(items));
    }

    private static async Task<Results<Ok<EnvironmentHistoryDto>, ValidationProblem, ProblemHttpResult>> History(string env, string? model, string? at, int? limit,
        IWorkflowStore workflow, EnvironmentPolicies policies, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        if (model is not null && Rules.ResourceName(model) is { } reason)
        {
            return JsonBody.Invalid("model", reason);
        }
        if (!Problems.TryTime(at, out var moment))
        {
            return JsonBody.Invalid("at", Problems.TimestampRule);
        }
        if (!Problems.TryLimit(limit, out var size, out var bad))
        {
            return bad!;
        }
        var items = await workflow.ListDeploymentsAsync(env, size, ct, moment, model).ConfigureAwait(false);
        IReadOnlyList<DeploymentDto>? liveAt = null;
        if (moment is { } when)
        {
            // What was live then: per model, the newest deployment made by then. The page above may
            // not reach every model, so ask once more per model it does not cover.
            var known = RollbackTargets.LiveAt(items, when).ToList();
            if (model is null)
            {
                foreach (var other in (await workflow.ListLiveAsync(env, ct).ConfigureAwait(false)).Select(l => l.Model).Where(m => known.All(k => k.Model != m)))
                {
                    known.AddRange(await workflow.ListDeploymentsAsync(env, 1, ct, when, other).ConfigureAwait(false));
                }
            }
            liveAt = known.OrderBy(k => k.Model, StringComparer.Ordinal).Select(DeploymentDto.From).ToArray();
        }
        return TypedResults.Ok(new EnvironmentHistoryDto(env, model, moment, liveAt, items.Select(DeploymentDto.From).ToArray()));
    }

    private static async Task<Results<Ok<ConsumerListDto>, ValidationProblem, ProblemHttpResult>> Consumers(string env, string? model, IRollbackStore store,
        EnvironmentPolicies policies, HttpContext http, Functions.ModelProjects projects, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured.");
        }
        if (model is not null && Rules.ResourceName(model) is { } reason)
        {
            return JsonBody.Invalid("model", reason);
        }
        // Reads are org-wide, but a consumer's contact details only for those who hold a role in the model's project.
        var consumers = new List<Consumer>();
        foreach (var consumer in await store.ListConsumersAsync(env, model, ct).ConfigureAwait(false))
        {
            var project = await projects.FindAsync(consumer.Model, ct).ConfigureAwait(false);
            consumers.Add(project is not null && ProjectAccess.HoldsAnyRole(http.User, project) ? consumer : consumer with { Contact = null });
        }
        return TypedResults.Ok(new ConsumerListDto(consumers));
    }

    private static async Task<Results<Created<Consumer>, ValidationProblem, ProblemHttpResult>> RegisterConsumer(string env, HttpContext http, IRollbackStore store,
        IRegistryStore registry, EnvironmentPolicies policies, TimeProvider clock, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured.");
        }
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.RegisterConsumerRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Created<Consumer>>(problem!);
        }
        var actor = Roles.UserId(http.User);
        var consumer = Consumer.Create(env, request.Model, request.Name, request.Contact, request.Description, actor, clock.GetUtcNow());
        if (await registry.GetModelAsync(consumer.Model, ct).ConfigureAwait(false) is not { } owner)
        {
            return JsonBody.Invalid("model", $"'{consumer.Model}' is not a registered model.");
        }
        ProjectAccess.Require(http.User, owner.Project, ProjectAccess.Writers, "register a consumer");
        await store.AddConsumerAsync(consumer, ct, ReleaseJournal.Registry(owner.Project, actor, "consumer.registered",
            $"environment/{env}/consumer/{consumer.Model}/{consumer.Name}",
            new Dictionary<string, string> { ["environment"] = env, ["model"] = consumer.Model, ["name"] = consumer.Name, ["contact"] = consumer.Contact ?? "" }))
            .ConfigureAwait(false);
        return TypedResults.Created($"/v1/environments/{env}/consumers", consumer);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> RemoveConsumer(string env, string model, string name, HttpContext http,
        IRollbackStore store, IRegistryStore registry, EnvironmentPolicies policies, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured.");
        }
        // A consumer names a registered model (checked when it was registered), so its project's chain records the removal.
        var owner = await registry.GetModelAsync(model, ct).ConfigureAwait(false);
        if (owner is not null)
        {
            ProjectAccess.Require(http.User, owner.Project, ProjectAccess.Writers, "remove a consumer");
        }
        var removed = owner is null
            ? await store.RemoveConsumerAsync(env, model, name, ct).ConfigureAwait(false)
            : await store.RemoveConsumerAsync(env, model, name, ct, ReleaseJournal.Registry(owner.Project, Roles.UserId(http.User), "consumer.removed",
                $"environment/{env}/consumer/{model}/{name}", new Dictionary<string, string> { ["environment"] = env, ["model"] = model, ["name"] = name }))
                .ConfigureAwait(false);
        return removed ? TypedResults.NoContent() : Problems.NotFound($"No consumer '{name}' of {model} is registered in {env}.");
    }

    private static async Task<Results<Ok<RollbackPreview>, ValidationProblem, ProblemHttpResult>> Preview(string env, HttpContext http, RollbackService rollbacks,
        CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.RollbackPreviewRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<RollbackPreview>>(problem!);
        }
        return TypedResults.Ok(await rollbacks.PreviewAsync(env, request.Model, request.ToRelease, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Accepted<RollbackAcceptedDto>, Ok<RollbackAcceptedDto>, ValidationProblem, ProblemHttpResult>> RequestRollback(string env,
        HttpContext http, RollbackService rollbacks, ProjectAccess access, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.RollbackRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return problem switch
            {
                ValidationProblem v => v,
                ProblemHttpResult p => p,
                _ => throw new InvalidOperationException("JsonBody returns only problem results."),
            };
        }
        // Without a model the rollback acts on the only one live there: check the project of the model it would act on.
        var model = request.Model ?? (await rollbacks.PreviewAsync(env, null, request.ToRelease, ct).ConfigureAwait(false)).Model;
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Writers, "roll back", ct).ConfigureAwait(false);
        var result = await rollbacks.RequestAsync(env, request.Model, request.ToRelease, request.Reason, Roles.UserId(http.User), ct).ConfigureAwait(false);
        if (result.Rollback is not { } started)
        {
            return TypedResults.Ok(new RollbackAcceptedDto(null, null, "NoOp", true, result.Preview.Message, result.Preview));
        }
        return TypedResults.Accepted($"/v1/rollbacks/{started.Id}",
            new RollbackAcceptedDto(started.Id, started.ExecutionArn, started.Status.ToString(), false, result.Preview.Message, result.Preview));
    }

    private static async Task<Results<Ok<ReleaseCenter.Functions.Environments.UnlockResult>, ValidationProblem, ProblemHttpResult>> Unlock(string env,
        HttpContext http, ReleaseCenter.Functions.Environments.EnvironmentLocks locks, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.UnlockRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<ReleaseCenter.Functions.Environments.UnlockResult>>(problem!);
        }
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return JsonBody.Invalid("reason", "is required: say why the lock is freed by hand (it goes into the audit log).");
        }
        if (Rules.OptionalText(request.Reason, 2000) is { } tooLong)
        {
            return JsonBody.Invalid("reason", tooLong);
        }
        return TypedResults.Ok(await locks.UnlockAsync(env, Roles.UserId(http.User), request.Reason, request.Force == true, ct).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<Rollback>, ProblemHttpResult>> GetRollback(string id, IRollbackStore store, CancellationToken ct) =>
        await store.GetAsync(id, ct).ConfigureAwait(false) is { } rollback
            ? TypedResults.Ok(rollback)
            : Problems.NotFound($"Rollback '{id}' does not exist.");

    private static async Task<Results<Ok<Rollback>, ValidationProblem, ProblemHttpResult>> DecideRollback(string id, HttpContext http, RollbackService rollbacks,
        CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.RollbackDecisionRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<Rollback>>(problem!);
        }
        if (request.Decision is not (ApprovalGate.Approve or ApprovalGate.Reject))
        {
            return JsonBody.Invalid("decision", "must be 'approve' or 'reject'.");
        }
        if (Rules.OptionalText(request.Comment, 2000) is { } reason)
        {
            return JsonBody.Invalid("comment", reason);
        }
        return TypedResults.Ok(await rollbacks.DecideAsync(id, Roles.UserId(http.User), Roles.GroupsOf(http.User), request.Decision, request.Comment, ct)
            .ConfigureAwait(false));
    }

    /// <summary>200 with the hold lifted; 409 when none stands. The lift, its audit entry and event are one write.</summary>
    private static async Task<Results<Ok<AutoPromotionHoldDto>, ValidationProblem, ProblemHttpResult>> LiftHold(string env, string model, HttpContext http,
        IFreezeStore freezes, ProjectAccess access, Functions.ModelProjects projects, EnvironmentPolicies policies, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.LiftHoldRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<AutoPromotionHoldDto>>(problem!);
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Admins, "lift a hold on auto-promotion", ct).ConfigureAwait(false);
        if (Rules.Reason(request.Reason) is { } rule)
        {
            return JsonBody.Invalid("reason", rule);
        }
        var project = Rules.ResourceName(model) is null ? await projects.FindAsync(model, ct).ConfigureAwait(false) : null;
        if (project is null)
        {
            return Problems.NotFound($"Model '{model}' does not exist.");
        }
        var actor = Roles.UserId(http.User);
        var reason = request.Reason!.Trim();
        var lifted = await freezes.LiftHoldAsync(env, model, hold => Domain.Ports.ChangeRecord.Of(
            new Domain.Audit.AuditRecord(project, actor, "environment.auto-promotion-resumed", $"environment/{env}/model/{model}",
                new Dictionary<string, string> { ["reason"] = reason, ["rollbackId"] = hold.RollbackId }),
            $"hold-lifted:{hold.RollbackId}", new Domain.Events.AutoPromotionHoldLifted(env, model, reason, actor, hold.RollbackId)), ct).ConfigureAwait(false);
        return TypedResults.Ok(AutoPromotionHoldDto.From(lifted));
    }

    /// <summary>200 with the change reconciled; 404 when none is flagged for the model; 409 when adopting an endpoint that is gone.</summary>
    private static async Task<Results<Ok<OutOfBandChangeDto>, ValidationProblem, ProblemHttpResult>> Reconcile(string env, string model, HttpContext http,
        ReleaseCenter.Functions.Environments.LiveStateService liveState, ProjectAccess access, EnvironmentPolicies policies, CancellationToken ct)
    {
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.ReconcileRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<OutOfBandChangeDto>>(problem!);
        }
        await access.RequireForModelAsync(http.User, model, ProjectAccess.Admins, "reconcile an out-of-band change", ct).ConfigureAwait(false);
        var errors = new ValidationErrors();
        if (request.Action is not (OutOfBandChange.Adopt or OutOfBandChange.Restore))
        {
            errors.Add("action", $"must be '{OutOfBandChange.Adopt}' (record what the endpoint serves) or '{OutOfBandChange.Restore}' (put the recorded config back).");
        }
        errors.Check("reason", Rules.Reason(request.Reason));
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var reconciled = await liveState.ReconcileAsync(env, model, request.Action!, request.Reason!.Trim(), Roles.UserId(http.User), ct).ConfigureAwait(false);
        return TypedResults.Ok(OutOfBandChangeDto.From(reconciled));
    }

    /// <summary>200 with the freeze; 409 when one holds already. The freeze, its audit entry and event are one write.</summary>
    private static async Task<Results<Ok<FreezeDto>, ValidationProblem, ProblemHttpResult>> Freeze(string env, HttpContext http, IFreezeStore freezes,
        EnvironmentPolicies policies, TimeProvider clock, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.FreezeRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<FreezeDto>>(problem!);
        }
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        if (FreezeScope(http, request.Project) is { } refused)
        {
            return refused;
        }
        if (Rules.Reason(request.Reason) is { } rule)
        {
            return JsonBody.Invalid("reason", rule);
        }
        var now = clock.GetUtcNow();
        if (!Problems.TryTime(request.Until, out var until))
        {
            return JsonBody.Invalid("until", Problems.TimestampRule);
        }
        if (until <= now)
        {
            return JsonBody.Invalid("until", "must be in the future (or left out: the freeze then holds until it is lifted).");
        }
        var freeze = new Freeze(env, request.Reason!.Trim(), Roles.UserId(http.User), now, until, request.AllowRollbacks ?? true) { Project = request.Project };
        var details = new Dictionary<string, string>
        {
            ["reason"] = freeze.Reason,
            ["until"] = freeze.Until is { } u ? Domain.Environments.Freeze.Format(u) : "",
            ["allowRollbacks"] = freeze.AllowRollbacks ? "true" : "false",
        };
        if (freeze.Project is { } frozenProject)
        {
            details["project"] = frozenProject;
        }
        await freezes.FreezeAsync(freeze, ReleaseJournal.Registry(freeze.Project ?? Domain.Audit.AuditChains.Organization, freeze.By, "environment.frozen", $"environment/{env}", details,
            new Domain.Events.EnvironmentFrozen(env, freeze.Reason, freeze.By, details["until"], details["allowRollbacks"])), ct).ConfigureAwait(false);
        return TypedResults.Ok(FreezeDto.From(freeze));
    }

    /// <summary>
    /// Who may freeze (or lift): the whole environment, the organization's release-admins; one project's releases, that
    /// project's release-admins. Null when the caller may; else the refusal (400 naming project, or 403).
    /// </summary>
    private static ValidationProblem? FreezeScope(HttpContext http, string? project)
    {
        if (project is null)
        {
            if (!Roles.GroupsOf(http.User).Contains(Roles.Admins))
            {
                throw new Domain.Errors.RequestRefusedException(Domain.Errors.RefusalKind.Forbidden, "Forbidden",
                    $"Freezing a whole environment takes the organization's {Roles.Admins}; a project's release-admins freeze their project's releases (\"project\").");
            }
            return null;
        }
        if ((Rules.ResourceName(project) ?? (project == Domain.Audit.AuditChains.Organization ? "is the organization's own name, not a project." : null)) is { } bad)
        {
            return JsonBody.Invalid("project", bad);
        }
        ProjectAccess.Require(http.User, project, ProjectAccess.Admins, "freeze releases");
        return null;
    }

    /// <summary>200 with the freeze lifted; 409 when none was placed.</summary>
    private static async Task<Results<Ok<FreezeDto>, ValidationProblem, ProblemHttpResult>> LiftFreeze(string env, HttpContext http, IFreezeStore freezes,
        EnvironmentPolicies policies, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, Json.LiftFreezeRequest, ct).ConfigureAwait(false);
        if (request is null)
        {
            return Problems.Unwrap<Ok<FreezeDto>>(problem!);
        }
        if (policies.Find(env) is null)
        {
            return Problems.NotFound($"No environment '{env}' is configured ({string.Join(", ", policies.All.Select(p => p.Name))}).");
        }
        if (FreezeScope(http, request.Project) is { } refused)
        {
            return refused;
        }
        if (Rules.Reason(request.Reason) is { } rule)
        {
            return JsonBody.Invalid("reason", rule);
        }
        var actor = Roles.UserId(http.User);
        var reason = request.Reason!.Trim();
        var lifted = await freezes.LiftFreezeAsync(env, f => ReleaseJournal.Registry(f.Project ?? Domain.Audit.AuditChains.Organization, actor, "environment.unfrozen",
            $"environment/{env}", new Dictionary<string, string> { ["reason"] = reason, ["frozenBy"] = f.By, ["freezeReason"] = f.Reason, ["project"] = f.Project ?? "" },
            new Domain.Events.EnvironmentUnfrozen(env, reason, actor, f.By)), ct, request.Project).ConfigureAwait(false);
        return TypedResults.Ok(FreezeDto.From(lifted));
    }
}
