using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Registry;

/// <summary>
/// Not a state machine task: the target of the rule on SageMaker's "Model Package State Change" (default bus). A
/// Completed package of a group config/model-registry.json maps becomes the next version of its model, once; when the
/// mapping has <c>releaseTo</c>, a release of it is opened (normal gates and approvals). Events SageMaker sends again
/// (a status change, our own sync back) find the version made before and change nothing.
/// </summary>
public sealed class ImportModelPackageStep(ModelPackageImporter importer, ModelRegistryConfig config, ReleaseService releases, IRetrainStore retrain,
    ILogger<ImportModelPackageStep> logger) : ITaskStep
{
    public string Handler => ModelRegistrySync.ImportFunction.Handler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var outcome = await RunAsync(payload, ct).ConfigureAwait(false);
        if (outcome.TryGetValue("ignored", out var why))
        {
            logger.LogInformation("Model package event ignored: {Reason}", why);
        }
        else
        {
            logger.LogInformation("Model package {ModelPackageArn} {Registered} {Model} v{Version}{Release}", outcome["modelPackageArn"],
                outcome["created"] == "true" ? "registered as" : "was registered before, as", outcome["model"], outcome["version"],
                outcome.TryGetValue("releaseId", out var release) ? $"; release {release}" : outcome.TryGetValue("releaseNotOpened", out var not) ? $"; no release: {not}" : "");
        }
        return Payload.Json(outcome, WorkflowJsonContext.Default.DictionaryStringString);
    }

    private async Task<Dictionary<string, string>> RunAsync(JsonElement payload, CancellationToken ct)
    {
        var detail = payload.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        string? Field(string name) => detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;
        var group = Field("ModelPackageGroupName");
        var arn = Field("ModelPackageArn");
        if (group is null || arn is null)
        {
            return Ignored("The event names no model package group or ARN.");
        }
        if (!config.Groups.TryGetValue(group, out var mapping))
        {
            return Ignored($"The model package group {group} is not mapped in config/model-registry.json.");
        }
        if (!mapping.Auto)
        {
            return Ignored($"The model package group {group} is imported by hand only (\"auto\": false).");
        }
        if (Field("ModelPackageStatus") is { } status && status != "Completed")
        {
            return Ignored($"{arn} is {status}; it is registered once Completed.");
        }
        // A package the model's own retraining pipeline made is the retrain loop's to register, with its drift report in the lineage.
        if (detail.TryGetProperty("MetadataProperties", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("GeneratedBy", out var generatedBy) && generatedBy.GetString() is { } execution
            && await retrain.GetRetrainingPolicyAsync(mapping.Model, ct).ConfigureAwait(false) is { PipelineName: { Length: > 0 } pipeline }
            && execution.Contains($":pipeline/{pipeline}/execution/", StringComparison.OrdinalIgnoreCase))
        {
            return Ignored($"{arn} was made by {mapping.Model}'s retraining pipeline; the retrain loop registers it.");
        }
        ModelPackageImport import;
        try
        {
            import = await importer.ImportAsync(mapping.Model, arn, ModelPackageImporter.Actor, ct).ConfigureAwait(false);
        }
        catch (DomainValidationException ex)
        {
            return Ignored($"{arn} cannot become a version of {mapping.Model}: {ex.Reasons}");
        }
        catch (NotFoundException ex)
        {
            return Ignored(ex.Message);
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["modelPackageArn"] = arn,
            ["model"] = mapping.Model,
            ["version"] = import.Version.Version.ToString(CultureInfo.InvariantCulture),
            ["created"] = import.Created ? "true" : "false",
        };
        if (mapping.ReleaseEnvironments is { } environments)
        {
            // Named after the package and the version's registration, so a redelivered event (or a retry after a crash) opens no second release.
            var releaseId = $"rel-{import.Version.CreatedAt.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(arn)))[..8]}";
            try
            {
                var release = await releases.CreateAsync(mapping.Model, import.Version.Version, environments,
                    $"Opened when model package {arn} was registered in SageMaker's Model Registry.", ModelPackageImporter.Actor, ct, releaseId: releaseId)
                    .ConfigureAwait(false);
                result["releaseId"] = release.Id;
            }
            catch (DomainValidationException ex)
            {
                result["releaseNotOpened"] = ex.Reasons;
            }
            catch (VersionVetoedException ex)
            {
                result["releaseNotOpened"] = ex.Message;
            }
        }
        return result;
    }

    private static Dictionary<string, string> Ignored(string why) => new(StringComparer.Ordinal) { ["ignored"] = why };
}
