using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Amazon.CDK.AWS.SSM;
using Constructs;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Notifications;
using EventsTargets = Amazon.CDK.AWS.Events.Targets;

namespace ReleaseCenter.Infra;

/// <summary>What <see cref="NotificationsConstruct"/> needs: the bus, config/notifications.json parsed, and where links point.</summary>
public sealed class NotificationsConstructProps
{
    /// <summary>The product's bus; every notification rule is on it.</summary>
    public required IEventBus Bus { get; init; }

    /// <summary>config/notifications.json, parsed (<see cref="NotificationPolicy.Parse"/>).</summary>
    public required NotificationPolicy Policy { get; init; }

    /// <summary>The base of every link in a message: the HTTP API's URL (a token is fine). The policy's links.baseUrl is the local stack's.</summary>
    public required string ApiUrl { get; init; }

    /// <summary>Resource names of the stage.</summary>
    public required ResourceNames Names { get; init; }

    /// <summary>Where a notification lands when its destination failed every retry.</summary>
    public Amazon.CDK.AWS.SQS.IQueue? DeadLetterQueue { get; init; }
}

/// <summary>
/// Notifications, as config/notifications.json asks: per destination, EventBridge rules matching source release-center,
/// the destination's detail-types and detail.project, whose target builds the message with an InputTransformer
/// (<see cref="NotificationTemplates"/>, shared with the local stack), so no function runs in between.
/// A webhook is an API destination (POST, Slack-compatible {"text"}); an e-mail address is subscribed to an SNS topic.
/// Webhook URLs carry their token: give them as an SSM parameter (the destination's urlParameter, resolved at deploy time,
/// so the URL is in neither the repository nor the template); a literal https url is accepted but lands in the template.
/// </summary>
public sealed class NotificationsConstruct : Construct
{
    /// <summary>Header of the connection's API-key authorization. Webhooks authenticate by their URL; EventBridge still requires one.</summary>
    public const string AuthorizationHeader = "X-Release-Center-Notification";

    /// <summary>Slack accepts about one message per second per webhook.</summary>
    public const int RateLimitPerSecond = 1;

    /// <summary>Declares every destination's resources; throws <see cref="InvalidOperationException"/> for a webhook AWS cannot call.</summary>
    public NotificationsConstruct(Construct scope, string id, NotificationsConstructProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        foreach (var destination in props.Policy.Destinations)
        {
            var name = NotificationTemplates.DestinationResourceName(props.Names, destination.Name);
            IRuleTarget target = destination.Type switch
            {
                DestinationType.Webhook => new EventsTargets.ApiDestination(CreateApiDestination(destination, name), new EventsTargets.ApiDestinationProps
                {
                    RetryAttempts = 5,
                    MaxEventAge = Duration.Hours(2),
                    DeadLetterQueue = props.DeadLetterQueue,
                }),
                _ => new EventsTargets.SnsTopic(CreateTopic(destination, name), new EventsTargets.SnsTopicProps
                {
                    RetryAttempts = 5,
                    MaxEventAge = Duration.Hours(2),
                    DeadLetterQueue = props.DeadLetterQueue,
                }),
            };

            foreach (var spec in NotificationTemplates.Rules(destination, props.Names, props.ApiUrl))
            {
                var rule = new Rule(this, $"{destination.Name}-{spec.Kind}", new RuleProps
                {
                    RuleName = spec.RuleName,
                    Description = $"Notify {destination.Name} ({destination.Project}) of {string.Join(", ", spec.DetailTypes)}",
                    EventBus = props.Bus,
                    EventPattern = new EventPattern
                    {
                        Source = [ResourceNames.Service],
                        DetailType = [.. spec.DetailTypes],
                        Detail = new Dictionary<string, object> { [NotificationTemplates.ProjectField] = new[] { destination.Project } },
                    },
                    Targets = [target],
                });
                // The transformer is written out, not built with RuleTargetInput.FromObject, so its variables and template are
                // exactly the ones the local stack uses (CDK would name the variables itself).
                ((Amazon.CDK.AWS.Events.CfnRule)rule.Node.DefaultChild!).AddPropertyOverride("Targets.0.InputTransformer", new Dictionary<string, object>
                {
                    ["InputPathsMap"] = spec.Transformer.InputPathsMap.ToDictionary(p => p.Key, p => (object)p.Value),
                    ["InputTemplate"] = spec.Transformer.InputTemplate,
                });
            }
        }
    }

    private ApiDestination CreateApiDestination(NotificationDestination destination, string name)
    {
        string endpoint;
        if (destination.UrlParameter is not null)
        {
            endpoint = StringParameter.ValueForStringParameter(this, destination.UrlParameter);
        }
        else if (destination.Url is not null && destination.Url.StartsWith("https://", StringComparison.Ordinal))
        {
            endpoint = destination.Url;
        }
        else
        {
            // Never echo the URL: it is a secret.
            throw new InvalidOperationException(
                $"Notification destination '{destination.Name}': EventBridge API destinations need an https URL. Put the webhook URL in an SSM " +
                "parameter and name it as \"urlParameter\" in config/notifications.json (\"url\" is for the local stack).");
        }

        var connection = new Connection(this, $"{destination.Name}-connection", new ConnectionProps
        {
            ConnectionName = name,
            Description = $"Webhook {destination.Name}: the URL carries the credential, the API key header is a required placeholder.",
            Authorization = Authorization.ApiKey(AuthorizationHeader, SecretValue.UnsafePlainText("none")),
        });
        return new ApiDestination(this, $"{destination.Name}-destination", new ApiDestinationProps
        {
            ApiDestinationName = name,
            Description = $"Webhook {destination.Name} of project {destination.Project}",
            Connection = connection,
            Endpoint = endpoint,
            HttpMethod = Amazon.CDK.AWS.Events.HttpMethod.POST,
            RateLimitPerSecond = RateLimitPerSecond,
        });
    }

    private Topic CreateTopic(NotificationDestination destination, string name)
    {
        var topic = new Topic(this, $"{destination.Name}-topic", new TopicProps { TopicName = name, DisplayName = "ML Release Center" });
        topic.AddSubscription(new EmailSubscription(destination.Email!));
        return topic;
    }
}
