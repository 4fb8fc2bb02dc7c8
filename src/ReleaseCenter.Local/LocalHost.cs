using Amazon.DynamoDBv2;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ReleaseCenter.Api;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Local;

/// <summary>
/// Provisions the emulated resources and builds the API host over them. Used by the run
/// command and by the tests, so both exercise the same wiring.
/// </summary>
public static class LocalHost
{
    public const string DefaultStage = "local";

    /// <param name="awsServiceUrl">The emulated AWS endpoint (ours over moto, or LocalStack).</param>
    public static async Task<WebApplication> BuildAsync(string awsServiceUrl, int port, string stage, CancellationToken ct)
    {
        var names = new ResourceNames(stage);
        var dynamo = LocalAws.CreateDynamoDbClient(awsServiceUrl);
        await TableProvisioner.EnsureTableAsync(dynamo, names.TableName, ct).ConfigureAwait(false);
        using (var events = new EventBridgeClient(LocalAws.ClientOptions(awsServiceUrl)))
        {
            await EventBusProvisioner.EnsureAsync(events, names, LocalAws.AccountId, ct).ConfigureAwait(false);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = JsonBody.MaxBytes);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        var tokens = new DevTokens(TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<IAmazonDynamoDB>(dynamo);
        builder.Services.AddSingleton<IRegistryStore>(sp => new DynamoRegistryStore(sp.GetRequiredService<IAmazonDynamoDB>(), names.TableName));
        builder.Services.AddReleaseCenterApi(tokens.AuthOptions);

        var app = builder.Build();
        app.UseReleaseCenterApi();
        app.MapLocalApi(new LocalInfoDto(awsServiceUrl, LocalAws.Region, names.TableName, names.EventBusName,
            new Dictionary<string, string>()));
        return app;
    }
}
