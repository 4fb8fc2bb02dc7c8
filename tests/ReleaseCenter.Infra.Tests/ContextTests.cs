namespace ReleaseCenter.Infra.Tests;

/// <summary>What `cdk synth` says when context is missing or wrong: each message names the key and the fix.</summary>
public sealed class ContextTests
{
    [Fact]
    public void Synth_WithoutJwtIssuer_FailsNamingTheContextKey()
    {
        var error = SynthFails(c => c.Remove("jwtIssuer"));

        Assert.Contains("Missing context 'jwtIssuer'", error.Message, StringComparison.Ordinal);
        Assert.Contains("-c jwtIssuer=", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_WithoutJwtAudience_FailsNamingTheContextKey()
    {
        var error = SynthFails(c => c["jwtAudience"] = " , ");

        Assert.Contains("Missing context 'jwtAudience'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_WithPlainHttpIssuer_FailsBecauseApiGatewayNeedsHttps()
    {
        var error = SynthFails(c => c["jwtIssuer"] = "http://issuer.test.invalid");

        Assert.Contains("https://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_WithoutApiAssetPath_FailsSayingHowToPublishTheApi()
    {
        var error = SynthFails(c => c.Remove("apiAssetPath"));

        Assert.Contains("Missing context 'apiAssetPath'", error.Message, StringComparison.Ordinal);
        AssertSaysHowToPublish(error);
    }

    [Fact]
    public void Synth_WithUnpublishedApiBundle_FailsSayingHowToPublishTheApi()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"release-center-no-bundle-{Guid.NewGuid():N}");

        var error = SynthFails(c => c["apiAssetPath"] = missing);

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        AssertSaysHowToPublish(error);
    }

    [Fact]
    public void Synth_WithStageUnfitForResourceNames_Fails()
    {
        var error = SynthFails(c => c["stage"] = "Prod_EU");

        Assert.Contains("Context 'stage' is 'Prod_EU'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackProps_WithoutStageOrVersion_UseDevAndTheDefaultVersion()
    {
        var context = SynthesizedStackFixture.CdkJsonContext();
        context.Remove("stage");
        context.Remove("version");

        using var scratch = new ScratchApp(context);
        var props = ReleaseCenterStackProps.FromContext(scratch.App);

        Assert.Equal("dev", props.Stage);
        Assert.Equal("0.1.0", props.Version);
    }

    private static void AssertSaysHowToPublish(InvalidOperationException error)
    {
        Assert.Contains(ReleaseCenterStackProps.ApiAssetHint, error.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet publish ", ReleaseCenterStackProps.ApiAssetHint, StringComparison.Ordinal);
        Assert.Contains("-r linux-arm64 -o artifacts/api", ReleaseCenterStackProps.ApiAssetHint, StringComparison.Ordinal);
    }

    private static InvalidOperationException SynthFails(Action<Dictionary<string, object>> change)
    {
        var context = SynthesizedStackFixture.CdkJsonContext();
        change(context);
        using var scratch = new ScratchApp(context);

        return Assert.Throws<InvalidOperationException>(() => ReleaseCenterApp.AddStacks(scratch.App));
    }
}
