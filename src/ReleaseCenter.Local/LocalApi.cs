using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Api.Http;

namespace ReleaseCenter.Local;

/// <summary>Routes that exist only on the local stack (api.md, "Local stack only").</summary>
public static class LocalApi
{
    public static void MapLocalApi(this IEndpointRouteBuilder app, LocalInfoDto info)
    {
        var group = app.MapGroup("/v1/local").WithTags("Local stack").AllowAnonymous();
        group.MapGet("/token", Token).WithSummary("Issue a development token (local stack only)");
        group.MapGet("/info", () => TypedResults.Ok(info))
            .WithSummary("Where the emulated AWS resources behind this stack are, for the aws CLI or boto3");
        group.MapPut("/pipelines/{name}", PutPipeline).RequireAuthorization()
            .WithSummary("Create or change a stand-in SageMaker training pipeline: how long it runs, how it ends, the model package and metrics it registers (local stack only)")
            .Accepts<StandInPipelineRequest>("application/json");
        group.MapPost("/model-packages", RegisterModelPackage).RequireAuthorization()
            .WithSummary("Register a model package in the emulated SageMaker Model Registry, as a training pipeline's RegisterModel step does: a metrics report in S3, then the package; its state change event follows (local stack only)")
            .Accepts<StandInModelPackageRequest>("application/json");
        group.MapGet("/faults", (ReleaseCenter.Local.Emulator.AwsFaults faults) => TypedResults.Ok(new ReleaseCenter.Local.Emulator.FaultsDto(faults.Rules, faults.Injected)))
            .RequireAuthorization().WithSummary("The faults armed on the local AWS endpoint, and how many of each kind were injected (local stack only)");
        group.MapPost("/faults", AddFault).RequireAuthorization()
            .WithSummary("Arm a fault on the local AWS endpoint: throttle, error, latency or drop for a service (dynamodb, sagemaker, states, events), crash or twice for a handler (lambda) (local stack only)")
            .Accepts<ReleaseCenter.Local.Emulator.FaultRule>("application/json");
        group.MapDelete("/faults", (ReleaseCenter.Local.Emulator.AwsFaults faults) =>
        {
            faults.Clear();
            return TypedResults.NoContent();
        }).RequireAuthorization().WithSummary("Disarm every fault on the local AWS endpoint (local stack only)");
        group.MapPost("/faults/verification", FailVerification).RequireAuthorization()
            .WithSummary("Make the local SageMaker stand-in fail verification of a model version in an environment (local stack only)")
            .Accepts<VerificationFaultRequest>("application/json");
    }

    private static async Task<Results<Ok<ReleaseCenter.Local.Emulator.FaultRule>, ValidationProblem, ProblemHttpResult>> AddFault(
        HttpContext http, ReleaseCenter.Local.Emulator.AwsFaults faults, CancellationToken ct)
    {
        var (rule, problem) = await JsonBody.ReadAsync(http.Request, ReleaseCenter.Local.Emulator.FaultsJsonContext.Default.FaultRule, ct);
        if (rule is null)
        {
            return Problems.Unwrap<Ok<ReleaseCenter.Local.Emulator.FaultRule>>(problem!);
        }
        if (rule.Validate() is { } invalid)
        {
            return JsonBody.Invalid(invalid.Field, invalid.Reason);
        }
        faults.Add(rule);
        return TypedResults.Ok(rule);
    }

