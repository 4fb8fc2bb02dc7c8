using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ReleaseCenter.Local;

/// <summary>
/// The demo story, told through the HTTP API like any client would. A model with four versions:
/// v1 and v2 are released through dev, staging and prod one after the other (with approvals from
/// demo users; prod shifts traffic as a canary), so prod has something to roll back to; v3 is
/// rejected by the evaluation gate because its auc regressed; v4 passes the gates, but the local
/// SageMaker stand-in fails its prod verification, so it rolls back automatically and v2 stays
/// live. A consumer of the prod endpoint is registered, so that a rollback preview names it.
/// Then drift: a report whose "amount" feature moved starts the governed retraining loop (the
/// local stand-in pipeline trains v5, which is registered with lineage and released; the release
/// waits for a staging approver), and a second report inside the cooldown starts nothing.
/// </summary>
public sealed class Demo(Uri api, TextWriter output)
{
    public const string Model = "fraud-detector";
    private const string Digest1 = "sha256:5f1d7a9e2c4b6a8d0e3f5a7c9b1d3e5f7a9c1b3d5e7f9a1c3b5d7e9f1a3c5b7d";
    private const string Digest2 = "sha256:7b2e4c6a8d0f1e3a5c7b9d1f3e5a7c9b1d3f5e7a9c1b3d5f7e9a1c3b5d7f9e1a";
    private const string Digest3 = "sha256:9c3f5e7a1b3d5f7e9a1c3b5d7f9e1a3c5b7d9f1e3a5c7b9d1f3e5a7c9b1d3f5e";
    private const string Digest4 = "sha256:1d4a6c8e0f2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f";
    private const string Image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

