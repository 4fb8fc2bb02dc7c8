using System.Text.Json;
using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// What an operator gets in CloudWatch: traces from every function and state machine, a dashboard that graphs the
/// product's EMF metrics under the names the functions write, and alarms for dead letters, relay lag and the 5xx rate.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class OperationsTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void EveryFunctionAndStateMachine_IsTracedWithXRay()
    {
        Assert.All(stack.Resources("AWS::Lambda::Function"), f => Assert.Equal("Active", (string?)f.Resource["Properties"]!["TracingConfig"]?["Mode"]));
        Assert.All(stack.Resources("AWS::StepFunctions::StateMachine"),
            m => Assert.True((bool?)m.Resource["Properties"]!["TracingConfiguration"]?["Enabled"]));
    }

    [Fact]
    public void TheDashboard_GraphsEveryProductMetric_InItsNamespace_WithTheStageDimension()
    {
        var (_, dashboard) = stack.Single("AWS::CloudWatch::Dashboard");
        Assert.Equal($"{ResourceNames.Service}-{SynthesizedStackFixture.Stage}", (string)dashboard["DashboardName"]!);
        var body = JsonDocument.Parse(Flatten(dashboard["DashboardBody"])).RootElement;
        var metrics = body.GetProperty("widgets").EnumerateArray()
            .Where(w => w.GetProperty("type").GetString() == "metric" && w.GetProperty("properties").TryGetProperty("metrics", out _))
            .SelectMany(w => w.GetProperty("properties").GetProperty("metrics").EnumerateArray())
            .Select(m => m.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList())
            .ToList();

        foreach (var (name, _, dimensions) in ProductMetrics.Catalog)
        {
            var lines = metrics.Where(m => m.Count > 1 && m[0] == ProductMetrics.Namespace && m[1] == name).ToList();
            Assert.True(lines.Count > 0, $"No widget graphs {name}.");
            // Exactly the dimensions the functions write, so each line matches the EMF metric (CloudWatch matches all of them).
            Assert.All(lines, l =>
            {
                var keys = l.Skip(2).Where((_, i) => i % 2 == 0).Order(StringComparer.Ordinal);
                Assert.Equal(dimensions.Prepend(ProductMetrics.StageDimension).Order(StringComparer.Ordinal), keys);
                Assert.Equal(SynthesizedStackFixture.Stage, l[l.IndexOf(ProductMetrics.StageDimension) + 1]);
            });
        }
        // The parts' own metrics sit beside them.
        Assert.Contains(metrics, m => m.Take(2).SequenceEqual(["AWS/States", "ExecutionsFailed"]));
        Assert.Contains(metrics, m => m.Take(2).SequenceEqual(["AWS/SQS", "ApproximateNumberOfMessagesVisible"]));
        Assert.Contains(metrics, m => m.Take(2).SequenceEqual(["AWS/ApiGateway", "5xx"]));
    }

    [Fact]
    public void DeadLetterQueues_RaiseAnAlarmOnTheFirstMessage()
    {
        var queues = stack.Resources("AWS::SQS::Queue").Where(q => ((string?)q.Resource["Properties"]!["QueueName"])?.Contains("dlq", StringComparison.Ordinal) == true)
            .Select(q => q.LogicalId).ToHashSet();
        Assert.Equal(3, queues.Count); // the rule targets', the relay's and the export function's
        var alarms = Alarms().Where(a => (string?)a["MetricName"] == "ApproximateNumberOfMessagesVisible").ToList();

        Assert.Equal(queues, alarms.SelectMany(a => TemplateJson.ReferencedIds(a["Dimensions"])).ToHashSet());
        Assert.All(alarms, a =>
        {
            Assert.Equal(1, (double)a["Threshold"]!);
            Assert.Equal("GreaterThanOrEqualToThreshold", (string)a["ComparisonOperator"]!);
            Assert.Equal("Maximum", (string)a["Statistic"]!);
        });
    }

    [Fact]
    public void TheRelaysLag_RaisesAnAlarm_FromTheStreamIteratorAge()
    {
        var (relay, _) = stack.TaskFunction(ReleaseWorkflow.RelayOutboxHandler);
        var alarm = Assert.Single(Alarms(), a => (string?)a["MetricName"] == "IteratorAge");

        Assert.Equal([relay], TemplateJson.ReferencedIds(alarm["Dimensions"]));
        Assert.Equal(OperationsConstruct.RelayLagAlarmSeconds * 1000, (double)alarm["Threshold"]!);
        Assert.Equal("notBreaching", (string)alarm["TreatMissingData"]!);
    }

    [Fact]
    public void TheApis5xxRate_RaisesAnAlarm_OnlyPastAFloorOfRequests()
    {
        var alarm = Assert.Single(Alarms(), a => a["Metrics"] is JsonArray m && m.Any(q => ((string?)q!["Expression"])?.Contains("errors / requests", StringComparison.Ordinal) == true));
        var queries = alarm["Metrics"]!.AsArray().Select(q => q!.AsObject()).ToList();
        var expression = (string)queries.Single(q => q["Expression"] is not null)["Expression"]!;

        Assert.Equal($"IF(requests >= {OperationsConstruct.MinimumRequestsForRate}, 100 * errors / requests, 0)", expression);
        Assert.Equal(["5xx", "Count"], queries.Where(q => q["MetricStat"] is not null)
            .Select(q => (string)q["MetricStat"]!["Metric"]!["MetricName"]!).Order(StringComparer.Ordinal));
        Assert.Equal(OperationsConstruct.ServerErrorRatePercent, (double)alarm["Threshold"]!);
        var (api, _) = stack.Single("AWS::ApiGatewayV2::Api");
        Assert.All(queries.Where(q => q["MetricStat"] is not null), q => Assert.Equal([api], TemplateJson.ReferencedIds(q["MetricStat"]!["Metric"]!["Dimensions"])));
    }

    private IEnumerable<JsonObject> Alarms() => stack.Resources("AWS::CloudWatch::Alarm").Select(a => a.Resource["Properties"]!.AsObject());

    /// <summary>The dashboard body is an Fn::Join of literal text and tokens; tokens become a placeholder string.</summary>
    private static string Flatten(JsonNode? node) => node switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonObject o when o["Fn::Join"] is JsonArray join => string.Join((string)join[0]!, join[1]!.AsArray().Select(Flatten)),
        _ => "token",
    };
}
