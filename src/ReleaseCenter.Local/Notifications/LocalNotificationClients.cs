using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime.Signing;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Local.Notifications;

/// <summary>
/// PutTargets with an InputTransformer, which the product's EventBridge client does not model (nothing else needs it).
/// Same generic JSON client underneath, so signing, retries and error parsing are the SDK's.
/// </summary>
internal sealed class NotificationTargetsClient(AwsClientOptions options) : AwsJsonServiceClient(AwsJsonService.EventBridge, options)
{
    public async Task PutTargetAsync(string eventBus, string rule, string targetArn, NotificationTransformer transformer, CancellationToken ct)
    {
        var request = new TransformedTargetsRequest(rule, eventBus,
            [new TransformedTarget("deliver", targetArn, new InputTransformerShape(transformer.InputPathsMap, transformer.InputTemplate))]);
        var response = await InvokeJsonAsync("PutTargets", request, NotificationClientJson.Default.TransformedTargetsRequest,
            NotificationClientJson.Default.PutTargetsResponse, ct).ConfigureAwait(false);
        if (response.FailedEntryCount > 0)
        {
            var failure = response.FailedEntries?.FirstOrDefault();
            throw new EventBridgeEntriesFailedException("PutTargets", response.FailedEntryCount,
                [new EventBridgeEntryFailure(0, failure?.TargetId, failure?.ErrorCode, failure?.ErrorMessage)]);
        }
    }
}

internal sealed record InputTransformerShape(IReadOnlyDictionary<string, string> InputPathsMap, string InputTemplate);

internal sealed record TransformedTarget(string Id, string Arn, InputTransformerShape InputTransformer);

internal sealed record TransformedTargetsRequest(string Rule, string EventBusName, IReadOnlyList<TransformedTarget> Targets);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TransformedTargetsRequest))]
[JsonSerializable(typeof(PutTargetsResponse))]
internal sealed partial class NotificationClientJson : JsonSerializerContext;

/// <summary>
/// The two SNS calls the local stack needs (AWSSDK.SimpleNotificationService does not restore here): SNS speaks the
/// Query protocol, so this is a form POST, signed by the SDK's SigV4 handler.
/// </summary>
internal sealed class LocalSnsClient : IDisposable
{
    private static readonly XNamespace Ns = "http://sns.amazonaws.com/doc/2010-03-31/";
    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    public LocalSnsClient(AwsClientOptions options)
    {
        _endpoint = new Uri((options.ServiceUrl ?? throw new ArgumentException("The local SNS client needs the emulator's URL.", nameof(options))).TrimEnd('/') + "/");
#pragma warning disable CA2000 // owned by the HttpClient, which disposes it
        _http = new HttpClient(new SigV4SigningHandler(options.Credentials, RegionEndpoint.GetBySystemName(options.Region ?? "us-east-1"), "sns", new HttpClientHandler()));
#pragma warning restore CA2000
    }

    public async Task<string> CreateTopicAsync(string name, CancellationToken ct) =>
        (await CallAsync([new("Action", "CreateTopic"), new("Name", name)], ct).ConfigureAwait(false))
            .Descendants(Ns + "TopicArn").Single().Value;

    /// <summary>Raw delivery: the queue gets the message itself, not SNS's JSON envelope around it.</summary>
    public Task SubscribeQueueAsync(string topicArn, string queueArn, CancellationToken ct) =>
        CallAsync(
        [
            new("Action", "Subscribe"), new("TopicArn", topicArn), new("Protocol", "sqs"), new("Endpoint", queueArn),
            new("Attributes.entry.1.key", "RawMessageDelivery"), new("Attributes.entry.1.value", "true"),
        ], ct);

    private async Task<XDocument> CallAsync(List<KeyValuePair<string, string>> form, CancellationToken ct)
    {
        form.Add(new("Version", "2010-03-31"));
        using var content = new FormUrlEncodedContent(form);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded") { CharSet = "utf-8" };
        using var response = await _http.PostAsync(_endpoint, content, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"SNS {form[0].Value} answered {(int)response.StatusCode}: {body}");
        }
        return XDocument.Parse(body);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The four SQS calls the local notification queues need, over SQS's JSON protocol with the product's generic JSON client
/// (so the local stack needs no AWSSDK.SQS).
/// </summary>
internal sealed class LocalSqsClient(AwsClientOptions options)
    : AwsJsonServiceClient(new AwsJsonService("SQS", "sqs", "sqs", "AmazonSQS", "1.0", "2012-11-05"), options)
{
    private static LocalSqsJson Json => LocalSqsJson.Default;

    public async Task<string> CreateQueueAsync(string name, CancellationToken ct) =>
        (await InvokeJsonAsync("CreateQueue", new SqsCreateQueueRequest(name), Json.SqsCreateQueueRequest, Json.SqsQueueUrlResponse, ct).ConfigureAwait(false)).QueueUrl;

    public async Task<string> QueueArnAsync(string queueUrl, CancellationToken ct)
    {
        var response = await InvokeJsonAsync("GetQueueAttributes", new SqsGetQueueAttributesRequest(queueUrl, ["QueueArn"]),
            Json.SqsGetQueueAttributesRequest, Json.SqsGetQueueAttributesResponse, ct).ConfigureAwait(false);
        return response.Attributes?.GetValueOrDefault("QueueArn") ?? throw new InvalidOperationException("SQS answered no QueueArn.");
    }

    public async Task<IReadOnlyList<SqsMessage>> ReceiveAsync(string queueUrl, int visibilityTimeoutSeconds, CancellationToken ct) =>
        (await InvokeJsonAsync("ReceiveMessage", new SqsReceiveMessageRequest(queueUrl, 10, visibilityTimeoutSeconds),
            Json.SqsReceiveMessageRequest, Json.SqsReceiveMessageResponse, ct).ConfigureAwait(false)).Messages ?? [];

    public Task DeleteAsync(string queueUrl, string receiptHandle, CancellationToken ct) =>
        InvokeJsonAsync("DeleteMessage", new SqsDeleteMessageRequest(queueUrl, receiptHandle), Json.SqsDeleteMessageRequest, Json.SqsEmptyResponse, ct);
}

internal sealed record SqsCreateQueueRequest(string QueueName);

internal sealed record SqsQueueUrlResponse(string QueueUrl);

internal sealed record SqsGetQueueAttributesRequest(string QueueUrl, IReadOnlyList<string> AttributeNames);

internal sealed record SqsGetQueueAttributesResponse(Dictionary<string, string>? Attributes);

internal sealed record SqsReceiveMessageRequest(string QueueUrl, int MaxNumberOfMessages, int VisibilityTimeout);

internal sealed record SqsMessage(string MessageId, string ReceiptHandle, string Body);

internal sealed record SqsReceiveMessageResponse(IReadOnlyList<SqsMessage>? Messages);

internal sealed record SqsDeleteMessageRequest(string QueueUrl, string ReceiptHandle);

internal sealed record SqsEmptyResponse;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SqsCreateQueueRequest))]
[JsonSerializable(typeof(SqsQueueUrlResponse))]
[JsonSerializable(typeof(SqsGetQueueAttributesRequest))]
[JsonSerializable(typeof(SqsGetQueueAttributesResponse))]
[JsonSerializable(typeof(SqsReceiveMessageRequest))]
[JsonSerializable(typeof(SqsReceiveMessageResponse))]
[JsonSerializable(typeof(SqsDeleteMessageRequest))]
[JsonSerializable(typeof(SqsEmptyResponse))]
internal sealed partial class LocalSqsJson : JsonSerializerContext;
