using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Drift;

/// <summary>
/// A CloudWatch alarm about one of our endpoints, put on the default bus the way AWS puts it there,
/// reaches the normalize-drift-signal function through the rule, becomes a drift report of the
/// model, and enters the retraining loop like any report (here: retraining is off, and the audit says so).
/// </summary>
[Collection("emulator")]
public sealed class AwsDriftSignalTests(EmulatorFixture emulator)
{
    [Fact]
    public async Task AnAlarmOnTheDefaultBus_BecomesADriftReport_AndReachesTheRetrainingPolicy()
    {
        emulator.RequireLocal();
        await using var api = await ApiHost.StartAsync(emulator);
        using var alice = await api.As("alice", "ml-engineers");
        var model = emulator.UniqueName("alarm");
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/v1/models",
            new StringContent($$"""{"name":"{{model}}","project":"payments"}""", Encoding.UTF8, "application/json"))).StatusCode);
        var detail = $$"""
            {"alarmName":"{{model}}-amount-drift","state":{"value":"ALARM","reason":"Threshold Crossed: 1 datapoint [0.41] was greater than the threshold (0.25)."},
             "configuration":{"metrics":[{"id":"m1","metricStat":{"metric":{"namespace":"aws/sagemaker/Endpoints/data-metrics","name":"feature_baseline_drift_amount",
               "dimensions":{"Endpoint":"{{model}}-prod","MonitoringSchedule":"m"} },"period":3600,"stat":"Maximum"} }]} }
            """;
        using var events = new EventBridgeClient(emulator.ClientOptions());

        await events.PutEventsAsync([new PutEventsEntry("aws.cloudwatch", "CloudWatch Alarm State Change", detail)]);

        var reports = await Poll.UntilAsync(() => alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/drift-reports"),
            r => r.GetProperty("items").GetArrayLength() > 0, attempts: 100, delayMilliseconds: 100);
        var report = reports.GetProperty("items")[0];
        Assert.Equal(("aws.cloudwatch", "prod", true), (report.GetProperty("source").GetString(), report.GetProperty("environment").GetString(),
            report.GetProperty("drifted").GetBoolean()));
        Assert.Equal($"{model}-amount-drift", report.GetProperty("signal").GetProperty("reference").GetString());
        Assert.Equal(["amount"], report.GetProperty("driftedFeatures").EnumerateArray().Select(f => f.GetString()!).ToArray());
        var id = report.GetProperty("id").GetString()!;
        var run = await Poll.UntilAsync(async () =>
        {
            var response = await alice.GetAsync($"/v1/models/{model}/drift-reports/{id}/retrain");
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
        }, r => r.ValueKind == JsonValueKind.Object, attempts: 200, delayMilliseconds: 100);
        Assert.Equal(("Skipped", $"Retraining is off for {model}."), (run.GetProperty("status").GetString(), run.GetProperty("reason").GetString()));
    }
}
