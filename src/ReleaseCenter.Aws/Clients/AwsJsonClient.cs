using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials.Internal;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Transform;
using Amazon.Runtime.Internal.Util;
using Amazon.Util.Internal;

namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// What tells one AWS JSON-protocol service from another for the calls we make. ServiceId is the
/// SDK's service id: it also names the endpoint variable AWS_ENDPOINT_URL_{SERVICEID}.
/// </summary>
public sealed record AwsJsonService(
    string ServiceId, string EndpointPrefix, string SigningName, string TargetPrefix, string JsonVersion, string ApiVersion)
    : IServiceMetadata
{
    public static AwsJsonService StepFunctions { get; } = new("SFN", "states", "states", "AWSStepFunctions", "1.0", "2016-11-23");
    public static AwsJsonService EventBridge { get; } = new("EventBridge", "events", "events", "AWSEvents", "1.1", "2015-10-07");
    public static AwsJsonService SageMaker { get; } = new("SageMaker", "api.sagemaker", "sagemaker", "SageMaker", "1.1", "2017-07-24");
    public static AwsJsonService SecretsManager { get; } = new("Secrets Manager", "secretsmanager", "secretsmanager", "secretsmanager", "1.1", "2017-10-17");

    IDictionary<string, string> IServiceMetadata.OperationNameMapping { get; } = new Dictionary<string, string>();
}

/// <summary>Where and how to reach AWS. Everything null: the SDK's defaults (environment, profile, instance role).</summary>
public sealed record AwsClientOptions
{
    /// <summary>One endpoint for every service (emulator). Null: AWS_ENDPOINT_URL_{SERVICE}, AWS_ENDPOINT_URL, then AWS.</summary>
    public string? ServiceUrl { get; init; }

    public string? Region { get; init; }

    public AWSCredentials? Credentials { get; init; }

    /// <summary>How the SDK gets its HttpClient; null: the SDK's own. The local stack hooks its fault switch in here.</summary>
    public HttpClientFactory? HttpClientFactory { get; init; }
}

/// <summary>Client configuration for one <see cref="AwsJsonService"/>; endpoint, retries and timeouts are the SDK's.</summary>
internal sealed class AwsJsonClientConfig : ClientConfig
{
    // The generated configs carry the same table; retry mode and timeouts follow AWS_DEFAULTS_MODE.
    private static readonly IDefaultConfiguration[] DefaultModes =
    [
        Mode(DefaultConfigurationMode.Standard, 3100), Mode(DefaultConfigurationMode.InRegion, 1100),
        Mode(DefaultConfigurationMode.CrossRegion, 3100), Mode(DefaultConfigurationMode.Mobile, 30000),
        Mode(DefaultConfigurationMode.Auto, 1100),
    ];

    public AwsJsonClientConfig(AwsJsonService service)
        : base(new DefaultConfigurationProvider(DefaultModes))
    {
        Service = service;
        ServiceId = service.ServiceId;
        AuthenticationServiceName = service.SigningName;
        EndpointProvider = new AwsJsonEndpointProvider(service.EndpointPrefix);
        UserAgent = InternalSDKUtils.BuildUserAgentString(service.ServiceId, "1.0.0");
    }

    public AwsJsonService Service { get; }

    public override string RegionEndpointServiceName => Service.EndpointPrefix;

    public override string ServiceVersion => Service.ApiVersion;

    public override string UserAgent { get; }

    public static AwsJsonClientConfig Create(AwsJsonService service, AwsClientOptions? options)
    {
        var config = new AwsJsonClientConfig(service);
        if (options?.HttpClientFactory is { } factory)
        {
            config.HttpClientFactory = factory;
        }
        if (!string.IsNullOrEmpty(options?.ServiceUrl))
        {
            // ServiceURL and RegionEndpoint exclude each other; the region is then only for signing.
            config.ServiceURL = options.ServiceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else if (!string.IsNullOrEmpty(options?.Region))
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }
        return config;
    }

    public override Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
        EndpointProvider.ResolveEndpoint(new EndpointParameters
        {
            ["Region"] = (parameters.AlternateEndpoint ?? RegionEndpoint)?.SystemName ?? AuthenticationRegion,
            ["Endpoint"] = ServiceURL,
        });

    private static DefaultConfiguration Mode(DefaultConfigurationMode name, int connectMilliseconds) => new()
    {
        Name = name,
        RetryMode = RequestRetryMode.Standard,
        S3UsEast1RegionalEndpoint = S3UsEast1RegionalEndpointValue.Regional,
        ConnectTimeout = TimeSpan.FromMilliseconds(connectMilliseconds),
        TlsNegotiationTimeout = TimeSpan.FromMilliseconds(connectMilliseconds),
    };
}

