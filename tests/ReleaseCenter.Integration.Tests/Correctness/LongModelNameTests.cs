using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 1 (issue 10): SageMaker names were cut to 63 characters, which cut the release-unique
/// suffix, and "already exists" counted as success, so a second release could be recorded live
/// while the first one's config served. Endpoint names were never shortened.
/// </summary>
[Collection("emulator")]
public sealed class LongModelNameTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ReleaseDriver _driver = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        _driver = await ReleaseDriver.StartAsync(emulator);
    }

    public async Task DisposeAsync() => await _driver.Api.DisposeAsync();

    [Fact]
    public async Task SixtyCharacterModel_TwoReleases_DeployDistinctConfigs_AndTheRecordMatchesTheEndpoint()
    {
        var model = emulator.UniqueName("long").PadRight(60, 'x');
        Assert.Equal(60, model.Length);
        await _driver.RegisterAsync(model, (0.93, 80), (0.94, 79));

        var first = await _driver.ReleaseAsync(model, 1, """["dev"]""");
        var firstRelease = await _driver.WaitAsync(first, ReleaseDriver.Status("Released"));
        var second = await _driver.ReleaseAsync(model, 2, """["dev"]""");
        var secondRelease = await _driver.WaitAsync(second, ReleaseDriver.Status("Released"));

        var firstConfig = ConfigOf(firstRelease);
        var secondConfig = ConfigOf(secondRelease);
        Assert.NotEqual(firstConfig, secondConfig);
        var endpointName = ReleaseDriver.StageOf(secondRelease, "dev").GetProperty("deployment").GetProperty("endpointName").GetString()!;
        Assert.True(SageMakerNames.IsValid(endpointName), endpointName);
        Assert.True(SageMakerNames.IsValid(secondConfig), secondConfig);
        Assert.Equal(secondConfig, await _driver.ServedConfigAsync(model, "dev"));
        Assert.Equal(secondConfig, await _driver.RecordedConfigAsync(model, "dev"));
    }

    [Theory]
    [InlineData("-leading-hyphen")]
    [InlineData("trailing-hyphen-")]
    public async Task ModelName_ThatCannotNameAnEndpoint_IsRefusedAtRegistration(string name)
    {
        var before = await _driver.Api.SnapshotAsync();

        var response = await _driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{name}}","project":"payments"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("letter or digit", problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await _driver.Api.SnapshotAsync());
    }

    private static string ConfigOf(JsonElement release) =>
        ReleaseDriver.StageOf(release, "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString()!;
}
