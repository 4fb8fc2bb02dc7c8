using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Integration.Tests.Clients;

/// <summary>
/// What the clients put on the wire, checked against a loopback listener: the emulator accepts
/// more than AWS does (it ignores signatures, unknown members and casing). In the emulator
/// collection only to run apart from the test that sets AWS_ENDPOINT_URL_SAGEMAKER.
/// </summary>
[Collection("emulator")]
public sealed class AwsJsonWireTests
{
    [Fact]
    public async Task StepFunctions_StartExecution_IsSignedJson10WithCamelCaseBody()
    {
        await using var server = new CaptureServer(200, """{"executionArn": "arn:x", "startDate": 1700000000.123}""");
        using var client = new StepFunctionsClient(Options(server));

        var started = await client.StartExecutionAsync(new StartExecutionRequest("arn:sm") { Name = "run", Input = """{"a":1}""" });

        var request = Assert.Single(server.Requests);
        Assert.StartsWith("POST / ", request.RequestLine, StringComparison.Ordinal);
        Assert.Equal("AWSStepFunctions.StartExecution", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.0", request.Headers["Content-Type"]);
        Assert.Contains("Credential=AKIDTEST/", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/states/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal("""{"stateMachineArn":"arn:sm","name":"run","input":"{\u0022a\u0022:1}"}""", request.Body);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), started.StartDate);
    }

    [Fact]
    public async Task EventBridge_PutEvents_IsJson11WithPascalCaseAndEpochSeconds()
    {
        await using var server = new CaptureServer(200, """{"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]}""");
        using var client = new EventBridgeClient(Options(server));

        await client.PutEventsAsync(
        [
            new PutEventsEntry("release-center", "release.approved.v1", """{"releaseId":"r-1"}""")
            {
                EventBusName = "bus", Time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_500),
            },
        ]);

        var request = Assert.Single(server.Requests);
        Assert.Equal("AWSEvents.PutEvents", request.Headers["X-Amz-Target"]);
        Assert.Equal("application/x-amz-json-1.1", request.Headers["Content-Type"]);
        Assert.Contains("/eu-west-1/events/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        var entry = body.RootElement.GetProperty("Entries")[0];
        Assert.Equal("release.approved.v1", entry.GetProperty("DetailType").GetString());
        Assert.Equal("""{"releaseId":"r-1"}""", entry.GetProperty("Detail").GetString());
        Assert.Equal(1_700_000_000.5m, entry.GetProperty("Time").GetDecimal());
        Assert.False(entry.TryGetProperty("Resources", out _));
    }

    [Fact]
    public async Task SageMaker_UpdateEndpoint_SendsTheDeploymentConfig()
    {
        await using var server = new CaptureServer(200, """{"EndpointArn": "arn:e"}""");
        using var client = new SageMakerClient(Options(server));

        await client.UpdateEndpointAsync(new UpdateEndpointRequest("churn", "churn-green")
        {
            DeploymentConfig = new DeploymentConfig
            {
                BlueGreenUpdatePolicy = new BlueGreenUpdatePolicy(
                    new TrafficRoutingConfiguration(TrafficRoutingType.Linear, 60)
                    {
                        LinearStepSize = new CapacitySize(CapacitySizeType.CapacityPercent, 25),
                    })
                {
                    TerminationWaitInSeconds = 0,
                },
                AutoRollbackConfiguration = new AutoRollbackConfiguration([new AlarmReference("churn-5xx")]),
            },
        });

        var request = Assert.Single(server.Requests);
        Assert.Equal("SageMaker.UpdateEndpoint", request.Headers["X-Amz-Target"]);
        Assert.Contains("/eu-west-1/sagemaker/aws4_request", request.Headers["Authorization"], StringComparison.Ordinal);
        Assert.Equal(
            """{"EndpointName":"churn","EndpointConfigName":"churn-green","DeploymentConfig":{"BlueGreenUpdatePolicy":{"TrafficRoutingConfiguration":{"Type":"LINEAR","WaitIntervalInSeconds":60,"LinearStepSize":{"Type":"CAPACITY_PERCENT","Value":25}},"TerminationWaitInSeconds":0},"AutoRollbackConfiguration":{"Alarms":[{"AlarmName":"churn-5xx"}]}}}""",
            request.Body);
    }

