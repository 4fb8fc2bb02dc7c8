using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Aws.Resources;

/// <summary>Creates the product's event bus and its archive where the CDK app does not run (the local stack, tests). Idempotent.</summary>
public static class EventBusProvisioner
{
    public static async Task<string> EnsureAsync(EventBridgeClient events, ResourceNames names, string accountId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(names);
        string busArn;
        try
        {
            busArn = (await events.CreateEventBusAsync(new CreateEventBusRequest(names.EventBusName), ct).ConfigureAwait(false)).EventBusArn;
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == EventBridgeErrors.ResourceAlreadyExists)
        {
            busArn = (await events.DescribeEventBusAsync(names.EventBusName, ct).ConfigureAwait(false)).Arn;
        }
        try
        {
            await events.CreateArchiveAsync(new CreateArchiveRequest(names.EventArchiveName, busArn)
            {
                // Same pattern as the CDK app: every event of our account on this bus.
                EventPattern = $$"""{"account":["{{accountId}}"]}""",
                RetentionDays = 365,
            }, ct).ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == EventBridgeErrors.ResourceAlreadyExists)
        {
            // Archive already there.
        }
        return busArn;
    }
}
