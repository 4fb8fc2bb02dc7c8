using System.Text.Json;
using ReleaseCenter.Domain.Drift;

namespace ReleaseCenter.Domain.Tests.Drift;

/// <summary>AWS events in the shapes AWS documents them (CloudWatch alarm state change, SageMaker processing job state change), reduced to drift signals.</summary>
public sealed class AwsDriftSignalsTests
{
    private static readonly string[] Environments = ["dev", "staging", "prod"];

    private static JsonElement Event(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private const string Alarm = """
        {"version":"0","id":"c4c1c1c9-6542-e61b-6ef0-8c4d36933a92","detail-type":"CloudWatch Alarm State Change","source":"aws.cloudwatch",
         "account":"123456789012","time":"2026-11-22T18:03:10Z","region":"us-east-1","resources":["arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-amount-drift"],
         "detail":{"alarmName":"fraud-amount-drift",
           "state":{"value":"STATE","reason":"Threshold Crossed: 1 datapoint [0.41] was greater than the threshold (0.25).","timestamp":"2026-11-22T18:03:10.000+0000"},
           "previousState":{"value":"OK"},
           "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"aws/sagemaker/Endpoints/data-metrics",
             "name":"feature_baseline_drift_amount","dimensions":{"Endpoint":"ENDPOINT","MonitoringSchedule":"fraud-monitor"}},"period":3600,"stat":"Maximum"},
             "returnData":true}]}}}
        """;

    private static string AlarmFor(string state, string endpoint) =>
        Alarm.Replace("STATE", state, StringComparison.Ordinal).Replace("ENDPOINT", endpoint, StringComparison.Ordinal);

    [Fact]
    public void AnAlarmInAlarm_OnOurEndpoint_IsADriftSignalOfThatModelAndEnvironment_NamingTheFeature()
    {
        var signal = AwsDriftSignals.Normalize(Event(AlarmFor("ALARM", "fraud-detector-prod")), Environments, out _);

        Assert.NotNull(signal);
        Assert.Equal(("fraud-detector", "prod", "aws.cloudwatch", "fraud-amount-drift", "amount"),
            (signal.Model, signal.Environment, signal.Source, signal.Reference, signal.Feature));
        Assert.StartsWith("Threshold Crossed", signal.Reason, StringComparison.Ordinal);
        Assert.Equal("c4c1c1c9-6542-e61b-6ef0-8c4d36933a92", signal.EventId);
    }

    [Fact]
    public void WithANamePrefix_OnlyPrefixedEndpointsAreOurs_AndThePrefixIsNotPartOfTheModel()
    {
        var signal = AwsDriftSignals.Normalize(Event(AlarmFor("ALARM", "release-center-fraud-detector-prod")), Environments, out _, "release-center-");
        var unprefixed = AwsDriftSignals.Normalize(Event(AlarmFor("ALARM", "fraud-detector-prod")), Environments, out var why, "release-center-");

        Assert.Equal(("fraud-detector", "prod"), (signal?.Model, signal?.Environment));
        Assert.Null(unprefixed);
        Assert.Contains("release-center-{model}-{environment}", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OK", "fraud-detector-prod", "did not go to ALARM")]
    [InlineData("ALARM", "some-other-endpoint", "not one of ours")]
    [InlineData("ALARM", "-prod", "not one of ours")]
    public void OtherAlarms_AreNotSignals_AndSayWhy(string state, string endpoint, string why)
    {
        Assert.Null(AwsDriftSignals.Normalize(Event(AlarmFor(state, endpoint)), Environments, out var reason));
        Assert.Contains(why, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AModelMonitorJobWithViolations_IsASignal_AndOneWithoutIsNot()
    {
        const string Job = """
            {"version":"0","id":"9a1b3c3e-0000-4000-8000-000000000001","detail-type":"SageMaker Processing Job State Change","source":"aws.sagemaker",
             "time":"2026-11-22T18:00:00Z","detail":{"ProcessingJobName":"model-monitoring-202611221800-abc","ProcessingJobStatus":"Completed",
             "ExitMessage":"EXIT","Environment":{"endpoint_name":"fraud-detector-staging","publish_cloudwatch_metrics":"Enabled"}}}
            """;

        var signal = AwsDriftSignals.Normalize(Event(Job.Replace("EXIT", "CompletedWithViolations: Job completed successfully with 3 violations.", StringComparison.Ordinal)),
            Environments, out _);

        Assert.Equal(("fraud-detector", "staging", "aws.sagemaker", "model-monitoring-202611221800-abc", null),
            (signal!.Model, signal.Environment, signal.Source, signal.Reference, signal.Feature));
        Assert.Null(AwsDriftSignals.Normalize(Event(Job.Replace("EXIT", "Completed: Job completed successfully with no violations.", StringComparison.Ordinal)),
            Environments, out var why));
        Assert.Contains("violations", why, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherEvents_AreNotSignals()
    {
        Assert.Null(AwsDriftSignals.Normalize(Event("""{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{}}"""),
            Environments, out var why));
        Assert.Contains("Not a drift signal", why, StringComparison.Ordinal);
    }
}
