using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Constructs;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra;

public sealed class OperationsConstructProps
{
    public required ResourceNames Names { get; init; }

    /// <summary>Release, rollback and retrain, by the workflow's name.</summary>
    public required IReadOnlyDictionary<string, StateMachine> StateMachines { get; init; }

    /// <summary>Where undeliverable events and stream records end up, by what they hold.</summary>
    public required IReadOnlyDictionary<string, Queue> DeadLetterQueues { get; init; }

    public required IFunction RelayFunction { get; init; }

    public required HttpApi HttpApi { get; init; }

    /// <summary>The release environments, in promotion order (config/environments.json).</summary>
    public required IReadOnlyList<string> Environments { get; init; }
}

/// <summary>
/// What an operator watches (docs/operations.md, "Dashboard and alarms"): a CloudWatch dashboard of the
/// release flow (the product's own EMF metrics, <see cref="ProductMetrics"/>) beside the AWS metrics of
/// the parts, and alarms for what needs a person: dead letters, a relay falling behind, a 5xx rate.
/// Failed executions have their alarms beside the state machines.
/// </summary>
public sealed class OperationsConstruct : Construct
{
    /// <summary>A relay further behind than this is not keeping up: the sweep would publish, but late.</summary>
    public const int RelayLagAlarmSeconds = 300;

    /// <summary>Percent of requests answered 5xx over 5 minutes, counted only past <see cref="MinimumRequestsForRate"/> requests.</summary>
    public const int ServerErrorRatePercent = 5;

    public const int MinimumRequestsForRate = 20;

    private static readonly Duration Period = Duration.Minutes(5);

