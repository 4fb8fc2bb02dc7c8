using System.Globalization;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Functions.Registry;

/// <param name="Created">False when the package had become a version before (the same version is answered).</param>
public sealed record ModelPackageImport(ModelVersion Version, bool Created);

/// <summary>
/// Registers a SageMaker model package as the next version of a model, once per package: by hand
/// (<c>POST /v1/models/{model}/versions/import</c>, <c>rc versions register --from-model-package</c>) and from the
/// Model Registry's own events (<see cref="ImportModelPackageStep"/>). The version, its once-only marker and its audit
/// entry are one transaction.
/// </summary>
public sealed class ModelPackageImporter(IRegistryStore registry, ISageMaker sageMaker, IMetricsReports reports, ModelRegistryConfig config,
    ReleaseCenterSettings settings, TimeProvider clock)
{
    /// <summary>Who registers what the Model Registry's events bring in.</summary>
    public const string Actor = "sagemaker-model-registry";

    /// <exception cref="DomainValidationException">the ARN is malformed, the package does not exist, is not Completed, was rejected, or lacks what a version needs.</exception>
    /// <exception cref="NotFoundException">the model does not exist.</exception>
    public async Task<ModelPackageImport> ImportAsync(string model, string? modelPackageArn, string actor, CancellationToken ct)
    {
        if (ModelPackageVersions.CheckArn(modelPackageArn) is { } reason)
        {
            throw DomainValidationException.For("modelPackageArn", reason);
        }
        var arn = modelPackageArn!;
        var owner = await registry.GetModelAsync(model, ct).ConfigureAwait(false) ?? throw new NotFoundException($"Model '{model}' does not exist.");
        // Only groups config/model-registry.json maps to this model (and its own retraining group): the functions' IAM grants
        // name exactly those, so what is refused here is what AWS would refuse.
        if (ModelPackageVersions.GroupOf(arn) is not { } group || !config.Feeds(group, model, settings.SageMakerNamePrefix))
        {
            throw DomainValidationException.For("modelPackageArn", ModelPackageVersions.GroupOf(arn) is { } other
                ? $"is a package of the group '{other}', which config/model-registry.json does not map to {model}."
                : "names an unversioned package; only packages of a model package group can become versions.");
        }
        // A package imported before answers with its version, whatever happened to the package since (we may have rejected it).
        var key = KeyOf(arn);
        if (await registry.GetVersionByKeyAsync(key, ct).ConfigureAwait(false) is { } before)
        {
            return before.Model == model
                ? new ModelPackageImport(before, false)
                : throw DomainValidationException.For("modelPackageArn", $"was registered as {before.Model} v{before.Version}, not as a version of {model}.");
        }
        DescribeModelPackageResponse package;
        try
        {
            package = await sageMaker.DescribeModelPackageAsync(arn, ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            throw DomainValidationException.For("modelPackageArn", $"names no model package SageMaker knows: {ex.Message}");
        }
        if (package.ModelPackageStatus is { } status && status != "Completed")
        {
            throw DomainValidationException.For("modelPackageArn", $"names a package whose status is {status}; only a Completed package can become a version.");
        }
        if (package.ModelApprovalStatus == ModelApprovalStatus.Rejected)
        {
            throw DomainValidationException.For("modelPackageArn",
                $"names a package that is Rejected in SageMaker's Model Registry{(package.ApprovalDescription is { Length: > 0 } d ? $" ({d})" : "")}.");
        }
        var report = package.ModelMetrics?.ModelQuality?.Statistics?.S3Uri is { Length: > 0 } uri
            ? await reports.ReadAsync(uri, ct).ConfigureAwait(false)
            : null;
        var previous = owner.LatestVersion > 0 ? await registry.GetVersionAsync(model, owner.LatestVersion, ct).ConfigureAwait(false) : null;
        var version = ModelVersion.Create(model, ModelPackageVersions.Draft(package, report, previous), actor, clock.GetUtcNow()) with
        {
            Lineage = ModelPackageVersions.Lineage(package),
        };
        var (registered, created) = await registry.AddVersionOnceAsync(version, key, numbered => ReleaseJournal.Registry(owner.Project, actor,
            "model.version-registered", $"model/{model}/versions/{numbered.Version}", new Dictionary<string, string>
            {
                ["artifactUri"] = numbered.ArtifactUri,
                ["artifactDigest"] = numbered.ArtifactDigest,
                ["trainingRun"] = numbered.TrainingRun ?? "",
                ["modelPackageArn"] = arn,
                ["metrics"] = string.Join(", ", numbered.Metrics.Select(m => $"{m.Key}={m.Value.ToString("R", CultureInfo.InvariantCulture)}")),
            }), ct).ConfigureAwait(false);
        return new ModelPackageImport(registered, created);
    }

    /// <summary>The once-only key of a package's registration.</summary>
    public static string KeyOf(string modelPackageArn) => $"model-package/{modelPackageArn}";
}
