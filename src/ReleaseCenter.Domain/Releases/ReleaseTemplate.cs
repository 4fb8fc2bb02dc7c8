using ReleaseCenter.Domain.Registry;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Releases;

/// <summary>
/// A project's named, reusable release settings (policies issue, item 2): the environments path, an approval chain (per
/// environment, approvals beyond the policy's: a template may ask more, never fewer), who to notify, and the assets a
/// version must carry to be released with it. A release requested from a template records what it took from it.
/// </summary>
public sealed record ReleaseTemplate(
    string Project, string Name, string? Description, IReadOnlyList<string> Environments, IReadOnlyDictionary<string, ApprovalPolicy> Approvals,
    IReadOnlyList<string> Notify, IReadOnlyList<string> RequiredAssets, string By, DateTimeOffset At, long Revision)
{
    public const string TrainingRun = "trainingRun";
    public const string Datasets = "datasets";
    public const string Hyperparameters = "hyperparameters";
    public const string Framework = "framework";
    public const string InferenceConfig = "inferenceConfig";

    /// <summary>What a template may require a version to carry.</summary>
    public static readonly IReadOnlyList<string> Assets = [TrainingRun, Datasets, Hyperparameters, Framework, InferenceConfig];

    public const int MaxNotify = 20;

    /// <summary>The required assets <paramref name="version"/> lacks (empty: it may be released with this template).</summary>
    public IReadOnlyList<string> MissingAssets(ModelVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return RequiredAssets.Where(asset => asset switch
        {
            TrainingRun => string.IsNullOrEmpty(version.TrainingRun),
            Datasets => version.Datasets.Count == 0,
            Hyperparameters => version.Hyperparameters.Count == 0,
            Framework => string.IsNullOrEmpty(version.Framework),
            InferenceConfig => version.InferenceConfig is null,
            _ => false,
        }).ToArray();
    }

    /// <summary>What a release keeps of the template it was requested from.</summary>
    public TemplateUse Use() => new(Name, Revision, Approvals, Notify);

    /// <summary>Checks a template's own fields (the environments against the configuration, the approvals as a policy's are checked, by the caller).</summary>
    public static void Check(ValidationErrors errors, string? name, string? description, IReadOnlyList<string?>? notify, IReadOnlyList<string?>? requiredAssets)
    {
        ArgumentNullException.ThrowIfNull(errors);
        errors.Check("name", Rules.ResourceName(name));
        errors.Check("description", Rules.OptionalText(description, 1000));
        if (notify is { Count: > MaxNotify })
        {
            errors.Add("notify", $"must list at most {MaxNotify} channels.");
        }
        for (var i = 0; i < (notify?.Count ?? 0); i++)
        {
            // A Slack channel (#payments-ml), an email address, or an SNS topic ARN: what the organization's notifier routes.
            if (string.IsNullOrWhiteSpace(notify![i]) || notify[i]!.Length > 256 || notify[i]!.Any(char.IsWhiteSpace))
            {
                errors.Add($"notify[{i}]", "must be a channel, address or topic: 1 to 256 characters without spaces.");
            }
        }
        for (var i = 0; i < (requiredAssets?.Count ?? 0); i++)
        {
            if (requiredAssets![i] is not { } asset || !Assets.Contains(asset, StringComparer.Ordinal))
            {
                errors.Add($"requiredAssets[{i}]", $"must be one of {string.Join(", ", Assets)}.");
            }
        }
    }
}

/// <summary>The template a release was requested from, as it was then: its name and revision, the approvals it adds, who it notifies.</summary>
public sealed record TemplateUse(string Name, long Revision, IReadOnlyDictionary<string, ApprovalPolicy> Approvals, IReadOnlyList<string> Notify);