    public OperationsConstruct(Construct scope, string id, OperationsConstructProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stage = props.Names.Stage;

        var deadLetterAlarms = new List<Alarm>();
        foreach (var (what, queue) in props.DeadLetterQueues)
        {
            deadLetterAlarms.Add(new Alarm(this, $"DeadLetters{Pascal(what)}Alarm", new AlarmProps
            {
                AlarmName = $"{ResourceNames.Service}-{what}-dead-letters-{stage}",
                AlarmDescription = $"Messages wait in {queue.QueueName}: {what} that could not be delivered after every retry. " +
                    "docs/operations.md says how to read and redrive them.",
                Metric = queue.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Period, Statistic = Stats.MAXIMUM }),
                Threshold = 1,
                EvaluationPeriods = 1,
                ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                TreatMissingData = TreatMissingData.NOT_BREACHING,
            }));
        }
        DeadLetterAlarms = deadLetterAlarms;

        // IteratorAge grows while the relay fails or falls behind, even when it publishes nothing (our own lag metric would go quiet).
        var iteratorAge = props.RelayFunction.Metric("IteratorAge", new MetricOptions { Period = Period, Statistic = Stats.MAXIMUM });
        RelayLagAlarm = new Alarm(this, "RelayLagAlarm", new AlarmProps
        {
            AlarmName = $"{ResourceNames.Service}-relay-lag-{stage}",
            AlarmDescription = $"The outbox relay is over {RelayLagAlarmSeconds} s behind the table's stream: events reach the bus late. " +
                "See the relay function's log group and its dead-letter queue.",
            Metric = iteratorAge,
            Threshold = RelayLagAlarmSeconds * 1000,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

        var requests = props.HttpApi.MetricCount(new MetricOptions { Period = Period, Statistic = Stats.SUM });
        var serverErrors = props.HttpApi.MetricServerError(new MetricOptions { Period = Period, Statistic = Stats.SUM });
        var errorRate = new MathExpression(new MathExpressionProps
        {
            Expression = $"IF(requests >= {MinimumRequestsForRate}, 100 * errors / requests, 0)",
            UsingMetrics = new Dictionary<string, IMetric> { ["requests"] = requests, ["errors"] = serverErrors },
            Label = "5xx rate (%)",
            Period = Period,
        });
        ServerErrorRateAlarm = new Alarm(this, "ServerErrorRateAlarm", new AlarmProps
        {
            AlarmName = $"{ResourceNames.Service}-api-5xx-rate-{stage}",
            AlarmDescription = $"Over {ServerErrorRatePercent}% of API requests answered 5xx in 5 minutes. The API function's log group has " +
                "each error's stack trace; 503s name the AWS service that did not answer.",
            Metric = errorRate,
            Threshold = ServerErrorRatePercent,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps
        {
            DashboardName = $"{ResourceNames.Service}-{stage}",
            DefaultInterval = Duration.Hours(24),
        });
        Dashboard.AddWidgets(new TextWidget(new TextWidgetProps
        {
            Markdown = $"## ML Release Center ({stage})\nReleases, gates and deployments from the product's own metrics (namespace `{ProductMetrics.Namespace}`); " +
                "below them, the parts' AWS metrics. docs/operations.md explains each widget and alarm.",
            Width = 24,
            Height = 2,
        }));
        Dashboard.AddWidgets(
            Graph("Releases started and ended", [Product(ProductMetrics.ReleasesStarted, stage, Stats.SUM),
                .. ReleaseOutcomes.Select(o => Product(ProductMetrics.ReleasesEnded, stage, Stats.SUM, ("Outcome", o)))]),
            Graph("Gate rejections", [.. props.Environments.SelectMany(e => new[] { "evaluation", "approval" }
                .Select(g => Product(ProductMetrics.GateRejections, stage, Stats.SUM, ("Environment", e), ("Gate", g))))]),
            Graph("Approval wait (p90, s)", [.. props.Environments.Select(e =>
                Product(ProductMetrics.ApprovalWaitSeconds, stage, "p90", ("Environment", e), ("Decision", "approved")))]),
            Graph("Deploy duration (p90, s)", [.. props.Environments.Select(e => Product(ProductMetrics.DeployDurationSeconds, stage, "p90", ("Environment", e)))]));
        Dashboard.AddWidgets(
            Graph("Rollbacks", [.. props.Environments.SelectMany(e => new[] { "automatic", "requested" }
                .Select(k => Product(ProductMetrics.Rollbacks, stage, Stats.SUM, ("Environment", e), ("Kind", k))))]),
            Graph("Failed executions", [.. props.StateMachines.Select(m => m.Value.MetricFailed(new MetricOptions { Period = Period, Statistic = Stats.SUM, Label = m.Key }))]),
            Graph("Events relayed and refused", [Product(ProductMetrics.EventsRelayed, stage, Stats.SUM), Product(ProductMetrics.EventsRelayFailed, stage, Stats.SUM)]),
            Graph("Relay lag (max, s)", [Product(ProductMetrics.EventRelayLagSeconds, stage, Stats.MAXIMUM),
                new MathExpression(new MathExpressionProps { Expression = "age / 1000", UsingMetrics = new Dictionary<string, IMetric> { ["age"] = iteratorAge }, Label = "stream iterator age", Period = Period })]));
        Dashboard.AddWidgets(
            Graph("Dead letters waiting", [.. props.DeadLetterQueues.Select(q =>
                q.Value.MetricApproximateNumberOfMessagesVisible(new MetricOptions { Period = Period, Statistic = Stats.MAXIMUM, Label = q.Key }))]),
            Graph("API requests and errors", [requests, props.HttpApi.MetricClientError(new MetricOptions { Period = Period, Statistic = Stats.SUM }), serverErrors]),
            new AlarmStatusWidget(new AlarmStatusWidgetProps
            {
                Title = "Alarms",
                Alarms = [.. DeadLetterAlarms, RelayLagAlarm, ServerErrorRateAlarm],
                Width = 12,
                Height = 6,
            }));
    }

    /// <summary>How a release can end: the values of the ReleasesEnded metric's Outcome dimension.</summary>
    public static IReadOnlyList<string> ReleaseOutcomes { get; } = [.. Domain.Events.ReleaseEnded.Outcomes, nameof(Domain.Releases.ReleaseStatus.Cancelled)];

    public Dashboard Dashboard { get; }

    public IReadOnlyList<Alarm> DeadLetterAlarms { get; }

    public Alarm RelayLagAlarm { get; }

    public Alarm ServerErrorRateAlarm { get; }

    private static Metric Product(string name, string stage, string statistic, params (string Name, string Value)[] dimensions) => new(new MetricProps
    {
        Namespace = ProductMetrics.Namespace,
        MetricName = name,
        DimensionsMap = new Dictionary<string, string>(dimensions.Select(d => KeyValuePair.Create(d.Name, d.Value)))
        {
            [ProductMetrics.StageDimension] = stage,
        },
        Statistic = statistic,
        Period = Period,
        Label = dimensions.Length == 0 ? name : string.Join(" ", dimensions.Select(d => d.Value)),
    });

    private static GraphWidget Graph(string title, IMetric[] metrics) => new(new GraphWidgetProps
    {
        Title = title,
        Left = metrics,
        Width = 6,
        Height = 6,
    });

    private static string Pascal(string name) => string.Concat(name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
