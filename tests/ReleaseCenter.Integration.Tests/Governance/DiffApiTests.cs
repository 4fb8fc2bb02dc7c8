using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>GET /v1/releases/{id}/diff: two versions registered through the API, releases seeded in the store directly.</summary>
[Collection("emulator")]
public sealed class DiffApiTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string D1 = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string D2 = "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";
    private static readonly DateTimeOffset T0 = new(2026, 10, 1, 8, 0, 0, TimeSpan.Zero);
    private ApiHost _api = null!;
    private HttpClient _reader = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator);
        _reader = await _api.As("rita");
        using var engineer = await _api.As("alice", "ml-engineers");
        Assert.Equal(HttpStatusCode.Created, (await engineer.PostAsync("/v1/models", Json("""{"name":"fraud","project":"payments"}"""))).StatusCode);
        await AddVersionAsync(engineer, D1, "6", "0.1", """ "auc":0.92,"latency_p95_ms":50 """);
        await AddVersionAsync(engineer, D2, "8", "0.1", """ "auc":0.86,"latency_p95_ms":45,"widgets":3 """);

        var store = _api.App.Services.GetRequiredService<IRegistryStore>();
        for (var v = 1; v <= 2; v++)
        {
            var version = await store.GetVersionAsync("fraud", v, CancellationToken.None);
            var release = Release.Create($"rel-{v}", "fraud", v, ["dev", "staging"], null, "alice", T0.AddDays(v))
                with { Status = ReleaseStatus.Released, Bundle = Bundle.Freeze(version!, "ml.m5.large") };
            await store.CreateReleaseAsync(release, CancellationToken.None);
        }
    }

    public async Task DisposeAsync()
    {
        _reader.Dispose();
        await _api.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task AddVersionAsync(HttpClient engineer, string digest, string depth, string eta, string metrics)
    {
        var response = await engineer.PostAsync("/v1/models/fraud/versions", Json($$"""
            {"artifactUri":"s3://models/fraud/model.tar.gz","artifactDigest":"{{digest}}",
             "datasets":[{"name":"train","uri":"s3://data/train.parquet","digest":"{{digest}}"}],
             "hyperparameters":{"max_depth":{{depth}},"eta":{{eta}}},
             "metrics":{{"{" + metrics + "}"}}
            }
            """));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static JsonElement MetricOf(JsonElement diff, string name) =>
        diff.GetProperty("metrics").EnumerateArray().Single(m => m.GetProperty("metric").GetString() == name);

    [Fact]
    public async Task AgainstARelease_ShowsMetricVerdictsAndBundleChanges()
    {
        var diff = await _reader.GetFromJsonAsync<JsonElement>("/v1/releases/rel-2/diff?against=rel-1");

        Assert.Equal("rel-1", diff.GetProperty("from").GetProperty("release").GetString());
        Assert.Equal(2, diff.GetProperty("to").GetProperty("version").GetInt32());
        Assert.False(diff.GetProperty("identical").GetBoolean());

        var auc = MetricOf(diff, "auc");
        Assert.Equal("regressed beyond tolerance", auc.GetProperty("verdict").GetString());
        Assert.Equal(-0.06, auc.GetProperty("delta").GetDouble(), 9);
        Assert.Equal("HigherIsBetter", auc.GetProperty("direction").GetString());
        var latency = MetricOf(diff, "latency_p95_ms");
        Assert.Equal(("improved", "LowerIsBetter"), (latency.GetProperty("verdict").GetString(), latency.GetProperty("direction").GetString()));
        Assert.Equal(-0.1, latency.GetProperty("relativeDelta").GetDouble(), 9);
        var widgets = MetricOf(diff, "widgets");
        Assert.Equal(("added", "Assumed"), (widgets.GetProperty("verdict").GetString(), widgets.GetProperty("directionSource").GetString()));

        var hp = Assert.Single(diff.GetProperty("hyperparameters").EnumerateArray());
        Assert.Equal(("max_depth", "changed", "6", "8"),
            (hp.GetProperty("name").GetString(), hp.GetProperty("change").GetString(), hp.GetProperty("from").GetString(), hp.GetProperty("to").GetString()));
        Assert.Equal("changed", Assert.Single(diff.GetProperty("datasets").EnumerateArray()).GetProperty("change").GetString());
        Assert.True(diff.GetProperty("artifact").GetProperty("digestChanged").GetBoolean());
        Assert.False(diff.GetProperty("inferenceConfig").GetProperty("changed").GetBoolean());
        Assert.Equal(1, diff.GetProperty("summary").GetProperty("regressed").GetInt32());
    }

    [Fact]
    public async Task AReleaseAgainstItself_IsIdentical()
    {
        var diff = await _reader.GetFromJsonAsync<JsonElement>("/v1/releases/rel-1/diff?against=rel-1");
        Assert.True(diff.GetProperty("identical").GetBoolean());
        Assert.All(diff.GetProperty("metrics").EnumerateArray(), m => Assert.Equal("within tolerance", m.GetProperty("verdict").GetString()));
    }

    [Fact]
    public async Task WithAnEnvironment_UsesItsGate_ForToleranceAndThresholds()
    {
        // staging: auc threshold 0.85, maxRegression 0.02; latency_p95_ms threshold 150, maxRegression 20.
        var diff = await _reader.GetFromJsonAsync<JsonElement>("/v1/releases/rel-2/diff?against=rel-1&environment=staging");
        var auc = MetricOf(diff, "auc");
        Assert.Equal(("regressed beyond tolerance", "gate maxRegression"), (auc.GetProperty("verdict").GetString(), auc.GetProperty("toleranceSource").GetString()));
        Assert.Equal(0.85, auc.GetProperty("threshold").GetDouble());
        Assert.Equal("within tolerance", MetricOf(diff, "latency_p95_ms").GetProperty("verdict").GetString()); // 5 ms better, 20 allowed

        var back = await _reader.GetFromJsonAsync<JsonElement>("/v1/releases/rel-1/diff?against=rel-2&environment=staging");
        Assert.Equal("improved", MetricOf(back, "auc").GetProperty("verdict").GetString());
        Assert.Equal("removed", MetricOf(back, "widgets").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task AgainstLive_ComparesWithWhatIsLiveInTheEnvironment()
    {
        var noneLive = await _reader.GetAsync("/v1/releases/rel-2/diff?against=live&environment=dev");
        Assert.Equal(HttpStatusCode.NotFound, noneLive.StatusCode);

        var workflow = _api.App.Services.GetRequiredService<IWorkflowStore>();
        await workflow.RecordDeploymentAsync(new LiveDeployment("dev", "fraud", "rel-1", 1, "fraud-dev", "fraud-dev-1", T0), CancellationToken.None);

        var diff = await _reader.GetFromJsonAsync<JsonElement>("/v1/releases/rel-2/diff?against=live&environment=dev");
        Assert.Equal("rel-1", diff.GetProperty("from").GetProperty("release").GetString());
        Assert.Equal(("live", "dev"), (diff.GetProperty("against").GetString(), diff.GetProperty("environment").GetString()));
        Assert.Equal("regressed beyond tolerance", MetricOf(diff, "auc").GetProperty("verdict").GetString());
    }

    [Theory]
    [InlineData("/v1/releases/rel-2/diff", "against")]
    [InlineData("/v1/releases/rel-2/diff?against=live", "environment")]
    [InlineData("/v1/releases/rel-2/diff?against=rel-1&environment=moon", "environment")]
    public async Task BadParameters_Are400NamingTheField(string url, string field)
    {
        var response = await _reader.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("/v1/releases/rel-nope/diff?against=rel-1")]
    [InlineData("/v1/releases/rel-2/diff?against=rel-nope")]
    public async Task UnknownReleases_Are404Problems(string url)
    {
        var response = await _reader.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WithoutAToken_Is401()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _api.Client.GetAsync("/v1/releases/rel-2/diff?against=rel-1")).StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheDiffRoute()
    {
        var doc = await _api.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(doc.GetProperty("paths").GetProperty("/v1/releases/{id}/diff").TryGetProperty("get", out _));
    }
}