/// <summary>ServiceURL when one is configured, else https://{prefix}.{region}.{partition suffix}.</summary>
internal sealed class AwsJsonEndpointProvider(string endpointPrefix) : IEndpointProvider
{
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters["Endpoint"] is string { Length: > 0 } serviceUrl)
        {
            return new Endpoint(serviceUrl);
        }
        var region = parameters["Region"] as string
            ?? throw new AmazonClientException($"No region or service URL configured for {endpointPrefix}.");
        var dnsSuffix = RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix ?? "amazonaws.com";
        return new Endpoint($"https://{endpointPrefix}.{region}.{dnsSuffix}");
    }
}

/// <summary>
/// Base of our hand-written clients: the SDK's own pipeline (credentials, SigV4, retries with backoff,
/// error parsing) with one generic marshaller and unmarshaller for the AWS JSON 1.0/1.1 protocol.
/// </summary>
public abstract class AwsJsonServiceClient(AwsJsonService service, AwsClientOptions? options)
    : AmazonServiceClient(options?.Credentials, AwsJsonClientConfig.Create(service, options))
{
    // Read through Config: the base constructor asks for it before our fields exist.
    protected override IServiceMetadata ServiceMetadata => ((AwsJsonClientConfig)Config).Service;

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        pipeline.AddHandlerAfter<Marshaller>(new SigV4AuthHandler());
    }

    protected async Task<TResponse> InvokeJsonAsync<TRequest, TResponse>(
        string operation, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
    {
        var service = ((AwsJsonClientConfig)Config).Service;
        var call = new AwsJsonRequest(service, operation, JsonSerializer.SerializeToUtf8Bytes(request, requestType));
        var invokeOptions = new InvokeOptions
        {
            RequestMarshaller = AwsJsonMarshaller.Instance,
            ResponseUnmarshaller = new AwsJsonUnmarshaller<TResponse>(responseType),
        };
        var response = await InvokeAsync<AwsJsonResponse>(call, invokeOptions, cancellationToken).ConfigureAwait(false);
        return (TResponse)response.Result!;
    }

    private sealed class SigV4AuthHandler : BaseAuthResolverHandler
    {
        protected override List<IAuthSchemeOption> ResolveAuthOptions(IExecutionContext executionContext) =>
            AuthSchemeOption.DEFAULT_SIGV4;
    }
}

internal sealed class AwsJsonRequest(AwsJsonService service, string operation, byte[] body) : AmazonWebServiceRequest
{
    public AwsJsonService Service { get; } = service;
    public string Operation { get; } = operation;
    public byte[] Body { get; } = body;
}

internal sealed class AwsJsonResponse : AmazonWebServiceResponse
{
    public object? Result { get; set; }
}

/// <summary>POST / with X-Amz-Target {prefix}.{operation} and the source-generated JSON body.</summary>
internal sealed class AwsJsonMarshaller : IMarshaller<IRequest, AmazonWebServiceRequest>
{
    public static AwsJsonMarshaller Instance { get; } = new();

    public IRequest Marshall(AmazonWebServiceRequest input)
    {
        var call = (AwsJsonRequest)input;
        IRequest request = new DefaultRequest(call, call.Service.ServiceId)
        {
            HttpMethod = "POST",
            ResourcePath = "/",
            Content = call.Body,
        };
        request.Headers["X-Amz-Target"] = $"{call.Service.TargetPrefix}.{call.Operation}";
        request.Headers["Content-Type"] = $"application/x-amz-json-{call.Service.JsonVersion}";
        return request;
    }
}

/// <summary>Body to <typeparamref name="T"/>; errors to AmazonServiceException through the SDK's JSON error parser.</summary>
internal sealed class AwsJsonUnmarshaller<T>(JsonTypeInfo<T> responseType) : JsonResponseUnmarshaller
{
    public override AmazonWebServiceResponse Unmarshall(JsonUnmarshallerContext input)
    {
        using var body = new MemoryStream();
        input.Stream.CopyTo(body);
        ReadOnlySpan<byte> json = body.Length == 0 ? "{}"u8 : body.GetBuffer().AsSpan(0, (int)body.Length);
        return new AwsJsonResponse
        {
            Result = JsonSerializer.Deserialize(json, responseType)
                ?? throw new JsonException($"The response body of {typeof(T).Name} was null."),
        };
    }

    public override AmazonServiceException UnmarshallException(
        JsonUnmarshallerContext input, Exception innerException, HttpStatusCode statusCode)
    {
        var reader = new StreamingUtf8JsonReader(input.Stream);
        var error = JsonErrorResponseUnmarshaller.GetInstance().Unmarshall(input, ref reader);
        return new AmazonServiceException(
            error.Message, innerException, error.Type, error.Code, error.RequestId, statusCode);
    }
}
