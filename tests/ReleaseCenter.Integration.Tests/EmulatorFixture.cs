using System.Net.Sockets;
using System.Text;
using Amazon.Runtime;
using ReleaseCenter.Local.Emulator;
using Testcontainers.LocalStack;

namespace ReleaseCenter.Integration.Tests;

/// <summary>
/// The test classes share emulators by collection. Two collections, each with its own emulator, run side by side (the
/// emulator is one single-threaded process: alone it keeps one of CI's two cores busy, so the long workflow classes are
/// split between the two by their measured time); a class that changes process-wide state runs alone, after them.
/// </summary>
public static class EmulatorCollections
{
    public const string First = "emulator";
    public const string Second = "emulator-2";
    public const string Alone = "emulator-alone";
}

[CollectionDefinition(EmulatorCollections.First)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>;

[CollectionDefinition(EmulatorCollections.Second)]
public sealed class SecondEmulatorCollection : ICollectionFixture<EmulatorFixture>;

[CollectionDefinition(EmulatorCollections.Alone, DisableParallelization = true)]
public sealed class LoneEmulatorCollection : ICollectionFixture<EmulatorFixture>;

/// <summary>
/// One emulated AWS shared by every test class of a collection (<see cref="EmulatorCollections"/>); each class
/// isolates itself with its own resource names. The emulator is chosen in this order (architecture.md):
/// 1. RELEASE_CENTER_AWS_ENDPOINT: an endpoint someone already runs; nothing is started.
/// 2. LocalStack through Testcontainers, when a Docker engine answers.
/// 3. moto through our launcher (python3 with moto 5.2.1).
/// The fixture stops whatever it started.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    public const string EndpointVariable = "RELEASE_CENTER_AWS_ENDPOINT";
    private const string LocalStackImage = "localstack/localstack:4.4";
    private LocalStackContainer? _localStack;

    public string ServiceUrl { get; private set; } = "";

    public string Region => LocalAws.Region;

    public AWSCredentials Credentials => LocalAws.Credentials;

    public string AccountId => LocalAws.AccountId;

    /// <summary>Which emulator runs: "endpoint", "localstack" or "moto".</summary>
    public string Kind { get; private set; } = "";

    /// <summary>Our moto-backed stack, when that is the emulator (it also runs Lambda handlers in-process).</summary>
    public LocalAws? Local { get; private set; }

    /// <summary>Tests of behaviour that only our moto-backed endpoint has (in-process Lambda handlers, the launcher's patches).</summary>
    public LocalAws RequireLocal() => Local ?? throw new InvalidOperationException(
        $"This test needs the moto-backed local endpoint, but the emulator is '{Kind}'. Unset {EndpointVariable} and stop Docker, or run it on a machine with python3 + moto 5.2.1.");

    public string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    public async Task InitializeAsync()
    {
        var explicitEndpoint = Environment.GetEnvironmentVariable(EndpointVariable);
        if (!string.IsNullOrWhiteSpace(explicitEndpoint))
        {
            Kind = "endpoint";
            ServiceUrl = explicitEndpoint.TrimEnd('/');
        }
        else if (await DockerEngineAnswersAsync())
        {
            Kind = "localstack";
            _localStack = new LocalStackBuilder(LocalStackImage).Build();
            await _localStack.StartAsync();
            ServiceUrl = _localStack.GetConnectionString().TrimEnd('/');
        }
        else
        {
            Kind = "moto";
            Local = await LocalAws.StartAsync();
            ServiceUrl = Local.ServiceUrl;
        }
    }

    public async Task DisposeAsync()
    {
        if (Local is not null)
        {
            // Keep the emulator's last words next to the test results: the first place to look when a run fails.
            var log = Path.Combine(AppContext.BaseDirectory, "emulator-stderr.log");
            await File.WriteAllTextAsync(log, Local.EmulatorLogTail);
            await Local.DisposeAsync();
        }
        if (_localStack is not null)
        {
            await _localStack.DisposeAsync();
        }
    }

    /// <summary>A Docker engine answers its ping on the local socket (the client alone is not enough).</summary>
    private static async Task<bool> DockerEngineAnswersAsync()
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        var path = host is not null && host.StartsWith("unix://", StringComparison.Ordinal) ? host["unix://".Length..] : "/var/run/docker.sock";
        if (host is not null && !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            return true; // a TCP engine was named explicitly: let Testcontainers use it
        }
        if (!File.Exists(path))
        {
            return false;
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cts.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /_ping HTTP/1.0\r\n\r\n"), cts.Token);
            var buffer = new byte[64];
            var read = await socket.ReceiveAsync(buffer, cts.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }
}
