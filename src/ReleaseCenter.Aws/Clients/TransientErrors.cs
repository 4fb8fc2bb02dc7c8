using Amazon.Runtime;

namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// Which AWS failures are worth another try: throttling, server errors and write conflicts from
/// SageMaker, Step Functions, EventBridge and DynamoDB, and a connection that broke. The SDK has
/// already retried these a few times; a workflow step that still sees one fails as
/// Release.Transient so the state machine retries the whole (idempotent) step with backoff.
/// </summary>
public static class TransientErrors
{
    private static readonly HashSet<string> Codes = new(StringComparer.Ordinal)
    {
        // throttling
        "ThrottlingException", "Throttling", "ThrottledException", "TooManyRequestsException", "RequestLimitExceeded",
        "ProvisionedThroughputExceededException", "LimitExceededException",
        // server side
        "InternalServerError", "InternalServerErrorException", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
        // write conflicts that a retry resolves
        "TransactionConflictException", "TransactionInProgressException", "ConflictException",
    };

    public static bool IsTransient(Exception exception) => exception switch
    {
        AmazonServiceException aws => Codes.Contains(aws.ErrorCode ?? "") || (int)aws.StatusCode >= 500 || (int)aws.StatusCode == 429
            || aws.InnerException is HttpRequestException or IOException,
        HttpRequestException or IOException => true,
        _ => false,
    };
}
