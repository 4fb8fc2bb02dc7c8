using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Registry;

/// <summary>
/// Not a state machine task: the target of the rule on our own deployment and rollback events. The model package a
/// version came from (its lineage) tells the same story in SageMaker's Model Registry, and so in SageMaker Studio:
/// Approved once the release is live in the last environment; Rejected, naming the release, when it is rolled back
/// (by a failed verification or a rollback). Each change is audited once per event.
/// </summary>
public sealed class SyncModelPackageStep(IRegistryStore registry, ISageMaker sageMaker, EnvironmentPolicies policies, ReleaseJournal journal,
    ILogger<SyncModelPackageStep> logger) : ITaskStep
{
    /// <summary>Who the audit says set the status.</summary>
    public const string Actor = "release-center";

    public string Handler => ModelRegistrySync.SyncFunction.Handler;

    public async Task<string> InvokeAsync(JsonElement payload, CancellationToken ct)
    {
        var outcome = await RunAsync(payload, ct).ConfigureAwait(false);
        if (outcome.TryGetValue("approvalStatus", out var status))
        {
            logger.LogInformation("Model package {ModelPackageArn} set {ApprovalStatus}", outcome["modelPackageArn"], status);
        }
        else
        {
            logger.LogDebug("No model package status to set: {Reason}", outcome["ignored"]);
        }
        return Payload.Json(outcome, WorkflowJsonContext.Default.DictionaryStringString);
    }

    private async Task<Dictionary<string, string>> RunAsync(JsonElement payload, CancellationToken ct)
    {
        var type = payload.TryGetProperty("detail-type", out var t) ? t.GetString() : null;
        var detail = payload.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.Object ? d : default;
        string Field(string name) => detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()! : "";
        var model = Field("model");
        var environment = Field("environment");
        string status, description, releaseId;
        int version;
        switch (type)
        {
            case "deployment.succeeded.v1":
                if (environment != policies.All[^1].Name)
                {
                    return Ignored($"Live in {environment}; the package is approved once live in {policies.All[^1].Name}.");
                }
                releaseId = Field("releaseId");
                version = int.TryParse(Field("version"), CultureInfo.InvariantCulture, out var live) ? live : 0;
                status = ModelApprovalStatus.Approved;
                description = $"Live in {environment} through ML Release Center release {releaseId}.";
                break;
            case "deployment.rolled-back.v1":
                releaseId = Field("releaseId");
                version = (await registry.GetReleaseAsync(releaseId, ct).ConfigureAwait(false))?.Version ?? 0;
                status = ModelApprovalStatus.Rejected;
                description = $"ML Release Center release {releaseId} failed verification in {environment} and was rolled back: {Field("reason")}";
                break;
            case "rollback.completed.v1":
                releaseId = Field("fromRelease");
                version = int.TryParse(Field("fromVersion"), CultureInfo.InvariantCulture, out var from) ? from : 0;
                status = ModelApprovalStatus.Rejected;
                description = $"ML Release Center release {releaseId} was rolled back in {environment} by {Field("rollbackId")} (requested by {Field("requestedBy")}); {Field("toRelease")} is live again.";
                break;
            default:
                return Ignored($"The event type '{type}' does not change a package's status.");
        }
        var modelVersion = version > 0 ? await registry.GetVersionAsync(model, version, ct).ConfigureAwait(false) : null;
        if (modelVersion?.Lineage?.GetValueOrDefault(ModelPackageVersions.PackageLineageKey) is not { } packageArn)
        {
            return Ignored($"{model} v{version} did not come from SageMaker's Model Registry.");
        }
        // SageMaker limits the description to 1024 characters.
        description = description.Length > 1024 ? description[..1021] + "..." : description;
        try
        {
            await sageMaker.UpdateModelPackageAsync(new UpdateModelPackageRequest(packageArn, status, description), ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            // The package was deleted in SageMaker: nothing is left to tell.
            return Ignored($"SageMaker refused to update {packageArn}: {ex.Message}");
        }
        var eventId = Field("id");
        await journal.RecordModelStepAsync(model, Actor, status == ModelApprovalStatus.Approved ? "model.package-approved" : "model.package-rejected",
            $"model/{model}/versions/{version}", new Dictionary<string, string>
            {
                ["modelPackageArn"] = packageArn,
                ["approvalStatus"] = status,
                ["description"] = description,
                ["releaseId"] = releaseId,
            }, $"model-package/{packageArn}/{status}/{(eventId.Length > 0 ? eventId : releaseId)}", ct).ConfigureAwait(false);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["modelPackageArn"] = packageArn,
            ["approvalStatus"] = status,
        };
    }

    private static Dictionary<string, string> Ignored(string why) => new(StringComparer.Ordinal) { ["ignored"] = why };
}
