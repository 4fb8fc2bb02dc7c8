using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Benchmarks;

/// <summary>
/// The local stack as the run command starts it (the emulator behind our AWS endpoint, the API host, our handlers
/// run by the emulator's state machines), in this process, on free ports, with the repository's own policy.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    private LocalStack(LocalAws aws, WebApplication app, Uri url, ResourceNames names)
    {
        Aws = aws;
        App = app;
        Url = url;
        Names = names;
    }

    public LocalAws Aws { get; }

    public WebApplication App { get; }

    public Uri Url { get; }

    public ResourceNames Names { get; }

    public static async Task<LocalStack> StartAsync(BenchmarkOptions options, string stage, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The scheduled sweeps (reminders, reconciler) run per minute in AWS, not per release: keep them out of the figures.
        Environment.SetEnvironmentVariable("RELEASE_CENTER_REMINDER_SWEEP_SECONDS", "86400");
        var aws = await LocalAws.StartAsync(ct: ct).ConfigureAwait(false);
        try
        {
            var logs = Path.Combine(options.RepoRoot, "artifacts", "benchmarks", $"{stage}.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(logs)!);
            var app = await LocalHost.BuildAsync(aws.ServiceUrl, aws.Functions, 0, stage, ct, faults: aws.Faults, logPath: logs).ConfigureAwait(false);
            await app.StartAsync(ct).ConfigureAwait(false);
            var url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return new LocalStack(aws, app, url, new ResourceNames(stage));
        }
        catch
        {
            await aws.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An API client signed in (development token) as <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public async Task<HttpClient> AsAsync(string user, string groups, CancellationToken ct)
    {
        var client = new HttpClient { BaseAddress = Url };
        var token = await client.GetFromJsonAsync<JsonElement>($"/v1/local/token?user={user}&groups={groups}", ct).ConfigureAwait(false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("token").GetString());
        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}");
        }
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await Aws.DisposeAsync().ConfigureAwait(false);
    }
}
