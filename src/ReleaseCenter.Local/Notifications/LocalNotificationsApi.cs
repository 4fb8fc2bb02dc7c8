using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using ReleaseCenter.Domain.Notifications;

namespace ReleaseCenter.Local.Notifications;

/// <summary>
/// The local webhook sink and outbox (local stack only, anonymous: a Slack-style sender has no token of ours).
/// POST /v1/local/webhooks/{name} stores a JSON body; GET lists what arrived. GET /v1/local/notifications/{destination}
/// lists what an e-mail destination would have sent.
/// </summary>
internal static class LocalNotificationsApi
{
    private const int MaxBodyBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/local").WithTags("Local stack").AllowAnonymous();
        group.MapPost("/webhooks/{name}", ReceiveAsync).WithSummary("Local webhook sink: store a JSON body (local stack only)");
        group.MapGet("/webhooks/{name}", (string name, NotificationMailbox mailbox) => List(mailbox.Webhooks(name)))
            .WithSummary("Bodies the local webhook sink received for a name, oldest first (local stack only)");
        group.MapGet("/notifications/{destination}", Outbox)
            .WithSummary("Messages an e-mail notification destination would have sent, oldest first (local stack only)");
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> ReceiveAsync(string name, HttpContext http, NotificationMailbox mailbox, CancellationToken ct)
    {
        if (ReleaseCenter.Domain.Validation.Rules.ResourceName(name) is { } reason)
        {
            return TypedResults.Problem($"The webhook name {reason}", statusCode: StatusCodes.Status400BadRequest);
        }
        using var reader = new StreamReader(http.Request.Body);
        var buffer = new char[MaxBodyBytes + 1];
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), ct).ConfigureAwait(false);
        if (read > MaxBodyBytes)
        {
            return TypedResults.Problem($"The body is over {MaxBodyBytes} characters.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var body = new string(buffer, 0, read);
        try
        {
            using var _ = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return TypedResults.Problem("The body is not JSON (a webhook takes e.g. {\"text\": \"...\"}).", statusCode: StatusCodes.Status400BadRequest);
        }
        mailbox.AddWebhook(name, body);
        return TypedResults.Accepted((string?)null);
    }

    private static Results<ContentHttpResult, ProblemHttpResult> Outbox(string destination, LocalNotificationSetup setup, NotificationMailbox mailbox)
    {
        if (setup.Find(destination) is not { Destination.Type: DestinationType.Email })
        {
            return TypedResults.Problem($"config/notifications.json has no e-mail destination named '{destination}'.",
                statusCode: StatusCodes.Status404NotFound, title: "No such e-mail destination");
        }
        return List(mailbox.Emails(destination));
    }

    /// <summary>A JSON array: each stored JSON body as itself, any other text as a string.</summary>
    private static ContentHttpResult List(IReadOnlyList<string> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(item);
            }
            catch (JsonException)
            {
                node = JsonValue.Create(item);
            }
            array.Add(node);
        }
        return TypedResults.Text(array.ToJsonString(), "application/json");
    }
}
