using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ReleaseCenter.Domain.Notifications;

namespace ReleaseCenter.Aws.Resources;

/// <summary>An EventBridge target's InputTransformer: variables read from the event, and the text they are put into.</summary>
public sealed record NotificationTransformer(IReadOnlyDictionary<string, string> InputPathsMap, string InputTemplate);

/// <summary>
/// One EventBridge rule of a destination: the detail-types that share a message template, the rule's pattern
/// (source, detail-types, detail.project) and the target's transformer.
/// </summary>
public sealed record NotificationRule(string RuleName, string Kind, IReadOnlyList<string> DetailTypes, string EventPattern, NotificationTransformer Transformer);

/// <summary>
/// The messages notifications carry, built by EventBridge itself with an InputTransformer (no Lambda in between),
/// and the rules that route events to a destination. The CDK app and the local stack both build their rules here.
/// A webhook gets a Slack-compatible body <c>{"text": "..."}</c>; an e-mail topic gets the same text as a plain string.
/// An InputTransformer belongs to a target and a target gets every event its rule matches, so a destination has one
/// rule per message template its events need (most destinations: one or two).
/// </summary>
public static partial class NotificationTemplates
{
    /// <summary>The event field every notification rule routes on (every event that names a model carries it).</summary>
    public const string ProjectField = "project";

    // Only ids, names, versions and environments go into a message: values that are safe inside a JSON string
    // whatever the transformer does with quotes. Free text (reasons, errors) stays behind the link.
    private static readonly (string Kind, Func<string, bool> Matches, string Text)[] Templates =
    [
        ("release-approval", t => t == "release.approval-requested.v1",
            "Approval needed: <model> v<version> to <environment> (release <releaseId>, project <project>). Approve at {base}<approveAt>"),
        ("release-reminder", t => t == "release.approval-reminder.v1",
            "Reminder: <model> v<version> is still waiting for approval to <environment> (release <releaseId>, <remainingApprovals> more needed). Approve at {base}<approveAt>"),
        ("rollback-approval", t => t == "rollback.approval-requested.v1",
            "Approval needed: roll back <model> in <environment> from release <fromRelease> to <toRelease> (rollback <rollbackId>, project <project>). Approve at {base}<approveAt>"),
        ("release-requested", t => t == "release.requested.v1",
            "<requestedBy> requested release <releaseId>: <model> v<version> to <environments>. {base}/v1/releases/<releaseId>"),
        ("release-cancelled", t => t == "release.cancelled.v1",
            "Release <releaseId> of <model> was cancelled. {base}/v1/releases/<releaseId>"),
        ("deployment-succeeded", t => t == "deployment.succeeded.v1",
            "<model> v<version> is live in <environment> (release <releaseId>). {base}/v1/releases/<releaseId>"),
        ("deployment-rolled-back", t => t == "deployment.rolled-back.v1",
            "Verification failed: <model> in <environment> was rolled back (release <releaseId>). {base}/v1/releases/<releaseId>"),
        ("release-outcome", t => t.StartsWith("release.", StringComparison.Ordinal),
            "Release <releaseId> of <model> v<version> ended: <outcome>. {base}/v1/releases/<releaseId>"),
        ("rollback", t => t.StartsWith("rollback.", StringComparison.Ordinal),
            "<detailType>: <model> in <environment>, rollback <rollbackId> to release <toRelease>. {base}/v1/rollbacks/<rollbackId>"),
    ];

    /// <summary>Events nobody wrote a template for (drift, retraining, whatever comes next): the envelope fields only.</summary>
    private const string FallbackText = "<detailType> in project <project>. {base}";

    /// <summary>The kind of template an event gets (names the rule): e.g. release-approval, release-outcome, event.</summary>
    public static string KindOf(string detailType) =>
        Templates.FirstOrDefault(t => t.Matches(detailType)).Kind ?? "event";

    /// <summary>The message text with EventBridge placeholders, e.g. "Approval needed: &lt;model&gt; ... Approve at https://api/&lt;approveAt&gt;".</summary>
    public static string Text(string detailType, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var text = Templates.FirstOrDefault(t => t.Matches(detailType)).Text ?? FallbackText;
        return text.Replace("{base}", baseUrl.TrimEnd('/'), StringComparison.Ordinal);
    }

