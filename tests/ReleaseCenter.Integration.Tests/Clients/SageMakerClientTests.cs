using System.Net;
using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Integration.Tests.Clients;

[Collection(EmulatorCollections.Alone)]
public sealed class SageMakerClientTests(EmulatorFixture emulator) : IDisposable
{
    private const string Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1.4.0";

    private readonly SageMakerClient _client = new(emulator.ClientOptions());

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Endpoint_FromModelAndConfig_IsInServiceWithItsVariant()
    {
        var config = await CreateConfigAsync("blue");
        var name = emulator.UniqueName("churn");

        var created = await _client.CreateEndpointAsync(new CreateEndpointRequest(name, config)
        {
            Tags = [new ResourceTag("service", "release-center")],
        });
        var endpoint = await Poll.UntilAsync(
            () => _client.DescribeEndpointAsync(name), e => e.EndpointStatus != EndpointStatus.Creating);
        var described = await _client.DescribeEndpointConfigAsync(config);

        Assert.Equal(created.EndpointArn, endpoint.EndpointArn);
        Assert.Equal(EndpointStatus.InService, endpoint.EndpointStatus);
        Assert.Equal(config, endpoint.EndpointConfigName);
        Assert.Null(endpoint.FailureReason);
        Assert.InRange(endpoint.CreationTime, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(endpoint.LastModifiedTime >= endpoint.CreationTime);
        var variant = Assert.Single(described.ProductionVariants);
        Assert.Equal("blue", variant.VariantName);
        Assert.Equal("ml.m5.large", variant.InstanceType);
        Assert.Equal(1, variant.InitialInstanceCount);
        Assert.Equal(1f, variant.InitialVariantWeight);
    }

    [Fact]
    public async Task DeleteEndpoint_ThenDescribe_IsValidationException()
    {
        var name = emulator.UniqueName("churn");
        await _client.CreateEndpointAsync(new CreateEndpointRequest(name, await CreateConfigAsync("blue")));

        await _client.DeleteEndpointAsync(name);
        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.DescribeEndpointAsync(name));

        Assert.Equal(SageMakerErrors.Validation, error.ErrorCode);
    }

    [Fact]
    public async Task DescribeEndpoint_Missing_IsValidationExceptionWithMessage()
    {
        var name = emulator.UniqueName("missing");

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => _client.DescribeEndpointAsync(name));

        // SageMaker names the member "Message", not "message".
        Assert.Equal(SageMakerErrors.Validation, error.ErrorCode);
        Assert.Equal($"Could not find endpoint 'arn:aws:sagemaker:{emulator.Region}:{emulator.AccountId}:endpoint/{name}'.", error.Message);
        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
    }

    // Needs the launcher's UpdateEndpoint patch: plain moto 5.2.1 answers HTTP 500.
    [Fact]
    public async Task UpdateEndpoint_ToGreenConfigWithCanary_SwitchesTheEndpoint()
    {
        var name = emulator.UniqueName("churn");
        await _client.CreateEndpointAsync(new CreateEndpointRequest(name, await CreateConfigAsync("blue")));
        var green = await CreateConfigAsync("green");

        var updated = await _client.UpdateEndpointAsync(CanaryUpdate(name, green));
        var endpoint = await Poll.UntilAsync(
            () => _client.DescribeEndpointAsync(name), e => e.EndpointStatus != EndpointStatus.Updating);

        Assert.Equal(endpoint.EndpointArn, updated.EndpointArn);
        Assert.Equal(EndpointStatus.InService, endpoint.EndpointStatus);
        Assert.Equal(green, endpoint.EndpointConfigName);
        Assert.Equal("green", Assert.Single(endpoint.ProductionVariants!).VariantName);
        var routing = endpoint.LastDeploymentConfig?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration;
        Assert.Equal(TrafficRoutingType.Canary, routing?.Type);
        Assert.Equal(new CapacitySize(CapacitySizeType.CapacityPercent, 10), routing?.CanarySize);
        Assert.Equal("churn-5xx", endpoint.LastDeploymentConfig?.AutoRollbackConfiguration?.Alarms.Single().AlarmName);
    }

    [Fact]
    public async Task DefaultOptions_TakeEndpointRegionAndCredentialsFromTheEnvironment()
    {
        // As in Lambda: nothing configured in code. This class's collection runs alone, after the parallel ones, so
        // these variables cannot leak into another test.
        string[] names = ["AWS_ENDPOINT_URL_SAGEMAKER", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
        var saved = names.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        Environment.SetEnvironmentVariable("AWS_ENDPOINT_URL_SAGEMAKER", emulator.ServiceUrl);
        Environment.SetEnvironmentVariable("AWS_REGION", emulator.Region);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "test");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "test");
        try
        {
            using var client = new SageMakerClient();

            var error = await Assert.ThrowsAsync<AmazonServiceException>(() => client.DescribeEndpointAsync(emulator.UniqueName("missing")));

            Assert.Equal(SageMakerErrors.Validation, error.ErrorCode);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private static UpdateEndpointRequest CanaryUpdate(string endpoint, string config) => new(endpoint, config)
    {
        DeploymentConfig = new DeploymentConfig
        {
            BlueGreenUpdatePolicy = new BlueGreenUpdatePolicy(
                new TrafficRoutingConfiguration(TrafficRoutingType.Canary, 300)
                {
                    CanarySize = new CapacitySize(CapacitySizeType.CapacityPercent, 10),
                })
            {
                TerminationWaitInSeconds = 120, MaximumExecutionTimeoutInSeconds = 1800,
            },
            AutoRollbackConfiguration = new AutoRollbackConfiguration([new AlarmReference("churn-5xx")]),
        },
    };

    private async Task<string> CreateConfigAsync(string variant)
    {
        var model = emulator.UniqueName($"churn-{variant}");
        await _client.CreateModelAsync(new CreateModelRequest(model, emulator.RoleArn("sagemaker"), new ContainerDefinition(Image)
        {
            ModelDataUrl = $"s3://release-center-models/churn/{variant}/model.tar.gz",
            Environment = new Dictionary<string, string> { ["RELEASE_ID"] = "r-1" },
        }));
        var config = emulator.UniqueName($"churn-{variant}-config");
        await _client.CreateEndpointConfigAsync(new CreateEndpointConfigRequest(
            config, [new ProductionVariant(variant, model, 1, "ml.m5.large") { InitialVariantWeight = 1 }]));
        return config;
    }
}
