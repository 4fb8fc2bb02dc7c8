using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Notifications;

/// <summary>How a destination receives its messages.</summary>
public enum DestinationType
{
    /// <summary>An HTTPS endpoint that takes a Slack-compatible body <c>{"text": "..."}</c> (EventBridge API destination in AWS).</summary>
    Webhook,

    /// <summary>An e-mail address, subscribed to an SNS topic.</summary>
    Email,
}

/// <summary>
/// One place a project's events go to. <see cref="Url"/> is a secret (webhook URLs carry their token): it is never logged.
/// In AWS, <see cref="UrlParameter"/> (an SSM parameter name) should hold it instead, so it stays out of the repository.
/// </summary>
public sealed record NotificationDestination(
    string Project,
    string Name,
    DestinationType Type,
    IReadOnlyList<string> Events)
{
    /// <summary>Webhook only: where to POST. Locally usually the local sink, /v1/local/webhooks/{name}.</summary>
    public string? Url { get; init; }

    /// <summary>Webhook only, optional: the SSM parameter that holds the webhook URL in AWS (takes precedence over <see cref="Url"/> there).</summary>
    public string? UrlParameter { get; init; }

    /// <summary>Email only: the address subscribed to the destination's topic.</summary>
    public string? Email { get; init; }
}

/// <summary>
/// config/notifications.json: which events of which project go to which destinations. One EventBridge rule per
/// destination (and message template) matches <c>source</c>, the destination's detail-types and <c>detail.project</c>.
/// </summary>
public sealed partial record NotificationPolicy(string BaseUrl, IReadOnlyList<NotificationDestination> Destinations)
{
    /// <summary>The policy with no destinations: nothing is sent.</summary>
    public static NotificationPolicy Empty { get; } = new("http://127.0.0.1", []);

