using Amazon.Runtime;

namespace ReleaseCenter.Local.Emulator;

/// <summary>
/// The "crash" Lambda fault: the handler's process dies right after its first write reached AWS (a
/// DynamoDB write, a SageMaker create or update, a Step Functions or EventBridge call that changes
/// something). The write stands; nothing after it happens, as when Lambda's sandbox dies mid-run.
/// The local AWS endpoint arms it for one invocation (<see cref="Arm"/>); the SDK clients of the local
/// stack send through <see cref="Factory"/>, whose handler sees the armed invocation through an
/// AsyncLocal and fails every request after the first write, so a crashed handler sends nothing more.
/// </summary>
public static class CrashAfterFirstWrite
{
    private static readonly AsyncLocal<Scope?> Current = new();

    /// <summary>The SDK's HttpClient for the local stack's clients, with the crash point in front of the network.</summary>
    public static HttpClientFactory Factory { get; } = new CrashingHttpClientFactory();

    /// <summary>Arms the crash for the code that runs in this async flow from now on.</summary>
    public static Scope Arm() => Current.Value = new Scope();

    /// <summary>One armed invocation: <see cref="Fired"/> once a write went through and the "process" died.</summary>
    public sealed class Scope
    {
        public bool Fired { get; internal set; }

        public string? AfterWrite { get; internal set; }
    }

    /// <summary>Thrown where the process would have died; nothing catches it but the Lambda invoke path.</summary>
    public sealed class CrashedException(string message) : Exception(message);

    /// <summary>Operations (X-Amz-Target) that change something; anything else is a read.</summary>
    private static bool IsWrite(HttpRequestMessage request)
    {
        if (!request.Headers.TryGetValues("X-Amz-Target", out var targets))
        {
            return false;
        }
        var operation = targets.First();
        operation = operation[(operation.LastIndexOf('.') + 1)..];
        return operation is "PutItem" or "UpdateItem" or "DeleteItem" or "TransactWriteItems" or "BatchWriteItem" or "PutEvents"
            or "StartExecution" or "StopExecution" or "SendTaskSuccess" or "SendTaskFailure"
            || operation.StartsWith("Create", StringComparison.Ordinal) || operation.StartsWith("Update", StringComparison.Ordinal)
            || operation.StartsWith("Delete", StringComparison.Ordinal) || operation.StartsWith("Start", StringComparison.Ordinal)
            || operation.StartsWith("Stop", StringComparison.Ordinal);
    }

    private sealed class CrashPoint : DelegatingHandler
    {
        public CrashPoint()
            : base(new SocketsHttpHandler())
        {
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var scope = Current.Value;
            if (scope?.Fired == true)
            {
                throw new CrashedException($"The handler crashed after {scope.AfterWrite}; it sends nothing more.");
            }
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (scope is not null && response.IsSuccessStatusCode && IsWrite(request))
            {
                scope.Fired = true;
                scope.AfterWrite = request.Headers.GetValues("X-Amz-Target").First();
                response.Dispose();
                throw new CrashedException($"Injected fault: the handler crashed right after {scope.AfterWrite}.");
            }
            return response;
        }
    }

    private sealed class CrashingHttpClientFactory : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new CrashPoint());

        // One HttpClient per config, cached by the SDK as usual.
        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

        public override string GetConfigUniqueString(IClientConfig clientConfig) => "release-center-local-crash-point";
    }
}
