using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Api.Integrations;

/// <summary>
/// POST /v1/integrations/slack/interactions: an Approve or Reject click on an "Approval needed" message. Slack signs the
/// request instead of sending a token, so the route is open to anonymous callers and checks the signature first; a
/// request that is not Slack's changes nothing. The Slack user must be mapped to an identity (config/slack.json), and
/// the vote is the same as any other: approver groups, no self-approval, one vote per person, and the digests the
/// message showed. The message is updated in place with the outcome, or the clicker alone is told why not.
/// </summary>
public static partial class SlackApi
{
    public const string Route = "/v1/integrations/slack/interactions";

    /// <summary>A button's value: what the message showed, so the vote is bound to that evidence.</summary>
    public static string ButtonValue(string releaseId, string environment, string bundleDigest, string evaluationDigest) =>
        $"{releaseId}|{environment}|{bundleDigest}|{evaluationDigest}";

    public static IEndpointRouteBuilder MapSlackApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(Route, Interact).AllowAnonymous().WithTags("Integrations").DisableAntiforgery()
            .Accepts<string>("application/x-www-form-urlencoded")
            .WithSummary("Slack's interaction callback: an Approve or Reject click, signed by Slack (no bearer token)");
        return app;
    }

    private static async Task<Results<Ok<JsonObject>, ProblemHttpResult, ValidationProblem>> Interact(HttpContext http, ISlackSigningSecret signing,
        SlackConfig config, ReleaseService releases, IHttpClientFactory clients, TimeProvider clock, ILoggerFactory logs, CancellationToken ct)
    {
        var log = logs.CreateLogger(typeof(SlackApi).FullName!);
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        var body = buffer.ToArray();
        if (await signing.GetAsync(ct).ConfigureAwait(false) is not { } secret)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Slack approval is not configured",
                detail: "This deployment has no Slack signing secret.");
        }
        if (SlackSignature.Check(secret, http.Request.Headers["X-Slack-Request-Timestamp"], http.Request.Headers["X-Slack-Signature"], body,
                clock.GetUtcNow()) is { } refused)
        {
            // The denied-request log line says why (one line, with route and request id), as for a refused token.
            http.Items[DeniedRequestLog.ReasonItem] = $"not a signed Slack request: {refused}";
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not a signed Slack request", detail: refused);
        }
        var form = QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body));
        if (!form.TryGetValue("payload", out var payloadText) || payloadText.Count != 1)
        {
            return JsonBody.Invalid("payload", "is required: Slack's interaction payload, a form field of JSON.");
        }
        SlackAction? action;
        try
        {
            action = ReadAction(payloadText[0]!);
        }
        catch (JsonException)
        {
            action = null;
        }
        if (action is null)
        {
            return JsonBody.Invalid("payload", "must be a block_actions interaction whose action is approve or reject with the release, environment and digests as its value.");
        }
        JsonObject answer;
        if (!config.Users.TryGetValue(action.SlackUser, out var identity))
        {
            LogUnmapped(log, action.SlackUser);
            answer = Ephemeral($"Refused: your Slack user ({action.SlackUser}) is not mapped to a Release Center identity. Ask a release admin to add you to config/slack.json.");
        }
        else
        {
            try
            {
                var state = await releases.DecideAsync(action.ReleaseId, identity.User, identity.Groups, action.Decision, "via Slack",
                    new Evidence(action.BundleDigest, action.EvaluationDigest), ct).ConfigureAwait(false);
                answer = Outcome(action, identity.User, state);
            }
            catch (RequestRefusedException ex)
            {
                answer = Ephemeral($"Refused: {ex.Title}. {ex.Message}");
            }
            catch (Domain.Validation.DomainValidationException ex)
            {
                answer = Ephemeral($"Refused: {ex.Message}");
            }
        }
        if (action.ResponseUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var target) && config.MayRespondTo(target))
        {
            try
            {
                using var client = clients.CreateClient("slack");
                client.Timeout = TimeSpan.FromSeconds(5);
                using var posted = await client.PostAsync(target, new StringContent(answer.ToJsonString(), Encoding.UTF8, "application/json"), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                LogUpdateFailed(log, ex.Message); // the vote stands; the message just shows the old state
            }
        }
        return TypedResults.Ok(answer);
    }

    private sealed record SlackAction(string SlackUser, string Decision, string ReleaseId, string Environment, string BundleDigest, string EvaluationDigest,
        string? ResponseUrl);

    private static SlackAction? ReadAction(string payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("type", out var type) || type.GetString() != "block_actions"
            || !root.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object || !user.TryGetProperty("id", out var userId)
            || userId.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array || actions.GetArrayLength() == 0)
        {
            return null;
        }
        var first = actions[0];
        var id = first.TryGetProperty("action_id", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        var value = first.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()!.Split('|') : [];
        if (id is not ("approve" or "reject") || value.Length != 4 || value.Any(string.IsNullOrEmpty))
        {
            return null;
        }
        var responseUrl = root.TryGetProperty("response_url", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        return new SlackAction(userId.GetString()!, id, value[0], value[1], value[2], value[3], responseUrl);
    }

    /// <summary>The message, replaced: who decided what, and where the stage stands.</summary>
    private static JsonObject Outcome(SlackAction action, string user, ApprovalState state)
    {
        var text = state.Decision switch
        {
            "approved" or "approve" => $":white_check_mark: {user} approved {action.Environment} for release {action.ReleaseId}: the release proceeds.",
            "rejected" or "reject" => $":no_entry: {user} rejected {action.Environment} for release {action.ReleaseId}: the release stops there.",
            _ => $":ballot_box_with_check: {user} voted {action.Decision} on {action.Environment} for release {action.ReleaseId}; {state.Remaining} more approval{(state.Remaining == 1 ? "" : "s")} needed.",
        };
        return new JsonObject
        {
            ["replace_original"] = true,
            ["text"] = text,
            ["blocks"] = new JsonArray(new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = text } }),
        };
    }

    /// <summary>A reply only the clicker sees; the message stays as it was.</summary>
    private static JsonObject Ephemeral(string text) => new()
    {
        ["response_type"] = "ephemeral",
        ["replace_original"] = false,
        ["text"] = text,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a Slack vote: Slack user {SlackUser} is not mapped to an identity")]
    private static partial void LogUnmapped(ILogger logger, string slackUser);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not update the Slack message: {Reason}")]
    private static partial void LogUpdateFailed(ILogger logger, string reason);
}

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class SlackJsonContext : JsonSerializerContext;
