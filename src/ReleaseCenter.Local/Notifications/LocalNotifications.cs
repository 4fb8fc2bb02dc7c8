using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Notifications;

namespace ReleaseCenter.Local.Notifications;

/// <summary>A destination as the local stack provisioned it: its rules deliver to <see cref="QueueUrl"/> (through <see cref="TopicArn"/> for e-mail).</summary>
public sealed record LocalDestination(NotificationDestination Destination, string QueueUrl, string QueueArn, string? TopicArn, IReadOnlyList<NotificationRule> Rules);

/// <summary>What <see cref="LocalNotifications.ProvisionAsync"/> made, to register with <see cref="LocalNotifications.AddLocalNotifications"/>.</summary>
public sealed record LocalNotificationSetup(NotificationPolicy Policy, IReadOnlyList<LocalDestination> Destinations)
{
    /// <summary>A destination by name, or null.</summary>
    public LocalDestination? Find(string name) => Destinations.FirstOrDefault(d => d.Destination.Name == name);
}

/// <summary>
/// Notifications on the local stack. The rules are the CDK app's (same patterns and input transformers, from
/// <see cref="NotificationTemplates"/>), but every rule targets an SQS queue, which the emulator delivers to and applies
/// the transformer for: an e-mail destination's rules go to an SNS topic with the queue subscribed (raw delivery), a webhook's
/// straight to the queue. <see cref="NotificationRelay"/> then does what the API destination does in AWS (POST the body to
/// the webhook URL) and keeps what e-mail would have sent. The local API adds a webhook sink to point webhooks at:
/// POST/GET /v1/local/webhooks/{name}, and GET /v1/local/notifications/{destination} for e-mail.
/// </summary>
public static class LocalNotifications
{
    /// <summary>The built-in config/notifications.json.</summary>
    public static NotificationPolicy ReadPolicy() => NotificationPolicy.Parse(LocalHost.ReadResource("notifications.json"));

    /// <summary>Creates (idempotently) each destination's queue, topic and rules on the bus named by <paramref name="names"/>.</summary>
    public static async Task<LocalNotificationSetup> ProvisionAsync(AwsClientOptions aws, ResourceNames names, NotificationPolicy policy, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(aws);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(policy);
        using var sqs = new LocalSqsClient(aws);
        using var sns = new LocalSnsClient(aws);
        using var events = new EventBridgeClient(aws);
        using var targets = new NotificationTargetsClient(aws);
        var provisioned = new List<LocalDestination>();
        foreach (var destination in policy.Destinations)
        {
            var resourceName = NotificationTemplates.DestinationResourceName(names, destination.Name);
            var queueUrl = await sqs.CreateQueueAsync(resourceName, ct).ConfigureAwait(false);
            var queueArn = await sqs.QueueArnAsync(queueUrl, ct).ConfigureAwait(false);
            string? topicArn = null;
            if (destination.Type == DestinationType.Email)
            {
                topicArn = await sns.CreateTopicAsync(resourceName, ct).ConfigureAwait(false);
                await sns.SubscribeQueueAsync(topicArn, queueArn, ct).ConfigureAwait(false);
            }
            var rules = NotificationTemplates.Rules(destination, names, policy.BaseUrl);
            foreach (var rule in rules)
            {
                await events.PutRuleAsync(new PutRuleRequest(rule.RuleName)
                {
                    EventBusName = names.EventBusName,
                    EventPattern = rule.EventPattern,
                    Description = $"Notify {destination.Name} of {string.Join(", ", rule.DetailTypes)} in project {destination.Project}",
                }, ct).ConfigureAwait(false);
                await targets.PutTargetAsync(names.EventBusName, rule.RuleName, topicArn ?? queueArn, rule.Transformer, ct).ConfigureAwait(false);
            }
            provisioned.Add(new LocalDestination(destination, queueUrl, queueArn, topicArn, rules));
        }
        return new LocalNotificationSetup(policy, provisioned);
    }

    /// <summary>The relay (queue -> webhook URL, queue -> e-mail outbox) and the sink the local routes read and write.</summary>
    public static IServiceCollection AddLocalNotifications(this IServiceCollection services, LocalNotificationSetup setup, AwsClientOptions aws)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(aws);
        services.AddSingleton(setup);
        services.AddSingleton(new NotificationRelayOptions(aws));
        services.AddSingleton<NotificationMailbox>();
        services.AddHttpClient(NotificationRelay.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddHostedService<NotificationRelay>();
        return services;
    }

    /// <summary>POST/GET /v1/local/webhooks/{name} and GET /v1/local/notifications/{destination}; anonymous, local stack only.</summary>
    public static IEndpointRouteBuilder MapLocalNotifications(this IEndpointRouteBuilder app)
    {
        LocalNotificationsApi.Map(app);
        return app;
    }
}
