using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Net.Mime;
using System.Text;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Domain.Notifications;

namespace ReleaseCenter.Local.Notifications;

/// <summary>Where the relay reads the destination queues.</summary>
public sealed record NotificationRelayOptions(AwsClientOptions Aws)
{
    /// <summary>How long the relay waits when every queue was empty.</summary>
    public TimeSpan IdleDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// Messages the local stack received: bodies POSTed to the webhook sink, and what e-mail destinations would have sent.
/// In memory, per name, newest last; gone when the stack stops.
/// </summary>
public sealed class NotificationMailbox
{
    private const int KeepPerName = 200;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _webhooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _emails = new(StringComparer.Ordinal);

    /// <summary>A body the sink received for webhook <paramref name="name"/>.</summary>
    public void AddWebhook(string name, string body) => Add(_webhooks, name, body);

    /// <summary>The bodies webhook <paramref name="name"/> received, oldest first.</summary>
    public IReadOnlyList<string> Webhooks(string name) => _webhooks.TryGetValue(name, out var q) ? [.. q] : [];

    /// <summary>A message e-mail destination <paramref name="destination"/> would have sent.</summary>
    public void AddEmail(string destination, string message) => Add(_emails, destination, message);

    /// <summary>The messages of e-mail destination <paramref name="destination"/>, oldest first.</summary>
    public IReadOnlyList<string> Emails(string destination) => _emails.TryGetValue(destination, out var q) ? [.. q] : [];

    private static void Add(ConcurrentDictionary<string, ConcurrentQueue<string>> store, string name, string body)
    {
        var queue = store.GetOrAdd(name, _ => new ConcurrentQueue<string>());
        queue.Enqueue(body);
        while (queue.Count > KeepPerName && queue.TryDequeue(out _))
        {
        }
    }
}

/// <summary>
/// Locally, what an EventBridge API destination and SNS e-mail do in AWS: reads each destination's queue, POSTs a webhook's
/// messages to its URL (deleting them once the URL answers 2xx, so a failed POST is retried after the visibility timeout),
/// and keeps an e-mail destination's messages in the <see cref="NotificationMailbox"/>. Logs destination names and status
/// codes only: webhook URLs carry tokens and bodies may name things people should not read in a log.
/// </summary>
public sealed partial class NotificationRelay(
    LocalNotificationSetup setup, NotificationRelayOptions options, NotificationMailbox mailbox, IHttpClientFactory httpClients, ILogger<NotificationRelay> log,
    IServer server)
    : BackgroundService
{
    /// <summary>The named HttpClient webhook POSTs go through.</summary>
    public const string HttpClientName = "release-center-local-webhooks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (setup.Destinations.Count == 0)
        {
            return;
        }
        using var sqs = new LocalSqsClient(options.Aws);
        while (!stoppingToken.IsCancellationRequested)
        {
            var moved = 0;
            foreach (var destination in setup.Destinations)
            {
                try
                {
                    moved += await RelayAsync(sqs, destination, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRelayFailed(log, destination.Destination.Name, ex.GetType().Name);
                }
            }
            if (moved == 0)
            {
                await Task.Delay(options.IdleDelay, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<int> RelayAsync(LocalSqsClient sqs, LocalDestination destination, CancellationToken ct)
    {
        var messages = await sqs.ReceiveAsync(destination.QueueUrl, visibilityTimeoutSeconds: 10, ct).ConfigureAwait(false);
        foreach (var message in messages)
        {
            if (destination.Destination.Type == DestinationType.Email)
            {
                mailbox.AddEmail(destination.Destination.Name, message.Body);
            }
            else if (!await PostAsync(destination.Destination, message.Body, ct).ConfigureAwait(false))
            {
                continue; // stays in the queue; visible again after the visibility timeout
            }
            await sqs.DeleteAsync(destination.QueueUrl, message.ReceiptHandle, ct).ConfigureAwait(false);
        }
        return messages.Count;
    }

    private async Task<bool> PostAsync(NotificationDestination destination, string body, CancellationToken ct)
    {
        if (destination.Url is null)
        {
            LogNoLocalUrl(log, destination.Name);
            return false;
        }
        using var http = httpClients.CreateClient(HttpClientName);
        using var content = new StringContent(body, Encoding.UTF8, MediaTypeNames.Application.Json);
        try
        {
            using var response = await http.PostAsync(LocalSink(new Uri(destination.Url)), content, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(log, destination.Name, (int)response.StatusCode);
                return true;
            }
            LogRejected(log, destination.Name, (int)response.StatusCode);
            return false;
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(log, destination.Name, ex.HttpRequestError.ToString());
            return false;
        }
    }

    /// <summary>
    /// The stack's own webhook sink (a loopback URL under /v1/local/webhooks/) is reached at the address this host
    /// actually listens on: config/notifications.json names port 5080, but RELEASE_CENTER_PORT, the demo and the tests
    /// use other ports. Any other URL is posted to as configured.
    /// </summary>
    internal Uri LocalSink(Uri url)
    {
        if (!url.IsLoopback || !url.AbsolutePath.StartsWith("/v1/local/webhooks/", StringComparison.Ordinal))
        {
            return url;
        }
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return bound is null ? url : new Uri(new Uri(bound), url.PathAndQuery);
    }

    // Debug: a delivery is the expected case, and the run command's output stays readable; failures are warnings.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Notification delivered to webhook {Destination} ({StatusCode})")]
    private static partial void LogDelivered(ILogger logger, string destination, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Destination} answered {StatusCode}; the notification is retried")]
    private static partial void LogRejected(ILogger logger, string destination, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Destination} is unreachable ({Error}); the notification is retried")]
    private static partial void LogUnreachable(ILogger logger, string destination, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Destination} has no url for the local stack (only urlParameter); its notifications stay queued")]
    private static partial void LogNoLocalUrl(ILogger logger, string destination);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relaying notifications of {Destination} failed ({Error}); retried at the next poll")]
    private static partial void LogRelayFailed(ILogger logger, string destination, string error);
}