    private static async Task<Results<Ok<VerificationFaultRequest>, ValidationProblem, ProblemHttpResult>> FailVerification(
        HttpContext http, LocalFaults faults, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, LocalApiJsonContext.Default.VerificationFaultRequest, ct);
        if (request is null)
        {
            return Problems.Unwrap<Ok<VerificationFaultRequest>>(problem!);
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.Environment) is { } envReason)
        {
            return JsonBody.Invalid("environment", envReason);
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.Model) is { } modelReason)
        {
            return JsonBody.Invalid("model", modelReason);
        }
        if (request.Version is null or < 1)
        {
            return JsonBody.Invalid("version", "must be a version number of 1 or more.");
        }
        faults.FailVerification(request.Environment!, request.Model!, request.Version.Value, request.Reason ?? "injected failure: error rate above threshold");
        return TypedResults.Ok(request);
    }

    /// <summary>
    /// The emulator's pipelines run what their definition's "ReleaseCenterStandIn" object says
    /// (moto launcher patch 9): deterministic duration, outcome, and the model package a succeeded
    /// execution registers.
    /// </summary>
    private static async Task<Results<Ok<StandInPipelineRequest>, ValidationProblem, ProblemHttpResult>> PutPipeline(string name, HttpContext http,
        ReleaseCenter.Aws.Clients.SageMakerClient sageMaker, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, LocalApiJsonContext.Default.StandInPipelineRequest, ct);
        if (request is null)
        {
            return Problems.Unwrap<Ok<StandInPipelineRequest>>(problem!);
        }
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}$"))
        {
            return JsonBody.Invalid("name", "must be a SageMaker pipeline name: letters, digits and '-'.");
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.ModelPackageGroupName) is { } groupReason)
        {
            return JsonBody.Invalid("modelPackageGroupName", groupReason + " (the model's name)");
        }
        if (string.IsNullOrWhiteSpace(request.Image))
        {
            return JsonBody.Invalid("image", "is required: the inference image the registered model package names.");
        }
        if (request.DurationSeconds is < 0 or > 3600)
        {
            return JsonBody.Invalid("durationSeconds", "must be between 0 and 3600.");
        }
        if (request.Outcome is not (null or "Succeeded" or "Failed"))
        {
            return JsonBody.Invalid("outcome", "must be 'Succeeded' or 'Failed'.");
        }
        var definition = System.Text.Json.JsonSerializer.Serialize(new StandInPipelineDefinition("2020-12-01", [], request with
        {
            DurationSeconds = request.DurationSeconds ?? 2,
            Outcome = request.Outcome ?? "Succeeded",
        }), LocalApiJsonContext.Default.StandInPipelineDefinition);
        try
        {
            await sageMaker.CreatePipelineAsync(new ReleaseCenter.Aws.Clients.CreatePipelineRequest(name, definition, LocalHost.SageMakerRoleArn), ct);
        }
        catch (Amazon.Runtime.AmazonServiceException)
        {
            await sageMaker.UpdatePipelineAsync(new ReleaseCenter.Aws.Clients.UpdatePipelineRequest(name, definition, LocalHost.SageMakerRoleArn), ct);
        }
        return TypedResults.Ok(request);
    }

    /// <summary>
    /// A model package as SageMaker Pipelines registers one: the metrics report (SageMaker's model quality format) written
    /// to the local models bucket, then CreateModelPackage with the report as ModelMetrics and the artifact digest as a
    /// customer metadata property. The emulator then puts "SageMaker Model Package State Change" on the default bus
    /// (moto launcher patch 10), which a mapped group's import rule receives.
    /// </summary>
    private static async Task<Results<Created<StandInModelPackageResponse>, ValidationProblem, ProblemHttpResult>> RegisterModelPackage(HttpContext http,
        ReleaseCenter.Aws.Clients.SageMakerClient sageMaker, Amazon.S3.IAmazonS3 s3, CancellationToken ct)
    {
        var (request, problem) = await JsonBody.ReadAsync(http.Request, LocalApiJsonContext.Default.StandInModelPackageRequest, ct);
        if (request is null)
        {
            return Problems.Unwrap<Created<StandInModelPackageResponse>>(problem!);
        }
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(request.ModelPackageGroupName) is { } groupReason)
        {
            return JsonBody.Invalid("modelPackageGroupName", groupReason);
        }
        if (string.IsNullOrWhiteSpace(request.Image) || request.Image.Length > 1024)
        {
            return JsonBody.Invalid("image", "is required: the inference image (at most 1024 characters).");
        }
        if (request.ApprovalStatus is not (null or "PendingManualApproval" or "Approved" or "Rejected"))
        {
            return JsonBody.Invalid("approvalStatus", "must be PendingManualApproval, Approved or Rejected.");
        }
        if (request.Metrics is { Count: > 50 })
        {
            return JsonBody.Invalid("metrics", "may have at most 50 entries.");
        }
        if (request.Metrics?.FirstOrDefault(m => !double.IsFinite(m.Value) || m.Key.Length is 0 or > 64) is { Key: { } badMetric })
        {
            return JsonBody.Invalid($"metrics.{badMetric}", "must be a finite number named by 1 to 64 characters.");
        }
        var group = request.ModelPackageGroupName!;
        try
        {
            await sageMaker.CreateModelPackageGroupAsync(new ReleaseCenter.Aws.Clients.CreateModelPackageGroupRequest(group, "release-center local stand-in"), ct);
        }
        catch (Amazon.Runtime.AmazonServiceException)
        {
            // It exists already.
        }
        var run = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        var artifact = $"s3://{LocalHost.ModelsBucket}/{group}/{run}/model.tar.gz";
        ReleaseCenter.Aws.Clients.ModelMetrics? modelMetrics = null;
        if (request.Metrics is { Count: > 0 } metrics)
        {
            var report = new System.Text.Json.Nodes.JsonObject
            {
                ["version"] = 0.0,
                ["binary_classification_metrics"] = new System.Text.Json.Nodes.JsonObject(metrics.Select(m =>
                    KeyValuePair.Create(m.Key, (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject { ["value"] = m.Value }))),
            };
            var key = $"{group}/{run}/evaluation.json";
            await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
            {
                BucketName = LocalHost.ModelsBucket, Key = key, ContentBody = report.ToJsonString(), ContentType = "application/json",
            }, ct);
            modelMetrics = new ReleaseCenter.Aws.Clients.ModelMetrics
            {
                ModelQuality = new ReleaseCenter.Aws.Clients.ModelQuality
                {
                    Statistics = new ReleaseCenter.Aws.Clients.MetricsSource($"s3://{LocalHost.ModelsBucket}/{key}") { ContentType = "application/json" },
                },
            };
        }
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(artifact)));
        var created = await sageMaker.CreateModelPackageAsync(new ReleaseCenter.Aws.Clients.CreateModelPackageRequest(group,
            new ReleaseCenter.Aws.Clients.InferenceSpecification([new ReleaseCenter.Aws.Clients.ModelPackageContainer(request.Image) { ModelDataUrl = artifact }]))
        {
            ModelPackageDescription = "Registered through the local stack's stand-in",
            ModelApprovalStatus = request.ApprovalStatus ?? "PendingManualApproval",
            ModelMetrics = modelMetrics,
            CustomerMetadataProperties = new Dictionary<string, string> { ["artifactDigest"] = digest },
        }, ct);
        return TypedResults.Created((string?)null, new StandInModelPackageResponse(created.ModelPackageArn, artifact, digest));
    }

    private static Results<Ok<TokenDto>, ValidationProblem> Token(DevTokens tokens, string? user, string? groups)
    {
        if (string.IsNullOrEmpty(user) || !DevTokens.UserPattern().IsMatch(user))
        {
            return JsonBody.Invalid("user", "is required: 1 to 64 letters, digits and . _ @ -.");
        }
        var list = (groups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = list.FirstOrDefault(g => !DevTokens.GroupPattern().IsMatch(g));
        if (bad is not null)
        {
            return JsonBody.Invalid("groups", $"has '{bad}', but a group is 1 to 64 lowercase letters, digits and '-', after a project and ':' for a role in one project (payments:approvers-prod).");
        }
        var (token, expires) = tokens.Issue(user, list);
        return TypedResults.Ok(new TokenDto(token, expires));
    }
}

