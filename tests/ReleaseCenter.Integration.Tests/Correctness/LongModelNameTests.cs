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
public sealed class LongModelNameTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task SixtyCharacterModel_TwoReleases_DeployDistinctConfigs_AndTheRecordMatchesTheEndpoint()
    {
        var model = Emulator.UniqueName("long").PadRight(60, 'x');
        Assert.Equal(60, model.Length);
        await Driver.RegisterAsync(model, (0.93, 80), (0.94, 79));

        var first = await Driver.ReleaseAsync(model, 1, """["dev"]""");
        var firstRelease = await Driver.WaitAsync(first, ReleaseDriver.Status("Released"));
        var second = await Driver.ReleaseAsync(model, 2, """["dev"]""");
        var secondRelease = await Driver.WaitAsync(second, ReleaseDriver.Status("Released"));

        var firstConfig = ConfigOf(firstRelease);
        var secondConfig = ConfigOf(secondRelease);
        Assert.NotEqual(firstConfig, secondConfig);
        var endpointName = ReleaseDriver.StageOf(secondRelease, "dev").GetProperty("deployment").GetProperty("endpointName").GetString()!;
        Assert.True(SageMakerNames.IsValid(endpointName), endpointName);
        Assert.True(SageMakerNames.IsValid(secondConfig), secondConfig);
        Assert.Equal(secondConfig, await Driver.ServedConfigAsync(model, "dev"));
        Assert.Equal(secondConfig, await Driver.RecordedConfigAsync(model, "dev"));
    }

    [Theory]
    [InlineData("-leading-hyphen")]
    [InlineData("trailing-hyphen-")]
    public async Task ModelName_ThatCannotNameAnEndpoint_IsRefusedAtRegistration(string name)
    {
        var before = await Driver.Api.SnapshotAsync();

        var response = await Driver.Alice.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{name}}","project":"payments"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("letter or digit", problem.GetProperty("errors").GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await Driver.Api.SnapshotAsync());
    }

    private static string ConfigOf(JsonElement release) =>
        ReleaseDriver.StageOf(release, "dev").GetProperty("deployment").GetProperty("endpointConfigName").GetString()!;
}
