using System.Text.Json.Nodes;

namespace ReleaseCenter.Infra.Tests;

/// <summary>What `cdk synth` says when context is missing or wrong: each message names the key and the fix.</summary>
public sealed class ContextTests
{
    [Fact]
    public void StackProps_WithoutJwtIssuer_TrustTheStacksOwnUserPool()
    {
        var props = PropsFrom(c => c.Remove("jwtIssuer"));

        Assert.Null(props.JwtIssuer);
    }

    [Fact]
    public void StackProps_WithJwtIssuer_TrustThatIssuerWithItsAudiences()
    {
        var props = PropsFrom(c =>
        {
            c["jwtIssuer"] = "https://login.test.invalid/realms/rc";
            c["jwtAudience"] = "release-center, release-center-cli";
        });

        Assert.Equal("https://login.test.invalid/realms/rc", props.JwtIssuer);
        Assert.Equal(["release-center", "release-center-cli"], props.JwtAudiences);
    }

    [Fact]
    public void Synth_WithJwtIssuerButNoAudience_FailsNamingTheContextKey()
    {
        var error = SynthFails(c =>
        {
            c["jwtIssuer"] = "https://login.test.invalid/realms/rc";
            c["jwtAudience"] = " , ";
        });

        Assert.Contains("Missing context 'jwtAudience'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Synth_WithPlainHttpIssuer_FailsBecauseApiGatewayNeedsHttps()
    {
        var error = SynthFails(c => c["jwtIssuer"] = "http://issuer.test.invalid");

        Assert.Contains("https://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackProps_WithoutLambdaAssetPath_UseArtifactsLambdaUnderTheRepositoryRoot()
    {
        var props = PropsFrom(c => c.Remove("lambdaAssetPath"));

        Assert.Equal(Path.Combine(RepositoryRoot.Find(), "artifacts", "lambda"), props.LambdaAssetPath);
    }

    [Fact]
    public void StackProps_WithRelativeLambdaAssetPath_ResolveItFromTheRepositoryRootNotTheWorkingDirectory()
    {
        var props = PropsFrom(c => c["lambdaAssetPath"] = "elsewhere/bundle");

        Assert.Equal(Path.Combine(RepositoryRoot.Find(), "elsewhere", "bundle"), props.LambdaAssetPath);
    }

    [Fact]
    public void Synth_WithUnpublishedLambdaBundle_FailsSayingHowToPublishTheFunctions()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"release-center-no-bundle-{Guid.NewGuid():N}");

        var error = SynthFails(c => c["lambdaAssetPath"] = missing);

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("'lambdaAssetPath'", error.Message, StringComparison.Ordinal);
        AssertSaysHowToPublish(error);
    }

    [Fact]
    public void Synth_WithLambdaBundleWithoutBootstrap_FailsSayingHowToPublishTheFunctions()
    {
        var empty = Directory.CreateTempSubdirectory("release-center-empty-bundle-");
        try
        {
            var error = SynthFails(c => c["lambdaAssetPath"] = empty.FullName);

            Assert.Contains("no 'bootstrap'", error.Message, StringComparison.Ordinal);
            AssertSaysHowToPublish(error);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    [Fact]
    public void StackProps_WithoutModelArtifactsBucket_UseTheStagesOwnBucketName()
    {
        var props = PropsFrom(c =>
        {
            c.Remove("modelArtifactsBucket");
            c["stage"] = "staging";
        });

        Assert.Equal("release-center-models-staging", props.ModelArtifactsBucket);
    }

    [Theory]
    [InlineData("s3://models")]
    [InlineData("arn:aws:s3:::models")]
    [InlineData("Models")]
    public void Synth_WithModelArtifactsBucketThatIsNotABucketName_Fails(string bucket)
    {
        var error = SynthFails(c => c["modelArtifactsBucket"] = bucket);

        Assert.Contains($"Context 'modelArtifactsBucket' is '{bucket}'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-rc-")]
    [InlineData("9rc-")]
    [InlineData("rc_dev_")]
    [InlineData("a-prefix-far-too-long-for-names-")]
    public void Synth_WithASageMakerNamePrefixThatCannotStartANameOrScopeAGrant_Fails(string prefix)
    {
        var error = SynthFails(c => c["sageMakerNamePrefix"] = prefix);

        Assert.Contains($"Context 'sageMakerNamePrefix' is '{prefix}': it must", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StackProps_TakeTheSageMakerNamePrefix_DefaultingToTheServicesName()
    {
        Assert.Equal("release-center-", PropsFrom(_ => { }).SageMakerNamePrefix);
        Assert.Equal("rc-dev-", PropsFrom(c => c["sageMakerNamePrefix"] = "rc-dev-").SageMakerNamePrefix);
    }

    [Fact]
    public void StackProps_ReadTheEnvironmentPolicyFromConfigMinified()
    {
        var props = PropsFrom(_ => { });
        var file = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "config", "environments.json"));

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(file), JsonNode.Parse(props.EnvironmentsJson)));
        Assert.DoesNotContain("\n", props.EnvironmentsJson, StringComparison.Ordinal);
        Assert.DoesNotContain(": ", props.EnvironmentsJson, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentPolicy_WhenTheFileIsMissing_FailsNamingIt()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"release-center-no-environments-{Guid.NewGuid():N}.json");

        var error = Assert.Throws<InvalidOperationException>(() => ReleaseCenterStackProps.ReadEnvironmentsJson(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnvironmentPolicy_OverLambdasEnvironmentLimit_FailsSayingSo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"release-center-big-environments-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, $$"""{ "environments": [ { "name": "{{new string('x', 4096)}}" } ] }""");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => ReleaseCenterStackProps.ReadEnvironmentsJson(file));

            Assert.Contains(file, error.Message, StringComparison.Ordinal);
            Assert.Contains("RELEASE_CENTER_ENVIRONMENTS", error.Message, StringComparison.Ordinal);
            Assert.Contains("4096", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void EnvironmentPolicy_ThatIsNotJson_FailsNamingTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"release-center-bad-environments-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, "{ environments: ");
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => ReleaseCenterStackProps.ReadEnvironmentsJson(file));

            Assert.Contains(file, error.Message, StringComparison.Ordinal);
            Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
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
        Assert.Contains(ReleaseCenterStackProps.LambdaAssetHint, error.Message, StringComparison.Ordinal);
        Assert.Contains(
            "`dotnet publish src/ReleaseCenter.Lambda -c Release -r linux-x64 -o artifacts/lambda`",
            ReleaseCenterStackProps.LambdaAssetHint,
            StringComparison.Ordinal);
    }

    private static ReleaseCenterStackProps PropsFrom(Action<Dictionary<string, object>> change)
    {
        var context = SynthesizedStackFixture.CdkJsonContext();
        change(context);
        using var scratch = new ScratchApp(context);
        return ReleaseCenterStackProps.FromContext(scratch.App);
    }

    private static InvalidOperationException SynthFails(Action<Dictionary<string, object>> change)
    {
        var context = SynthesizedStackFixture.CdkJsonContext();
        change(context);
        using var scratch = new ScratchApp(context);

        return Assert.Throws<InvalidOperationException>(() => ReleaseCenterApp.AddStacks(scratch.App));
    }
}
