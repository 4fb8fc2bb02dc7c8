namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// The EventBridge operations the product uses. Errors surface as AmazonServiceException (see
/// <see cref="EventBridgeErrors"/>); failed entries of PutEvents/PutTargets as <see cref="EventBridgeEntriesFailedException"/>.
/// </summary>
public sealed class EventBridgeClient(AwsClientOptions? options = null)
    : AwsJsonServiceClient(AwsJsonService.EventBridge, options), IEventBridge
{
    private static EventBridgeJsonContext Json => EventBridgeJsonContext.Default;

    public Task<CreateEventBusResponse> CreateEventBusAsync(CreateEventBusRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateEventBus", request, Json.CreateEventBusRequest, Json.CreateEventBusResponse, cancellationToken);

    public Task<DescribeEventBusResponse> DescribeEventBusAsync(string name, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DescribeEventBus", new EventBusNameRequest(name), Json.EventBusNameRequest, Json.DescribeEventBusResponse, cancellationToken);

    public Task<PutRuleResponse> PutRuleAsync(PutRuleRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("PutRule", request, Json.PutRuleRequest, Json.PutRuleResponse, cancellationToken);

    /// <exception cref="EventBridgeEntriesFailedException">Some targets were not added.</exception>
    public async Task PutTargetsAsync(PutTargetsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await InvokeJsonAsync(
            "PutTargets", request, Json.PutTargetsRequest, Json.PutTargetsResponse, cancellationToken).ConfigureAwait(false);
        if (response.FailedEntryCount > 0)
        {
            var failures = (response.FailedEntries ?? [])
                .Select(entry => new EventBridgeEntryFailure(
                    IndexOfTarget(request.Targets, entry.TargetId), entry.TargetId, entry.ErrorCode, entry.ErrorMessage))
                .ToList();
            throw new EventBridgeEntriesFailedException("PutTargets", response.FailedEntryCount, failures);
        }
    }

    /// <summary>At most 10 entries per call (an AWS limit).</summary>
    /// <exception cref="EventBridgeEntriesFailedException">Some entries were not accepted; the others were.</exception>
    public async Task<PutEventsResponse> PutEventsAsync(IReadOnlyList<PutEventsEntry> entries, CancellationToken cancellationToken = default)
    {
        var response = await InvokeJsonAsync(
            "PutEvents", new PutEventsRequest(entries), Json.PutEventsRequest, Json.PutEventsResponse, cancellationToken).ConfigureAwait(false);
        if (response.FailedEntryCount > 0)
        {
            var failures = (response.Entries ?? [])
                .Select((entry, index) => (entry, index))
                .Where(pair => pair.entry.ErrorCode is not null)
                .Select(pair => new EventBridgeEntryFailure(pair.index, null, pair.entry.ErrorCode, pair.entry.ErrorMessage))
                .ToList();
            throw new EventBridgeEntriesFailedException("PutEvents", response.FailedEntryCount, failures) { PutEventsResponse = response };
        }
        return response;
    }

    /// <summary>Removes targets from a rule (a rule must have none left before DeleteRule).</summary>
    public Task RemoveTargetsAsync(string rule, IReadOnlyList<string> ids, string? eventBusName = null, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("RemoveTargets", new RemoveTargetsRequest(rule, ids) { EventBusName = eventBusName }, Json.RemoveTargetsRequest, Json.PutTargetsResponse, cancellationToken);

    public Task DeleteRuleAsync(string name, string? eventBusName = null, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("DeleteRule", new DeleteRuleRequest(name) { EventBusName = eventBusName }, Json.DeleteRuleRequest, Json.EmptyResponse, cancellationToken);

    public Task<CreateArchiveResponse> CreateArchiveAsync(CreateArchiveRequest request, CancellationToken cancellationToken = default) =>
        InvokeJsonAsync("CreateArchive", request, Json.CreateArchiveRequest, Json.CreateArchiveResponse, cancellationToken);

    private static int IndexOfTarget(IReadOnlyList<RuleTarget> targets, string? targetId)
    {
        for (var index = 0; index < targets.Count; index++)
        {
            if (targets[index].Id == targetId)
            {
                return index;
            }
        }
        return -1;
    }
}
