using System.Globalization;
using System.Security.Cryptography;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Drift;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;
using ReleaseCenter.Functions.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Functions.Drift;

/// <summary>
/// Drift reports: evaluated under the model's thresholds (PSI per feature, two-sample KS where
/// samples are given), stored with its audit entry and, when drift is found, drift.detected.v1, in one transaction.
/// </summary>
public sealed class DriftService(
    IRegistryStore registry,
    IDriftStore store,
    IRetrainStore retrain,
    EnvironmentPolicies policies,
    ReleaseCenterSettings settings,
    TimeProvider clock)
{
    public const string DetectedEvent = "drift.detected.v1";

    public async Task<DriftPolicy> PolicyAsync(string model, CancellationToken ct)
    {
        await RequireModelAsync(model, ct).ConfigureAwait(false);
        return await store.GetPolicyAsync(model, ct).ConfigureAwait(false) ?? DriftPolicy.Default(model);
    }

    public async Task<DriftPolicy> SetPolicyAsync(string model, double? psiWarn, double? psiAlert, double? ksAlpha, string actor, CancellationToken ct)
    {
        var owner = await RequireModelAsync(model, ct).ConfigureAwait(false);
        var defaults = DriftThresholds.Default;
        var thresholds = new DriftThresholds(psiWarn ?? defaults.PsiWarn, psiAlert ?? defaults.PsiAlert, ksAlpha ?? defaults.KsAlpha);
        var errors = new ValidationErrors();
        DriftEvaluation.ValidateThresholds(errors, thresholds, prefix: "");
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        var policy = new DriftPolicy(model, thresholds, actor, clock.GetUtcNow());
        await store.PutPolicyAsync(policy, ct, ReleaseJournal.Registry(owner.Project, actor, "drift.policy-set", $"model/{model}", new Dictionary<string, string>
        {
            ["psiWarn"] = thresholds.PsiWarn.ToString(CultureInfo.InvariantCulture),
            ["psiAlert"] = thresholds.PsiAlert.ToString(CultureInfo.InvariantCulture),
            ["ksAlpha"] = thresholds.KsAlpha.ToString(CultureInfo.InvariantCulture),
        })).ConfigureAwait(false);
        return policy;
    }

    public async Task<RetrainingPolicy> RetrainingPolicyAsync(string model, CancellationToken ct)
    {
        await RequireModelAsync(model, ct).ConfigureAwait(false);
        return await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false) ?? RetrainingPolicy.Off(model);
    }

    /// <summary>
    /// The prefix of every SageMaker pipeline the service may start: the deployment's SageMaker name prefix, which its
    /// IAM grant is scoped to (pipeline/{prefix}*); "release-center-" where no prefix is set (the local stack).
    /// </summary>
    public string PipelinePrefix => settings.SageMakerNamePrefix is { Length: > 0 } prefix ? prefix : Aws.Resources.ResourceNames.Service + "-";

    /// <param name="actorIsAdmin">
    /// Whether the caller is a release-admin: only they may set or change the pipeline, because
    /// whatever it registers is released under the policy's name.
    /// </param>
    public async Task<RetrainingPolicy> SetRetrainingPolicyAsync(string model, bool? enabled, string? pipelineName, int? cooldownSeconds, int? maxPerDay,
        int? pipelineTimeoutSeconds, bool? openRelease, IReadOnlyList<string>? releaseEnvironments, string actor, bool actorIsAdmin, CancellationToken ct)
    {
        var owner = await RequireModelAsync(model, ct).ConfigureAwait(false);
        var policy = RetrainingPolicy.Create(model, enabled, pipelineName, cooldownSeconds, maxPerDay, pipelineTimeoutSeconds, openRelease, releaseEnvironments,
            policies.All.Select(p => p.Name).ToArray(), actor, clock.GetUtcNow());
        if (policy.PipelineName is { } pipeline && !pipeline.StartsWith(PipelinePrefix, StringComparison.Ordinal))
        {
            throw DomainValidationException.For("pipelineName", $"must start with '{PipelinePrefix}': the service may start only the SageMaker pipelines named under its prefix.");
        }
        var current = await retrain.GetRetrainingPolicyAsync(model, ct).ConfigureAwait(false);
        if (!actorIsAdmin && policy.PipelineName is not null && policy.PipelineName != current?.PipelineName)
        {
            throw new RequestRefusedException(RefusalKind.Forbidden, "Release-admins only", "Only release-admins may set or change a retraining policy's pipeline: what it trains is released under this policy.");
        }
        await retrain.PutRetrainingPolicyAsync(policy, ct, ReleaseJournal.Registry(owner.Project, actor, "retrain.policy-set", $"model/{model}", new Dictionary<string, string>
        {
            ["enabled"] = policy.Enabled ? "true" : "false",
            ["pipelineName"] = policy.PipelineName ?? "",
            ["cooldownSeconds"] = policy.CooldownSeconds.ToString(CultureInfo.InvariantCulture),
            ["maxPerDay"] = policy.MaxPerDay.ToString(CultureInfo.InvariantCulture),
            ["openRelease"] = policy.OpenRelease ? "true" : "false",
        })).ConfigureAwait(false);
        return policy;
    }

    /// <summary>Evaluates, stores, audits and (when drifted) announces a report. Bad input changes nothing.</summary>
    public async Task<DriftReportRecord> SubmitAsync(string model, string? environment, IReadOnlyList<FeatureDistributions> features, string source, string actor,
        CancellationToken ct)
    {
        var owner = await RequireModelAsync(model, ct).ConfigureAwait(false);
        if (environment is null || policies.Find(environment) is null)
        {
            throw DomainValidationException.For("environment", $"is required: one of {string.Join(", ", policies.All.Select(p => p.Name))}.");
        }
        var thresholds = (await store.GetPolicyAsync(model, ct).ConfigureAwait(false) ?? DriftPolicy.Default(model)).Thresholds;
        var evaluation = DriftEvaluation.Evaluate(features, thresholds);
        var now = clock.GetUtcNow();
        var report = new DriftReportRecord(NewId(now), model, environment, source, now, actor, evaluation);
        if (!await store.CreateReportAsync(report, Reported(owner.Project, report), ct).ConfigureAwait(false))
        {
            throw new ConflictException($"Drift report '{report.Id}' exists.");
        }
        return report;
    }

    /// <summary>
    /// A drift signal AWS raised (an alarm, a Model Monitor job with violations) becomes a drifted report of the
    /// model, audited and announced like any other, so it enters the same retraining loop. Its id derives from the
    /// event's, so a redelivered event records nothing twice. Null when the endpoint's model is not registered here.
    /// </summary>
    public async Task<DriftReportRecord?> SubmitSignalAsync(AwsDriftSignal signal, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(signal);
        if (await registry.GetModelAsync(signal.Model, ct).ConfigureAwait(false) is not { } owner)
        {
            return null;
        }
        var thresholds = (await store.GetPolicyAsync(signal.Model, ct).ConfigureAwait(false) ?? DriftPolicy.Default(signal.Model)).Thresholds;
        var at = signal.At == DateTimeOffset.UnixEpoch ? clock.GetUtcNow() : signal.At;
        var id = $"drift-{at.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(signal.EventId)))[..8]}";
        var report = new DriftReportRecord(id, signal.Model, signal.Environment, signal.Source, clock.GetUtcNow(), signal.Reference,
            new DriftReport(true, DriftVerdict.Drifted, [], thresholds)) { Signal = signal };
        // The same event delivered again finds the report, written with its audit entry and event: nothing more to write.
        return await store.CreateReportAsync(report, Reported(owner.Project, report), ct).ConfigureAwait(false)
            ? report
            : await store.GetReportAsync(signal.Model, id, ct).ConfigureAwait(false);
    }

    /// <summary>What a report records in the same transaction: its audit entry and, when it found drift, drift.detected.v1.</summary>
    private static ChangeRecord Reported(string project, DriftReportRecord report)
    {
        var evaluation = report.Evaluation;
        var key = $"drift-report/{report.Id}";
        return ChangeRecord.Of(new AuditRecord(project, report.SubmittedBy, "drift.reported", key, new Dictionary<string, string>
        {
            ["model"] = report.Model,
            ["environment"] = report.Environment,
            ["source"] = report.Source,
            ["verdict"] = evaluation.Verdict.ToString(),
            ["driftedFeatures"] = string.Join(",", report.DriftedFeatures),
        }, key), key, report.Drifted
            ?
            [
                new DriftDetected(report.Id, report.Model, report.Environment, evaluation.Verdict.ToString(), string.Join(",", report.DriftedFeatures),
                    evaluation.Features.Count == 0 ? "" : evaluation.Features.Max(f => f.Psi).ToString("0.####", CultureInfo.InvariantCulture), report.Source,
                    $"/v1/models/{report.Model}/drift-reports/{report.Id}"),
            ]
            : []);
    }

    private async Task<Domain.Registry.Model> RequireModelAsync(string model, CancellationToken ct) =>
        await registry.GetModelAsync(model, ct).ConfigureAwait(false) ?? throw new RequestRefusedException(RefusalKind.NotFound, "Not found", $"Model '{model}' does not exist.");

    /// <summary>drift-{UTC time}-{random}: sortable, unique, and a valid Step Functions execution name (the retrain execution is named after it).</summary>
    private static string NewId(DateTimeOffset now) =>
        $"drift-{now.UtcDateTime:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