/// <summary>A model package to register in the emulated Model Registry (see LocalApi.RegisterModelPackage).</summary>
public sealed record StandInModelPackageRequest(string? ModelPackageGroupName, string? Image, Dictionary<string, double>? Metrics, string? ApprovalStatus);

public sealed record StandInModelPackageResponse(string ModelPackageArn, string ArtifactUri, string ArtifactDigest);

public sealed record VerificationFaultRequest(string? Environment, string? Model, int? Version, string? Reason);

/// <summary>What a stand-in training pipeline does when it runs (moto launcher patch 9).</summary>
public sealed record StandInPipelineRequest(string? ModelPackageGroupName, string? Image, int? DurationSeconds, string? Outcome, string? FailureReason,
    Dictionary<string, double>? Metrics, string? ArtifactUriPrefix);

/// <summary>A SageMaker pipeline definition with no steps and the stand-in's script.</summary>
public sealed record StandInPipelineDefinition(string Version, IReadOnlyList<string> Steps,
    [property: System.Text.Json.Serialization.JsonPropertyName("ReleaseCenterStandIn")] StandInPipelineRequest StandIn);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
[System.Text.Json.Serialization.JsonSerializable(typeof(VerificationFaultRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StandInPipelineRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StandInPipelineDefinition))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StandInModelPackageRequest))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StandInModelPackageResponse))]
internal sealed partial class LocalApiJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
