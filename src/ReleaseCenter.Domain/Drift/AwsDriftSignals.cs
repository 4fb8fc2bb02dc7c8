using System.Text.Json;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Drift;

/// <summary>A drift signal that already comes from AWS, reduced to what a drift report needs.</summary>
/// <param name="Source">"aws.cloudwatch" (an alarm went to ALARM) or "aws.sagemaker" (a Model Monitor job found violations).</param>
/// <param name="Reference">The alarm or processing job that raised it.</param>
/// <param name="Feature">The feature named by the alarm's metric (Model Monitor publishes feature_baseline_drift_{feature}), if any.</param>
public sealed record AwsDriftSignal(string Model, string Environment, string Source, string Reference, string Reason, string? Feature, string EventId,
    DateTimeOffset At);

/// <summary>
/// Turns AWS events into drift signals for our models. An endpoint named {model}-{environment}
/// (ResourceNames.EndpointName) identifies the model and environment:
/// <list type="bullet">
/// <item>"CloudWatch Alarm State Change" (source aws.cloudwatch) whose new state is ALARM and whose
/// metric has an Endpoint or EndpointName dimension; a Model Monitor metric
/// feature_baseline_drift_{feature} names the feature.</item>
/// <item>"SageMaker Processing Job State Change" (source aws.sagemaker) of a Model Monitor job that
/// completed with violations (ExitMessage "CompletedWithViolations..."), whose Environment names the
/// endpoint (endpoint_name or sagemaker_endpoint_name).</item>
/// </list>
/// Anything else is not a drift signal of ours: null, with <c>why</c> saying so.
/// </summary>
public static class AwsDriftSignals
{
    public const string AlarmDetailType = "CloudWatch Alarm State Change";
    public const string ProcessingJobDetailType = "SageMaker Processing Job State Change";
    private const string FeatureMetricPrefix = "feature_baseline_drift_";

    /// <param name="namePrefix">What starts the names of our endpoints (SAGEMAKER_NAME_PREFIX); an endpoint without it is not ours.</param>
    public static AwsDriftSignal? Normalize(JsonElement evt, IReadOnlyCollection<string> environments, out string why, string namePrefix = "")
    {
        ArgumentNullException.ThrowIfNull(environments);
        var source = Text(evt, "source");
        var detailType = Text(evt, "detail-type");
        var eventId = Text(evt, "id") ?? "";
        var at = evt.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.String && t.TryGetDateTimeOffset(out var time) ? time : DateTimeOffset.UnixEpoch;
        if (!evt.TryGetProperty("detail", out var detail) || detail.ValueKind != JsonValueKind.Object)
        {
            why = "The event has no detail.";
            return null;
        }
        string? endpoint = null, feature = null, reference, reason;
        switch ((source, detailType))
        {
            case ("aws.cloudwatch", AlarmDetailType):
                if (detail.TryGetProperty("state", out var state) && Text(state, "value") is not "ALARM")
                {
                    why = "The alarm did not go to ALARM.";
                    return null;
                }
                reference = Text(detail, "alarmName") ?? "(unnamed alarm)";
                reason = (detail.TryGetProperty("state", out var s) ? Text(s, "reason") : null) ?? "The alarm went to ALARM.";
                if (detail.TryGetProperty("configuration", out var configuration) && configuration.TryGetProperty("metrics", out var metrics)
                    && metrics.ValueKind == JsonValueKind.Array)
                {
                    foreach (var metric in metrics.EnumerateArray())
                    {
                        if (!metric.TryGetProperty("metricStat", out var stat) || !stat.TryGetProperty("metric", out var m))
                        {
                            continue;
                        }
                        if (m.TryGetProperty("dimensions", out var dimensions) && dimensions.ValueKind == JsonValueKind.Object)
                        {
                            endpoint ??= Text(dimensions, "Endpoint") ?? Text(dimensions, "EndpointName");
                        }
                        if (Text(m, "name") is { } name && name.StartsWith(FeatureMetricPrefix, StringComparison.Ordinal))
                        {
                            feature ??= name[FeatureMetricPrefix.Length..];
                        }
                    }
                }
                break;
            case ("aws.sagemaker", ProcessingJobDetailType):
                reason = Text(detail, "ExitMessage") ?? "";
                if (Text(detail, "ProcessingJobStatus") != "Completed" || !reason.StartsWith("CompletedWithViolations", StringComparison.Ordinal))
                {
                    why = "The processing job did not complete with violations.";
                    return null;
                }
                reference = Text(detail, "ProcessingJobName") ?? "(unnamed job)";
                if (detail.TryGetProperty("Environment", out var environment) && environment.ValueKind == JsonValueKind.Object)
                {
                    endpoint = Text(environment, "endpoint_name") ?? Text(environment, "sagemaker_endpoint_name");
                }
                break;
            default:
                why = $"Not a drift signal: {source} / {detailType}.";
                return null;
        }
        if (endpoint is null)
        {
            why = $"{reference} names no endpoint.";
            return null;
        }
        var rest = endpoint.StartsWith(namePrefix, StringComparison.Ordinal) ? endpoint[namePrefix.Length..] : "";
        var env = environments.Where(e => rest.EndsWith("-" + e, StringComparison.Ordinal)).OrderByDescending(e => e.Length).FirstOrDefault();
        var model = env is null ? null : rest[..^(env.Length + 1)];
        if (env is null || Rules.ResourceName(model) is not null)
        {
            why = $"Endpoint {endpoint} is not one of ours ({namePrefix}{{model}}-{{environment}}).";
            return null;
        }
        why = "";
        return new AwsDriftSignal(model!, env, source!, reference, reason, feature, eventId, at);
    }

    private static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