    /// <summary>
    /// Parses and validates the document. Every problem is reported at once in a
    /// <see cref="NotificationPolicyException"/>, each naming the JSON path it is about
    /// (<c>projects[0].destinations[1].email</c>). Webhook URLs never appear in a message.
    /// </summary>
    public static NotificationPolicy Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new NotificationPolicyException([$"(document): is not valid JSON: {ex.Message}"]);
        }
        using (doc)
        {
            var errors = new List<string>();
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new NotificationPolicyException(["(document): must be a JSON object with \"links\" and \"projects\"."]);
            }

            var baseUrl = "";
            if (!root.TryGetProperty("links", out var links) || links.ValueKind != JsonValueKind.Object
                || String(links, "baseUrl") is not { } rawBase)
            {
                errors.Add("links.baseUrl: is required: the URL approval links in messages start with (the API's base URL).");
            }
            else if (!Uri.TryCreate(rawBase, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"links.baseUrl: '{rawBase}' is not an absolute http(s) URL.");
            }
            else
            {
                baseUrl = rawBase.TrimEnd('/');
            }

            var destinations = new List<NotificationDestination>();
            if (!root.TryGetProperty("projects", out var projects) || projects.ValueKind != JsonValueKind.Array)
            {
                errors.Add("projects: is required: a list of {\"project\", \"destinations\"}.");
            }
            else
            {
                var p = 0;
                foreach (var project in projects.EnumerateArray())
                {
                    ParseProject(project, $"projects[{p++}]", destinations, errors);
                }
            }

            foreach (var duplicate in destinations.GroupBy(d => d.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                errors.Add($"destinations: the name '{duplicate.Key}' is used {duplicate.Count()} times; names must be unique (they name rules, queues and topics).");
            }

            if (errors.Count > 0)
            {
                throw new NotificationPolicyException(errors);
            }
            return new NotificationPolicy(baseUrl, destinations);
        }
    }

    /// <summary>The destinations of one project.</summary>
    public IEnumerable<NotificationDestination> For(string project) => Destinations.Where(d => d.Project == project);

    private static void ParseProject(JsonElement project, string path, List<NotificationDestination> destinations, List<string> errors)
    {
        if (project.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: must be an object with \"project\" and \"destinations\".");
            return;
        }
        var name = String(project, "project");
        if (Rules.ResourceName(name) is { } reason)
        {
            errors.Add($"{path}.project: {reason}");
        }
        if (!project.TryGetProperty("destinations", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
        {
            errors.Add($"{path}.destinations: is required: at least one destination.");
            return;
        }
        var d = 0;
        foreach (var destination in list.EnumerateArray())
        {
            if (ParseDestination(destination, name ?? "", $"{path}.destinations[{d++}]", errors) is { } parsed)
            {
                destinations.Add(parsed);
            }
        }
    }

    private static NotificationDestination? ParseDestination(JsonElement destination, string project, string path, List<string> errors)
    {
        if (destination.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: must be an object with \"name\", \"type\" and \"events\".");
            return null;
        }
        var before = errors.Count;
        var name = String(destination, "name");
        if (Rules.ResourceName(name) is { } nameReason)
        {
            errors.Add($"{path}.name: {nameReason}");
        }

        var typeText = String(destination, "type");
        DestinationType? type = typeText switch
        {
            "webhook" => DestinationType.Webhook,
            "email" => DestinationType.Email,
            _ => null,
        };
        if (type is null)
        {
            errors.Add($"{path}.type: is '{typeText}', but must be \"webhook\" or \"email\".");
        }

        var events = new List<string>();
        if (!destination.TryGetProperty("events", out var eventList) || eventList.ValueKind != JsonValueKind.Array || eventList.GetArrayLength() == 0)
        {
            errors.Add($"{path}.events: is required: at least one detail-type, e.g. \"release.approval-requested.v1\".");
        }
        else
        {
            var i = 0;
            foreach (var item in eventList.EnumerateArray())
            {
                var detailType = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
                if (detailType is null || !DetailTypePattern().IsMatch(detailType))
                {
                    errors.Add($"{path}.events[{i}]: '{item}' is not a versioned detail-type (noun.verb.vN, see docs/events.md).");
                }
                else if (events.Contains(detailType, StringComparer.Ordinal))
                {
                    errors.Add($"{path}.events[{i}]: '{detailType}' is listed twice.");
                }
                else
                {
                    events.Add(detailType);
                }
                i++;
            }
        }

        var url = String(destination, "url");
        var urlParameter = String(destination, "urlParameter");
        var email = String(destination, "email");
        if (type == DestinationType.Webhook)
        {
            // The URL is a secret: say what is wrong with it, never what it is.
            if (url is null && urlParameter is null)
            {
                errors.Add($"{path}.url: a webhook needs \"url\" (locally) or \"urlParameter\" (the SSM parameter holding it in AWS).");
            }
            if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add($"{path}.url: is not an absolute http(s) URL.");
            }
            if (urlParameter is not null && !SsmParameterPattern().IsMatch(urlParameter))
            {
                errors.Add($"{path}.urlParameter: '{urlParameter}' is not an SSM parameter name (/a/b/c: letters, digits and . _ - /).");
            }
            if (email is not null)
            {
                errors.Add($"{path}.email: only an email destination has an address.");
            }
        }
        else if (type == DestinationType.Email)
        {
            if (email is null || !EmailPattern().IsMatch(email))
            {
                errors.Add($"{path}.email: is '{email}', but an email destination needs an address like ml-oncall@example.com.");
            }
            if (url is not null || urlParameter is not null)
            {
                errors.Add($"{path}.url: only a webhook destination has a URL.");
            }
        }

        return errors.Count > before
            ? null
            : new NotificationDestination(project, name!, type!.Value, events) { Url = url, UrlParameter = urlParameter, Email = email };
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    [GeneratedRegex(@"^[a-z-]+\.[a-z-]+\.v[0-9]+$")]
    private static partial Regex DetailTypePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^(/[A-Za-z0-9_.-]+)+$")]
    private static partial Regex SsmParameterPattern();
}

/// <summary>config/notifications.json is malformed; <see cref="Errors"/> lists every problem with its JSON path.</summary>
public sealed class NotificationPolicyException(IReadOnlyList<string> errors)
    : Exception("config/notifications.json is not valid:\n  " + string.Join("\n  ", errors))
{
    /// <summary>Each problem, prefixed with the JSON path it is about.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
