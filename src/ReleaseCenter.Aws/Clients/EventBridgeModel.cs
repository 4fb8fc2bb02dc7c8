using System.Text.Json.Serialization;

namespace ReleaseCenter.Aws.Clients;

// EventBridge speaks JSON 1.1 with PascalCase members. Event patterns and Detail are JSON
// documents carried inside strings.

public static class RuleState
{
    public const string Enabled = "ENABLED";
    public const string Disabled = "DISABLED";
}

public static class EventBridgeErrors
{
    public const string ResourceNotFound = "ResourceNotFoundException";
    public const string ResourceAlreadyExists = "ResourceAlreadyExistsException";
    public const string Validation = "ValidationException";
}

public sealed record CreateEventBusRequest(string Name)
{
    public string? Description { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record CreateEventBusResponse(string EventBusArn);

public sealed record DescribeEventBusResponse(
    string Name, string Arn, string? Description, string? Policy, DateTimeOffset? CreationTime, DateTimeOffset? LastModifiedTime);

/// <summary>EventBusName: name or ARN, null for the default bus. EventPattern: JSON text.</summary>
public sealed record PutRuleRequest(string Name)
{
    public string? EventBusName { get; init; }
    public string? EventPattern { get; init; }
    public string? ScheduleExpression { get; init; }
    public string State { get; init; } = RuleState.Enabled;
    public string? Description { get; init; }
    public string? RoleArn { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record PutRuleResponse(string RuleArn);

/// <summary>Input (JSON text) and InputPath exclude each other; RoleArn is needed for state machine targets.</summary>
public sealed record RuleTarget(string Id, string Arn)
{
    public string? Input { get; init; }
    public string? InputPath { get; init; }
    public string? RoleArn { get; init; }
}

public sealed record PutTargetsRequest(string Rule, IReadOnlyList<RuleTarget> Targets)
{
    public string? EventBusName { get; init; }
}

public sealed record PutTargetsResultEntry(string? TargetId, string? ErrorCode, string? ErrorMessage);

public sealed record PutTargetsResponse(int FailedEntryCount, IReadOnlyList<PutTargetsResultEntry>? FailedEntries);

/// <summary>Detail: JSON text of an object. Time: null means the time EventBridge receives it.</summary>
public sealed record PutEventsEntry(string Source, string DetailType, string Detail)
{
    public string? EventBusName { get; init; }
    public IReadOnlyList<string>? Resources { get; init; }
    public DateTimeOffset? Time { get; init; }
}

/// <summary>One per request entry, same order: EventId on success, ErrorCode/ErrorMessage on failure.</summary>
public sealed record PutEventsResultEntry(string? EventId, string? ErrorCode, string? ErrorMessage);

public sealed record PutEventsResponse(int FailedEntryCount, IReadOnlyList<PutEventsResultEntry>? Entries);

public sealed record CreateArchiveRequest(string ArchiveName, string EventSourceArn)
{
    public string? Description { get; init; }
    public string? EventPattern { get; init; }

    /// <summary>0 or null keeps events indefinitely.</summary>
    public int? RetentionDays { get; init; }
}

public sealed record CreateArchiveResponse(string ArchiveArn, string? State, string? StateReason, DateTimeOffset? CreationTime);

/// <summary>
/// PutEvents and PutTargets answer HTTP 200 even when entries fail; the clients turn a non-zero
/// FailedEntryCount into this exception. Failures lists the failed entries with their position
/// in the request; the full answer (including event ids of entries that went through) is kept.
/// </summary>
public sealed class EventBridgeEntriesFailedException : Exception
{
    public EventBridgeEntriesFailedException(string operation, int failedEntryCount, IReadOnlyList<EventBridgeEntryFailure> failures)
        : base($"{operation}: {failedEntryCount} entr{(failedEntryCount == 1 ? "y" : "ies")} failed: "
            + string.Join("; ", failures.Select(failure => $"#{failure.Index} {failure.Id} {failure.ErrorCode}: {failure.ErrorMessage}")))
    {
        Operation = operation;
        FailedEntryCount = failedEntryCount;
        Failures = failures;
    }

    public string Operation { get; }

    public int FailedEntryCount { get; }

    public IReadOnlyList<EventBridgeEntryFailure> Failures { get; }

    /// <summary>The whole PutEvents answer, when the failure came from PutEvents.</summary>
    public PutEventsResponse? PutEventsResponse { get; init; }
}

/// <summary>Index: position in the request. Id: the target id (PutTargets); null for events.</summary>
public sealed record EventBridgeEntryFailure(int Index, string? Id, string? ErrorCode, string? ErrorMessage);

internal sealed record EventBusNameRequest(string Name);

internal sealed record PutEventsRequest(IReadOnlyList<PutEventsEntry> Entries);

internal sealed record RemoveTargetsRequest(string Rule, IReadOnlyList<string> Ids)
{
    public string? EventBusName { get; init; }
}

internal sealed record DeleteRuleRequest(string Name)
{
    public string? EventBusName { get; init; }
}

[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateEventBusRequest))]
[JsonSerializable(typeof(CreateEventBusResponse))]
[JsonSerializable(typeof(EventBusNameRequest))]
[JsonSerializable(typeof(DescribeEventBusResponse))]
[JsonSerializable(typeof(PutRuleRequest))]
[JsonSerializable(typeof(PutRuleResponse))]
[JsonSerializable(typeof(PutTargetsRequest))]
[JsonSerializable(typeof(PutTargetsResponse))]
[JsonSerializable(typeof(PutEventsRequest))]
[JsonSerializable(typeof(PutEventsResponse))]
[JsonSerializable(typeof(CreateArchiveRequest))]
[JsonSerializable(typeof(CreateArchiveResponse))]
[JsonSerializable(typeof(RemoveTargetsRequest))]
[JsonSerializable(typeof(DeleteRuleRequest))]
[JsonSerializable(typeof(EmptyResponse))]
internal sealed partial class EventBridgeJsonContext : JsonSerializerContext;
