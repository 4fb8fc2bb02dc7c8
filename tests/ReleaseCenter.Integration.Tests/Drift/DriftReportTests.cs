using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Drift;

/// <summary>
/// POST /v1/models/{model}/drift-reports on the emulator: statistics under the model's thresholds,
/// stored and audited; drift.detected.v1 on the bus only when drift is found; bad input named by
/// field and changing nothing.
/// </summary>
[Collection("emulator")]
public sealed class DriftReportTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ApiHost _api = null!;
    private HttpClient _alice = null!;
    private string _model = "";

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _alice = await _api.As("alice", "ml-engineers");
        _model = emulator.UniqueName("drift");
        Assert.Equal(HttpStatusCode.Created, (await _alice.PostAsync("/v1/models", Json($$"""{"name":"{{_model}}","project":"payments"}"""))).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    // amount: the population moved to the top bins (PSI ~0.56: drifted); merchant_age: unchanged (PSI 0).
    private const string DriftingReport = """
        {"environment":"prod","features":[
          {"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[100,150,300,450]}},
          {"feature":"merchant_age","baseline":{"bins":[10,20,30,40]},"current":{"bins":[10,20,30,40]}}]}
        """;

    [Fact]
    public async Task ADriftingReport_IsStoredAndAnnounced_AStableOneIsStoredOnly()
    {
        using var sqs = emulator.SqsClient();
        var queueUrl = (await sqs.CreateQueueAsync(emulator.UniqueName("drift"))).QueueUrl;
        var queueArn = (await sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        using var events = new EventBridgeClient(emulator.ClientOptions());
        var bus = new ResourceNames(_api.Stage).EventBusName;
        await events.PutRuleAsync(new PutRuleRequest("drift") { EventBusName = bus, EventPattern = """{"detail-type":["drift.detected.v1"]}""" });
        await events.PutTargetsAsync(new PutTargetsRequest("drift", [new RuleTarget("queue", queueArn)]) { EventBusName = bus });

        var stable = await _alice.PostAsync($"/v1/models/{_model}/drift-reports", Json("""
            {"environment":"prod","features":[{"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[240,260,250,250]}}]}
            """));
        var drifting = await _alice.PostAsync($"/v1/models/{_model}/drift-reports", Json(DriftingReport));

        Assert.Equal(HttpStatusCode.Created, stable.StatusCode);
        Assert.False((await stable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("drifted").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, drifting.StatusCode);
        var report = await drifting.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(report.GetProperty("drifted").GetBoolean());
        var amount = report.GetProperty("evaluation").GetProperty("features")[0];
        // PSI = sum (c - b) ln(c / b) over proportions 0.1/0.15/0.3/0.45 against 0.25 each.
        var expected = ((0.10 - 0.25) * Math.Log(0.10 / 0.25)) + ((0.15 - 0.25) * Math.Log(0.15 / 0.25)) + ((0.30 - 0.25) * Math.Log(0.30 / 0.25))
            + ((0.45 - 0.25) * Math.Log(0.45 / 0.25));
        Assert.Equal(expected, amount.GetProperty("psi").GetDouble(), 9);
        Assert.Equal("drifted", amount.GetProperty("verdict").GetString());
        Assert.Equal(["amount"], report.GetProperty("driftedFeatures").EnumerateArray().Select(f => f.GetString()!).ToArray());
        var id = report.GetProperty("id").GetString()!;
        Assert.Equal(id, (await _alice.GetFromJsonAsync<JsonElement>($"/v1/models/{_model}/drift-reports/{id}")).GetProperty("id").GetString());
        Assert.Equal(2, (await _alice.GetFromJsonAsync<JsonElement>($"/v1/models/{_model}/drift-reports")).GetProperty("items").GetArrayLength());

        var messages = new List<Message>();
        for (var i = 0; i < 10 && messages.Count == 0; i++)
        {
            messages.AddRange((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(queueUrl) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages ?? []);
        }
        var detail = JsonDocument.Parse(Assert.Single(messages).Body).RootElement.GetProperty("detail");
        Assert.Equal((id, _model, "prod", "amount", "payments"), (detail.GetProperty("driftReportId").GetString(), detail.GetProperty("model").GetString(),
            detail.GetProperty("environment").GetString(), detail.GetProperty("driftedFeatures").GetString(), detail.GetProperty("project").GetString()));
        var audit = await _alice.GetFromJsonAsync<JsonElement>($"/v1/audit?subject=drift-report/{id}");
        // The retraining policy's answer (off here: retrain.skipped) may already stand beside it.
        Assert.Single(audit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "drift.reported");
    }

    [Fact]
    public async Task TheModelsThresholdsDecide()
    {
        var strict = await _alice.PutAsync($"/v1/models/{_model}/drift-policy", Json("""{"psiWarn":0.0001,"psiAlert":0.0005}"""));
        Assert.Equal(HttpStatusCode.OK, strict.StatusCode);

        var report = await (await _alice.PostAsync($"/v1/models/{_model}/drift-reports", Json("""
            {"environment":"prod","features":[{"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[240,260,250,250]}}]}
            """))).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(report.GetProperty("drifted").GetBoolean()); // PSI 0.0008 is drift under these thresholds, not the defaults
        Assert.Equal(0.0005, report.GetProperty("evaluation").GetProperty("thresholds").GetProperty("psiAlert").GetDouble());
    }

    [Fact]
    public async Task SamplesGetAKolmogorovSmirnovTest()
    {
        // Exact binary fractions: i/256, and the same shifted by 0.25.
        var baseline = string.Join(",", Enumerable.Range(0, 200).Select(i => (i / 256.0).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var shifted = string.Join(",", Enumerable.Range(0, 200).Select(i => (0.25 + (i / 256.0)).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

        var report = await (await _alice.PostAsync($"/v1/models/{_model}/drift-reports",
            Json("""{"environment":"staging","features":[{"feature":"score","baseline":{"samples":[BASE]},"current":{"samples":[CURRENT]}}]}"""
                .Replace("BASE", baseline, StringComparison.Ordinal).Replace("CURRENT", shifted, StringComparison.Ordinal)))).Content
            .ReadFromJsonAsync<JsonElement>();

        var score = report.GetProperty("evaluation").GetProperty("features")[0];
        Assert.Equal(0.32, score.GetProperty("ksStatistic").GetDouble(), 9); // at 0.25: 65 of 200 baseline values, 1 of 200 current ones
        Assert.True(score.GetProperty("ksPValue").GetDouble() < 1e-6);
        Assert.True(report.GetProperty("drifted").GetBoolean());
    }

    [Fact]
    public async Task BadReports_NameTheFieldAndChangeNothing()
    {
        var before = await _api.SnapshotAsync();
        async Task<string> Post(string body, HttpStatusCode expected)
        {
            var response = await _alice.PostAsync($"/v1/models/{_model}/drift-reports", Json(body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
            return text;
        }

        Assert.Contains("\"environment\"", await Post("""{"features":[{"feature":"a","baseline":{"bins":[1,2]},"current":{"bins":[2,1]}}]}""", HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        Assert.Contains("features[0].current.bins", await Post(
            """{"environment":"prod","features":[{"feature":"a","baseline":{"bins":[1,2,3]},"current":{"bins":[2,1]}}]}""", HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("features[0].baseline", await Post("""{"environment":"prod","features":[{"feature":"a","current":{"bins":[2,1]}}]}""", HttpStatusCode.BadRequest),
            StringComparison.Ordinal);
        Assert.Contains("\"features\"", await Post("""{"environment":"prod","features":[]}""", HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Contains("threshold", await Post("""{"environment":"prod","features":[],"threshold":1}""", HttpStatusCode.BadRequest), StringComparison.Ordinal);
        await Post("""{"environment":"prod","features":[{"feature":"a","baseline":{"bins":[1,2]},"current":{"bins":[2,1]}}]}""".Replace("prod", "qa", StringComparison.Ordinal),
            HttpStatusCode.BadRequest);
        var missing = await _alice.PostAsync("/v1/models/no-such-model/drift-reports", Json(DriftingReport));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("psiAlert", await (await _alice.PutAsync($"/v1/models/{_model}/drift-policy", Json("""{"psiWarn":0.3,"psiAlert":0.2}"""))).Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
        Assert.Equal(before, await _api.SnapshotAsync());
    }
}
