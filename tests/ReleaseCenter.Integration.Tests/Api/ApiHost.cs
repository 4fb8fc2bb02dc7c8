using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Api;

/// <summary>
/// The real API host (the one the run command starts) on a free loopback port, over the shared
/// emulator, with its own table. Tests talk to it over HTTP like any client.
/// </summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, HttpClient client, string tableName, AmazonDynamoDBClient dynamo)
    {
        _app = app;
        Client = client;
        TableName = tableName;
        Dynamo = dynamo;
    }

    public HttpClient Client { get; }

    public string TableName { get; }

    public AmazonDynamoDBClient Dynamo { get; }

    public WebApplication App => _app;

    public string Stage { get; private init; } = "";

    private TableAccessRecorder _access = null!;

    /// <param name="workflows">False: no task function answers this host's state machines, so an execution fails at its first step.</param>
    public static async Task<ApiHost> StartAsync(EmulatorFixture emulator, string? environmentsJson = null, bool workflows = true,
        Action<IServiceCollection>? configure = null)
    {
        var stage = emulator.UniqueName("t");
        var app = await LocalHost.BuildAsync(emulator.ServiceUrl, workflows ? emulator.Local?.Functions : null, 0, stage, CancellationToken.None, environmentsJson,
            emulator.Local?.Faults, configure: configure);
        // Every DynamoDB request the host's functions make is checked against what their IAM grant allows (TableAccess).
        var access = new TableAccessRecorder();
        access.Attach((AmazonDynamoDBClient)app.Services.GetRequiredService<IAmazonDynamoDB>());
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ApiHost(app, new HttpClient { BaseAddress = new Uri(url) }, new ResourceNames(stage).TableName,
            LocalAws.CreateDynamoDbClient(emulator.ServiceUrl)) { Stage = stage, _access = access };
    }

    /// <summary>A client carrying a development token for <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public async Task<HttpClient> As(string user, params string[] groups)
    {
        var response = await Client.GetFromJsonAsync<JsonElement>($"/v1/local/token?user={user}&groups={string.Join(',', groups)}");
        var client = new HttpClient { BaseAddress = Client.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", response.GetProperty("token").GetString());
        return client;
    }

    /// <summary>
    /// Every item in the table, for before/after comparisons (tests only; the product never scans). Taken once the relay
    /// has published every pending event and every export job handed to the host has ended, so that neither the relay's
    /// marking events sent nor a job's status is mistaken for a change between two snapshots.
    /// </summary>
    public async Task<IReadOnlyList<string>> SnapshotAsync()
    {
        var outbox = App.Services.GetRequiredService<ReleaseCenter.Aws.Store.DynamoOutbox>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var exports = App.Services.GetRequiredService<ReleaseCenter.Local.LocalExportRunner>();
        // Quiet twice in a row: a workflow step in the background (a release moving on, a reminder) may write an event
        // between the relay's last pass and the scan, which the relay then publishes and deletes before the next snapshot.
        IReadOnlyList<string>? previous = null;
        while (true)
        {
            while ((await outbox.ListPendingAsync(DateTimeOffset.UtcNow.AddMinutes(1), 1, CancellationToken.None)).Count > 0 || exports.Busy)
            {
                Assert.True(DateTime.UtcNow < deadline, "the outbox relay left events pending, or an export job ran, for 30 s");
                await Task.Delay(50);
            }
            var scan = await ScanAsync();
            if (previous is not null && previous.SequenceEqual(scan, StringComparer.Ordinal))
            {
                return scan;
            }
            Assert.True(DateTime.UtcNow < deadline, "the table kept changing for 30 s");
            previous = scan;
        }
    }

    /// <summary>Every item in the table now, sorted, without waiting for the relay (see <see cref="SnapshotAsync"/>).</summary>
    public async Task<IReadOnlyList<string>> ScanAsync()
    {
        var items = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Dynamo.ScanAsync(new ScanRequest { TableName = TableName, ExclusiveStartKey = start });
            items.AddRange((page.Items ?? []).Select(i => string.Join("|", i.OrderBy(a => a.Key).Select(a => $"{a.Key}={a.Value.S ?? a.Value.N}"))));
            start = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);
        items.Sort(StringComparer.Ordinal);
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Dynamo.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Assert.True(_access.Violations.Count == 0,
            "A function touched items its IAM grant (TableAccess, a dynamodb:LeadingKeys condition) does not allow:\n" + string.Join("\n", _access.Violations));
    }
}