    /// <summary>
    /// The transformer of a destination type for a detail-type. <paramref name="baseUrl"/> starts every link; in the CDK
    /// app it may be a token (the HTTP API's URL).
    /// </summary>
    public static NotificationTransformer Transformer(string detailType, DestinationType type, string baseUrl)
    {
        var text = Text(detailType, baseUrl);
        // Relaxed escaping leaves < and > alone: they are the transformer's placeholder brackets.
        var quoted = $"\"{JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";
        var template = type != DestinationType.Webhook ? quoted
            : KindOf(detailType) == "release-approval" ? ApprovalBlocks(quoted, baseUrl)
            : $"{{\"text\": {quoted}}}";
        var paths = Placeholder().Matches(template)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, PathOf, StringComparer.Ordinal);
        return new NotificationTransformer(paths, template);
    }

    /// <summary>
    /// "Approval needed" as a Slack Block Kit message: who asks for what, the metrics against live with verdicts, the
    /// bundle digest, and Approve / Reject buttons whose value carries the release, environment and the digests shown
    /// (POST /v1/integrations/slack/interactions votes on exactly that evidence), plus the console's approval panel.
    /// <c>text</c> stays for notifications and clients that show no blocks.
    /// </summary>
    private static string ApprovalBlocks(string quotedText, string baseUrl)
    {
        var console = baseUrl.TrimEnd('/');
        const string Value = "<releaseId>|<environment>|<bundleDigest>|<evaluationDigest>";
        return $$$"""
            {"text": {{{quotedText}}}, "blocks": [
              {"type": "section", "text": {"type": "mrkdwn", "text": "*Approval needed*: <model> v<version> to *<environment>*, requested by <requestedBy> (release <releaseId>, project <project>)."}},
              {"type": "section", "text": {"type": "mrkdwn", "text": "Metrics against live: <metrics>"}},
              {"type": "context", "elements": [{"type": "mrkdwn", "text": "Bundle <bundleDigest> · <requiredApprovals> approval(s) from <approverGroups> · expires <expiresAt>"}]},
              {"type": "actions", "elements": [
                {"type": "button", "style": "primary", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"}, "value": "{{{Value}}}"},
                {"type": "button", "style": "danger", "action_id": "reject", "text": {"type": "plain_text", "text": "Reject"}, "value": "{{{Value}}}"},
                {"type": "button", "action_id": "open", "text": {"type": "plain_text", "text": "Open in the console"}, "url": "{{{console}}}/approvals?selected=<releaseId>"}]}]}
            """;
    }

    /// <summary>The rules of one destination: its events grouped by message template, each group one rule.</summary>
    public static IReadOnlyList<NotificationRule> Rules(NotificationDestination destination, ResourceNames names, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(names);
        return destination.Events
            .GroupBy(KindOf, StringComparer.Ordinal)
            .Select(group =>
            {
                var detailTypes = group.ToList();
                return new NotificationRule(
                    RuleName(names, destination.Name, group.Key),
                    group.Key,
                    detailTypes,
                    EventPattern(destination.Project, detailTypes),
                    Transformer(detailTypes[0], destination.Type, baseUrl));
            })
            .ToList();
    }

    /// <summary>{"source":["release-center"],"detail-type":[...],"detail":{"project":[project]}}.</summary>
    public static string EventPattern(string project, IEnumerable<string> detailTypes)
    {
        var pattern = new JsonObject
        {
            ["source"] = new JsonArray(ResourceNames.Service),
            ["detail-type"] = new JsonArray(detailTypes.Select(t => (JsonNode?)t).ToArray()),
            ["detail"] = new JsonObject { [ProjectField] = new JsonArray(project) },
        };
        return pattern.ToJsonString();
    }

    /// <summary>Rule names are at most 64 characters: {service}-notify-{destination}-{kind}-{stage}, shortened with a hash if needed.</summary>
    public static string RuleName(ResourceNames names, string destination, string kind) =>
        Bounded($"{ResourceNames.Service}-notify-{destination}-{kind}-{names?.Stage}", 64);

    /// <summary>The destination's SNS topic, SQS queue, connection and API destination: {service}-notify-{destination}-{stage}.</summary>
    public static string DestinationResourceName(ResourceNames names, string destination) =>
        Bounded($"{ResourceNames.Service}-notify-{destination}-{names?.Stage}", 64);

    private static string Bounded(string name, int max)
    {
        if (name.Length <= max)
        {
            return name;
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..8];
        return $"{name[..(max - 9)].TrimEnd('-')}-{hash}";
    }

    /// <summary>detailType is the envelope's detail-type; everything else is a field of detail.</summary>
    private static string PathOf(string variable) => variable == "detailType" ? "$.detail-type" : $"$.detail.{variable}";

    [GeneratedRegex("<([A-Za-z][A-Za-z0-9]*)>")]
    private static partial Regex Placeholder();
}

