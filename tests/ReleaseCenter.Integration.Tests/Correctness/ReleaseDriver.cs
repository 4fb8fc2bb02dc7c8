using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Clients;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Drives releases through the real API of one <see cref="ApiHost"/> as people would (alice
/// requests, sam and pat/quinn approve) and reads back what the record and SageMaker say.
/// </summary>
public sealed class ReleaseDriver(EmulatorFixture emulator, ApiHost api, HttpClient alice)
{
    public const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public ApiHost Api => api;

    public HttpClient Alice => alice;

    public IWorkflowStore Workflow => api.App.Services.GetRequiredService<IWorkflowStore>();

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<ReleaseDriver> StartAsync(EmulatorFixture emulator, string? environmentsJson = null,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configure = null)
    {
        var api = await ApiHost.StartAsync(emulator, environmentsJson, configure: configure);
        return new ReleaseDriver(emulator, api, await api.As("alice", "ml-engineers"));
    }

    /// <summary>Registers <paramref name="model"/> in project payments with one version per (auc, latency) pair.</summary>
    public async Task<string> RegisterAsync(string model, params (double Auc, double Latency)[] versions)
    {
        var created = await alice.PostAsync("/v1/models", Json($$"""{"name":"{{model}}","project":"payments"}"""));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        for (var i = 0; i < versions.Length; i++)
        {
            var metrics = string.Create(CultureInfo.InvariantCulture, $"\"auc\":{versions[i].Auc},\"latency_p95_ms\":{versions[i].Latency}");
            var body = $$"""
                {"artifactUri":"s3://models/{{model}}/{{i + 1}}.tar.gz","artifactDigest":"{{Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
                 "metrics":{ {{metrics}} } }
                """;
            var response = await alice.PostAsync($"/v1/models/{model}/versions", Json(body));
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }
        return model;
    }

    public async Task<string> ReleaseAsync(string model, int version, string environments)
    {
        var response = await alice.PostAsync("/v1/releases", Json($$"""{"model":"{{model}}","version":{{version}},"environments":{{environments}}}"""));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Releases straight to prod, approved by pat and quinn (approvers-prod), and waits until it is Released: its id.</summary>
    public async Task<string> ReleaseToProdAsync(string model, int version)
    {
        var id = await ReleaseAsync(model, version, """["prod"]""");
        await WaitAsync(id, StageStatus("prod", "AwaitingApproval"));
        await ApproveAsync(id, "pat", "approvers-prod");
        await ApproveAsync(id, "quinn", "approvers-prod");
        await WaitAsync(id, Status("Released"), seconds: 90);
        return id;
    }

    public Task<JsonElement> GetAsync(string id) => alice.GetFromJsonAsync<JsonElement>($"/v1/releases/{id}");

    /// <summary>Polls the release until <paramref name="done"/> holds, with a deadline.</summary>
    public async Task<JsonElement> WaitAsync(string id, Func<JsonElement, bool> done, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        JsonElement release;
        do
        {
            release = await GetAsync(id);
            if (done(release))
            {
                return release;
            }
            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"Release {id} did not get there in {seconds} s: {release}");
        return release;
    }

    public static Func<JsonElement, bool> Status(string status) => r => r.GetProperty("status").GetString() == status;

    public static Func<JsonElement, bool> StageStatus(string environment, string status) => r => StageOf(r, environment).GetProperty("status").GetString() == status;

    public static JsonElement StageOf(JsonElement release, string environment) =>
        release.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("environment").GetString() == environment);

    public async Task<HttpResponseMessage> VoteAsync(string id, string user, string group, string decision = "approve")
    {
        using var approver = await api.As(user, group);
        return await approver.PostAsync($"/v1/releases/{id}/approvals", Json($$"""{"decision":"{{decision}}","comment":"by {{user}}"}"""));
    }

    public async Task ApproveAsync(string id, string user, string group, string decision = "approve")
    {
        var response = await VoteAsync(id, user, group, decision);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the release's execution has ended and returns it.</summary>
    public async Task<DescribeExecutionResponse> EndedExecutionAsync(string id, int seconds = 60)
    {
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        var arn = (await GetAsync(id)).GetProperty("executionArn").GetString()!;
        return await Poll.UntilAsync(() => sfn.DescribeExecutionAsync(arn), e => e.Status != ExecutionStatus.Running, attempts: seconds * 10, delayMilliseconds: 100);
    }

    public async Task<IReadOnlyList<HistoryEvent>> HistoryAsync(string id)
    {
        using var sfn = new StepFunctionsClient(emulator.ClientOptions());
        var arn = (await GetAsync(id)).GetProperty("executionArn").GetString()!;
        return (await sfn.GetExecutionHistoryAsync(new GetExecutionHistoryRequest(arn))).Events ?? [];
    }

    public async Task<IReadOnlyList<string>> StatesEnteredAsync(string id) =>
        (await HistoryAsync(id)).Where(e => e.StateEnteredEventDetails is not null).Select(e => e.StateEnteredEventDetails!.Name).ToArray();

    public async Task<DescribeEndpointResponse?> EndpointAsync(string model, string environment)
    {
        using var sageMaker = new SageMakerClient(emulator.ClientOptions());
        return await sageMaker.FindEndpointAsync(SageMakerNames.Endpoint(model, environment), CancellationToken.None);
    }

    /// <summary>The endpoint config the endpoint serves once no deployment is in progress.</summary>
    public async Task<string?> ServedConfigAsync(string model, string environment)
    {
        var endpoint = await Poll.UntilAsync(() => EndpointAsync(model, environment), e => e is null || e.EndpointStatus != EndpointStatus.Updating, attempts: 300, delayMilliseconds: 100);
        return endpoint?.EndpointConfigName;
    }

    /// <summary>What the record says is live, as its endpoint config (null when nothing is).</summary>
    public async Task<string?> RecordedConfigAsync(string model, string environment) =>
        (await Workflow.GetLiveAsync(environment, model, CancellationToken.None))?.EndpointConfigName;
}