    /// <summary>Runs the story; true when v1 and v2 are Released, v3 is Rejected by the gate, v4 is RolledBack and v2 is live in prod.</summary>
    public async Task<bool> RunAsync(CancellationToken ct)
    {
        using var alice = await ClientAsync("alice", "ml-engineers", ct).ConfigureAwait(false);
        Say("Registering model fraud-detector with four versions (as alice, ml-engineers)");
        var model = await alice.PostAsync("/v1/models", Json($$"""{"name":"{{Model}}","project":"payments","description":"Card fraud scoring"}"""), ct).ConfigureAwait(false);
        if (model.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            Say("fraud-detector exists already: this stack has run the demo before; releasing again");
        }
        else
        {
            await EnsureAsync(model, ct).ConfigureAwait(false);
            foreach (var (n, digest, auc, latency) in new[] { (1, Digest1, 0.931, 82.0), (2, Digest2, 0.944, 88.0), (3, Digest3, 0.905, 80.0), (4, Digest4, 0.952, 79.0) })
            {
                await EnsureAsync(await alice.PostAsync($"/v1/models/{Model}/versions", Json(VersionBody(n, digest, auc, latency)), ct).ConfigureAwait(false), ct)
                    .ConfigureAwait(false);
            }
            Say("  v1: auc 0.931, p95 82 ms   v2: auc 0.944, p95 88 ms   v3: auc 0.905, p95 80 ms   v4: auc 0.952, p95 79 ms");
            await EnsureAsync(await alice.PostAsync("/v1/environments/prod/consumers",
                Json($$"""{"model":"{{Model}}","name":"checkout-service","contact":"#payments-oncall","description":"Scores every card payment before authorisation"}"""), ct)
                .ConfigureAwait(false), ct).ConfigureAwait(false);
            Say("  checkout-service is registered as a consumer of the prod endpoint");
        }

        var first = await ReleaseAndDriveAsync(alice, 1, ct).ConfigureAwait(false);
        var second = await ReleaseAndDriveAsync(alice, 2, ct).ConfigureAwait(false);
        Say("");
        Say("v3's auc fell 0.039 below what is live: the evaluation gate should reject it");
        var third = await ReleaseAndDriveAsync(alice, 3, ct).ConfigureAwait(false);

        Say("");
        Say("Telling the local SageMaker stand-in to fail prod verification of v4 (error rate above threshold)");
        await EnsureAsync(await alice.PostAsync("/v1/local/faults/verification",
            Json($$"""{"environment":"prod","model":"{{Model}}","version":4,"reason":"5xx error rate 7.5% above the 1% limit during bake"}"""), ct).ConfigureAwait(false), ct)
            .ConfigureAwait(false);
        var fourth = await ReleaseAndDriveAsync(alice, 4, ct).ConfigureAwait(false);

        var retrained = await DriftAsync(alice, ct).ConfigureAwait(false);

        Say("");
        Say("Final status");
        foreach (var (id, release) in new[] { first, second, third, fourth })
        {
            var stages = string.Join(", ", release.GetProperty("stages").EnumerateArray()
                .Select(s => $"{s.GetProperty("environment").GetString()} {s.GetProperty("status").GetString()}"));
            Say($"  {id}  {Model} v{release.GetProperty("version").GetInt32()}  {release.GetProperty("status").GetString()}  ({stages})");
        }
        var environments = await alice.GetFromJsonAsync<JsonElement>($"/v1/environments?model={Model}", ct).ConfigureAwait(false);
        var prod = environments.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "prod");
        var livePosition = prod.GetProperty("liveRelease").GetString();
        var ok = Status(first) == "Released" && Status(second) == "Released" && Status(third) == "Rejected" && Status(fourth) == "RolledBack"
            && livePosition == second.Id && retrained;
        if (!ok)
        {
            Say("  The demo did not end as expected.");
            return false;
        }
        Say($"  prod serves v2 ({second.Id}): v4 failed verification and rolled back to it; v1 ({first.Id}) was live before v2.");
        Say("");
        Say($"Try it (a token: curl -s '{api.ToString().TrimEnd('/')}/v1/local/token?user=alice&groups=ml-engineers')");
        Say($"  the metric-aware diff of v2 against v1:  GET  /v1/releases/{second.Id}/diff?against={first.Id}");
        Say("  what a prod rollback would do:            POST /v1/environments/prod/rollback/preview  {}");
        Say("  roll prod back to v1:                     POST /v1/environments/prod/rollback  {\"reason\":\"...\"}");
        Say("  ...which one approver from approvers-prod, not the requester, approves:  POST /v1/rollbacks/<id>/approvals  {\"decision\":\"approve\"}");
        Say("  what was live in prod at a time:          GET  /v1/environments/prod/history?at=<ISO-8601 time>");
        Say("  delivery metrics:                         GET  /v1/metrics/delivery");
        Say($"  the drift reports and their retraining:   GET  /v1/models/{Model}/drift-reports, .../drift-reports/<id>/retrain");
        return true;
    }

    private static string? Status((string Id, JsonElement Release) r) => r.Release.GetProperty("status").GetString();

    /// <summary>Drift closes the loop: a retrain under the model's policy, then a second report that the cooldown stops.</summary>
    /// <summary>The model's training pipeline: under the service's prefix, the only pipelines it may start.</summary>
    private const string Pipeline = "release-center-" + Model + "-training";

    private async Task<bool> DriftAsync(HttpClient alice, CancellationToken ct)
    {
        Say("");
        Say("Drift: fraud-detector's training pipeline (a local stand-in that trains for 2 s) and its retraining policy");
        using var lena = await ClientAsync("lena", "release-admins", ct).ConfigureAwait(false);
        await EnsureAsync(await lena.PutAsync($"/v1/local/pipelines/{Pipeline}", Json($$"""
            {"modelPackageGroupName":"{{Model}}","image":"{{Image}}","durationSeconds":2,"metrics":{"auc":0.947,"latency_p95_ms":84} }
            """), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        await EnsureAsync(await lena.PutAsync($"/v1/models/{Model}/retraining-policy", Json($$"""
            {"enabled":true,"pipelineName":"{{Pipeline}}","cooldownSeconds":21600,"maxPerDay":2,"openRelease":true}
            """), ct).ConfigureAwait(false), ct).ConfigureAwait(false);
        Say($"  retraining on (set by lena, release-admins): pipeline {Pipeline}, cooldown 6 h, at most 2 a day, open a release for the candidate");

        var first = await PostDriftAsync(alice, ct).ConfigureAwait(false);
        var run = await RetrainRunAsync(alice, first, ct).ConfigureAwait(false);
        if (run.GetProperty("status").GetString() != "ReleaseOpened")
        {
            Say($"  retraining ended {run.GetProperty("status").GetString()}: {run}");
            return false;
        }
        Say($"  {Clock()}  retrain execution {first}: pipeline {run.GetProperty("pipelineExecutionArn").GetString()} trained v{run.GetProperty("version").GetInt32()}");
        var releaseId = run.GetProperty("releaseId").GetString()!;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        JsonElement release;
        do
        {
            release = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{releaseId}", ct).ConfigureAwait(false);
            await Task.Delay(250, ct).ConfigureAwait(false);
        }
        while (release.GetProperty("status").GetString() is "Pending" or "Evaluating" or "Deploying" or "Verifying" && DateTime.UtcNow < deadline);
        Say($"  {Clock()}  release {releaseId} of v{release.GetProperty("version").GetInt32()} is {release.GetProperty("status").GetString()} (same gates and approvals as any release)");

        var second = await PostDriftAsync(alice, ct).ConfigureAwait(false);
        var skipped = await RetrainRunAsync(alice, second, ct).ConfigureAwait(false);
        Say($"  {Clock()}  second report {second}: {skipped.GetProperty("status").GetString()}. {skipped.GetProperty("reason").GetString()}");
        return release.GetProperty("status").GetString() == "AwaitingApproval" && skipped.GetProperty("status").GetString() == "Skipped";
    }

    private async Task<string> PostDriftAsync(HttpClient alice, CancellationToken ct)
    {
        var response = await alice.PostAsync($"/v1/models/{Model}/drift-reports", Json("""
            {"environment":"prod","features":[
              {"feature":"amount","baseline":{"bins":[250,250,250,250]},"current":{"bins":[100,150,300,450]}},
              {"feature":"merchant_age","baseline":{"bins":[10,20,30,40]},"current":{"bins":[11,19,31,39]}}]}
            """), ct).ConfigureAwait(false);
        await EnsureAsync(response, ct).ConfigureAwait(false);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
        var amount = report.GetProperty("evaluation").GetProperty("features")[0];
        Say($"  {Clock()}  drift report {report.GetProperty("id").GetString()}: amount PSI {amount.GetProperty("psi").GetDouble():0.###} ({amount.GetProperty("verdict").GetString()})");
        return report.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> RetrainRunAsync(HttpClient alice, string reportId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var response = await alice.GetAsync($"/v1/models/{Model}/drift-reports/{reportId}/retrain", ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var run = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
                if (run.GetProperty("status").GetString() is "ReleaseOpened" or "Skipped" or "Failed")
                {
                    return run;
                }
            }
            await Task.Delay(250, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"The retraining of drift report {reportId} did not end within 2 minutes.");
    }

    private async Task<(string Id, JsonElement Release)> ReleaseAndDriveAsync(HttpClient alice, int version, CancellationToken ct)
    {
        Say("");
        Say($"Requesting a release of {Model} v{version} to dev -> staging -> prod");
        var response = await alice.PostAsync("/v1/releases", Json($$"""{"model":"{{Model}}","version":{{version}},"notes":"demo release of v{{version}}"}"""), ct)
            .ConfigureAwait(false);
        await EnsureAsync(response, ct).ConfigureAwait(false);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false)).GetProperty("id").GetString()!;
        Say($"  release {id}, Step Functions execution named {id}");

        var printed = new HashSet<string>(StringComparer.Ordinal);
        var approvers = new Dictionary<string, (string User, string Group)[]>(StringComparer.Ordinal)
        {
            ["staging"] = [("sam", "approvers-staging")],
            ["prod"] = [("pat", "approvers-prod"), ("quinn", "approvers-prod")],
        };
        var approved = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            await PrintNewHistoryAsync(alice, id, printed, ct).ConfigureAwait(false);
            var release = await alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}", ct).ConfigureAwait(false);
            var status = release.GetProperty("status").GetString();
            if (status is "Released" or "Rejected" or "Expired" or "RolledBack" or "Failed" or "Cancelled")
            {
                await PrintNewHistoryAsync(alice, id, printed, ct).ConfigureAwait(false);
                return (id, release);
            }
            foreach (var stage in release.GetProperty("stages").EnumerateArray())
            {
                var env = stage.GetProperty("environment").GetString()!;
                if (stage.GetProperty("status").GetString() == "AwaitingApproval" && approved.Add(env))
                {
                    foreach (var (user, group) in approvers[env])
                    {
                        using var reviewer = await ClientAsync(user, group, ct).ConfigureAwait(false);
                        var vote = await reviewer.PostAsync($"/v1/releases/{id}/approvals", Json($$"""{"decision":"approve","comment":"metrics and bundle reviewed"}"""), ct)
                            .ConfigureAwait(false);
                        await EnsureAsync(vote, ct).ConfigureAwait(false);
                        var state = await vote.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
                        Say($"  {Clock()}  {env,-8} {user} ({group}) approves; {state.GetProperty("remaining").GetInt32()} more needed");
                    }
                }
            }
            await Task.Delay(250, ct).ConfigureAwait(false);
        }
        throw new TimeoutException($"Release {id} did not finish within 3 minutes.");
    }

    private async Task PrintNewHistoryAsync(HttpClient client, string id, HashSet<string> printed, CancellationToken ct)
    {
        var history = await client.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}/history", ct).ConfigureAwait(false);
        foreach (var item in history.GetProperty("items").EnumerateArray())
        {
            var source = item.GetProperty("source").GetString();
            var type = item.GetProperty("type").GetString()!;
            var message = item.GetProperty("message").GetString()!;
            var key = $"{item.GetProperty("at").GetString()}|{type}|{message}";
            if (!printed.Add(key))
            {
                continue;
            }
            var at = item.GetProperty("at").GetDateTimeOffset().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            var env = item.TryGetProperty("environment", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : "";
            if (source == "release-center")
            {
                Say($"  {at}  {env,-8} {message}");
            }
            else if (type.EndsWith("StateEntered", StringComparison.Ordinal))
            {
                Say($"  {at}  {"",-8} > {message[(message.IndexOf(':', StringComparison.Ordinal) + 2)..]}");
            }
        }
    }

    private async Task<HttpClient> ClientAsync(string user, string groups, CancellationToken ct)
    {
        var client = new HttpClient { BaseAddress = api };
        var token = await client.GetFromJsonAsync<JsonElement>($"/v1/local/token?user={user}&groups={groups}", ct).ConfigureAwait(false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
        return client;
    }

    private static string VersionBody(int n, string digest, double auc, double latency) => $$$"""
        {"artifactUri":"s3://release-center-models-local/fraud-detector/v{{{n}}}/model.tar.gz","artifactDigest":"{{{digest}}}",
         "framework":"xgboost","image":"{{{Image}}}","trainingRun":"sagemaker-training-job/fraud-{{{n}}}",
         "datasets":[{"name":"train","uri":"s3://release-center-data-local/fraud/train-2026-11.parquet","digest":"{{{Digest1}}}"}],
         "hyperparameters":{"max_depth":{{{5 + n}}},"eta":0.1,"objective":"binary:logistic"},
         "metrics":{"auc":{{{auc.ToString(CultureInfo.InvariantCulture)}}},"latency_p95_ms":{{{latency.ToString(CultureInfo.InvariantCulture)}}}},
         "inferenceConfig":{"instanceType":"ml.m5.large","instanceCount":1}}
        """;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: " +
                await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        }
    }

    private static string Clock() => DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private void Say(string line)
    {
        lock (output)
        {
            output.WriteLine(line);
        }
    }
}
