using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;

namespace ReleaseCenter.Local.Emulator;

/// <summary>
/// Emulated AWS for the local stack and the tests: moto behind our endpoint, which also runs
/// our Lambda handlers. Start it, point SDK clients at <see cref="ServiceUrl"/>, dispose it to
/// stop everything it started.
/// </summary>
public sealed class LocalAws : IAsyncDisposable
{
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";

    private readonly AwsEndpoint _endpoint;
    private readonly MotoProcess _moto;

    private LocalAws(AwsEndpoint endpoint, MotoProcess moto, LambdaFunctions functions)
    {
        _endpoint = endpoint;
        _moto = moto;
        Functions = functions;
    }

    /// <summary>The local AWS endpoint: every service, plus Lambda Invoke.</summary>
    public string ServiceUrl => _endpoint.Url.ToString().TrimEnd('/');

    public Uri MotoUrl => _moto.Url;

    public int MotoProcessId => _moto.ProcessId;

    /// <summary>The last lines the emulator wrote to stderr (request log and tracebacks), for diagnosing a failed run.</summary>
    public string EmulatorLogTail => _moto.StandardErrorTail();

    public LambdaFunctions Functions { get; }

    /// <summary>The fault switch of the local AWS endpoint (every service, and Lambda Invoke).</summary>
    public AwsFaults Faults => _endpoint.Faults;

    /// <summary>The local AWS endpoint itself (benchmarks observe the calls it serves).</summary>
    public AwsEndpoint Endpoint => _endpoint;

    /// <summary>Fixed, fake credentials: the emulator ignores them, and real ones must never reach it.</summary>
    public static AWSCredentials Credentials { get; } = new BasicAWSCredentials("test", "test");

    public static async Task<LocalAws> StartAsync(LambdaFunctions? functions = null, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        functions ??= new LambdaFunctions();
        var endpoint = await AwsEndpoint.StartAsync(functions, loggerFactory, ct).ConfigureAwait(false);
        try
        {
            var moto = await MotoProcess.StartAsync(endpoint.Port, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            endpoint.ForwardTo(moto.Url);
            return new LocalAws(endpoint, moto, functions);
        }
        catch
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Options for our Step Functions, EventBridge and SageMaker clients against an emulated endpoint.</summary>
    public static ReleaseCenter.Aws.Clients.AwsClientOptions ClientOptions(string serviceUrl) =>
        new() { ServiceUrl = serviceUrl, Region = Region, Credentials = Credentials, HttpClientFactory = CrashAfterFirstWrite.Factory };

    public static AmazonDynamoDBClient CreateDynamoDbClient(string serviceUrl) =>
        new(Credentials, new AmazonDynamoDBConfig { ServiceURL = serviceUrl, AuthenticationRegion = Region, MaxErrorRetry = 3, HttpClientFactory = CrashAfterFirstWrite.Factory });

    public async ValueTask DisposeAsync()
    {
        await _endpoint.DisposeAsync().ConfigureAwait(false);
        await _moto.DisposeAsync().ConfigureAwait(false);
    }
}