    [Fact]
    public async Task ServerError_IsRetriedThenSurfacesAsServiceException()
    {
        await using var server = new CaptureServer(500, "<!doctype html><title>500 Internal Server Error</title>", "text/html");
        using var client = new SageMakerClient(Options(server));

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => client.DescribeEndpointAsync("churn"));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task ClientError_IsMappedFromNamespacedTypeAndMessage()
    {
        await using var server = new CaptureServer(400, """{"__type": "com.amazonaws.swf.service.v2.model#InvalidToken", "message": "Invalid token"}""");
        using var client = new StepFunctionsClient(Options(server));

        var error = await Assert.ThrowsAsync<AmazonServiceException>(() => client.SendTaskHeartbeatAsync("token"));

        Assert.Equal(StepFunctionsErrors.InvalidToken, error.ErrorCode);
        Assert.Equal("Invalid token", error.Message);
        Assert.Single(server.Requests);
    }

    [Theory]
    [InlineData("eu-west-1", "https://states.eu-west-1.amazonaws.com", "https://events.eu-west-1.amazonaws.com", "https://api.sagemaker.eu-west-1.amazonaws.com")]
    [InlineData("cn-north-1", "https://states.cn-north-1.amazonaws.com.cn", "https://events.cn-north-1.amazonaws.com.cn", "https://api.sagemaker.cn-north-1.amazonaws.com.cn")]
    public void Endpoint_WithoutServiceUrl_IsTheRegionalAwsEndpoint(string region, string states, string events, string sagemaker)
    {
        var options = new AwsClientOptions { Region = region, Credentials = new BasicAWSCredentials("a", "b") };
        using var stepFunctions = new StepFunctionsClient(options);
        using var eventBridge = new EventBridgeClient(options);
        using var sageMaker = new SageMakerClient(options);

        static string Resolve(AmazonServiceClient client) =>
            client.Config.DetermineServiceOperationEndpoint(new ServiceOperationEndpointParameters(null)).URL;

        Assert.Equal(states, Resolve(stepFunctions));
        Assert.Equal(events, Resolve(eventBridge));
        Assert.Equal(sagemaker, Resolve(sageMaker));
    }

    private static AwsClientOptions Options(CaptureServer server) => new()
    {
        ServiceUrl = server.Url, Region = "eu-west-1", Credentials = new BasicAWSCredentials("AKIDTEST", "secret"),
    };

    private sealed record CapturedRequest(string RequestLine, Dictionary<string, string> Headers, string Body);

    /// <summary>Answers every request on a loopback port with one canned response and records what came in.</summary>
    private sealed class CaptureServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public CaptureServer(int status, string body, string contentType = "application/x-amz-json-1.1")
        {
            _listener.Start();
            _loop = ServeAsync(status, body, contentType);
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public List<CapturedRequest> Requests { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task ServeAsync(int status, string body, string contentType)
        {
            while (!_stop.IsCancellationRequested)
            {
                using var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                await using var stream = socket.GetStream();
                using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(_stop.Token) ?? "";
                var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                for (var line = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token))
                {
                    var colon = line.IndexOf(':', StringComparison.Ordinal);
                    headers[line[..colon]] = line[(colon + 1)..].Trim();
                }
                var content = new char[int.Parse(headers.GetValueOrDefault("Content-Length", "0"), System.Globalization.CultureInfo.InvariantCulture)];
                await reader.ReadBlockAsync(content, _stop.Token);
                Requests.Add(new CapturedRequest(requestLine, headers, new string(content)));
                var payload = Encoding.UTF8.GetBytes(body);
                var head = $"HTTP/1.1 {status} X\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nx-amzn-RequestId: req-1\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await stream.WriteAsync(payload, _stop.Token);
            }
        }
    }
}
