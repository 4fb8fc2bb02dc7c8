using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Aws.Clients;

// Step Functions speaks JSON 1.0 with camelCase members. Definitions, inputs and outputs are JSON
// documents carried inside strings: callers (de)serialize them with their own contexts.

public static class StateMachineType
{
    public const string Standard = "STANDARD";
    public const string Express = "EXPRESS";
}

public static class ExecutionStatus
{
    public const string Running = "RUNNING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";
    public const string TimedOut = "TIMED_OUT";
    public const string Aborted = "ABORTED";
    public const string PendingRedrive = "PENDING_REDRIVE";
}

/// <summary>Error codes (AmazonServiceException.ErrorCode) our code reacts to.</summary>
public static class StepFunctionsErrors
{
    public const string StateMachineDoesNotExist = "StateMachineDoesNotExist";
    public const string StateMachineAlreadyExists = "StateMachineAlreadyExists";
    public const string ExecutionDoesNotExist = "ExecutionDoesNotExist";
    public const string ExecutionAlreadyExists = "ExecutionAlreadyExists";
    public const string TaskDoesNotExist = "TaskDoesNotExist";
    public const string TaskTimedOut = "TaskTimedOut";
    public const string InvalidToken = "InvalidToken";
}

public static class StepFunctionsArns
{
    /// <summary>The ARN of the execution named <paramref name="name"/> of a state machine: what StartExecution answers, derived.</summary>
    public static string Execution(string stateMachineArn, string name) =>
        $"{stateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal)}:{name}";
}

public sealed record CloudWatchLogsLogGroup(string LogGroupArn);

public sealed record LogDestination(CloudWatchLogsLogGroup CloudWatchLogsLogGroup);

/// <summary>Level: ALL, ERROR, FATAL or OFF.</summary>
public sealed record LoggingConfiguration
{
    public string? Level { get; init; }
    public bool? IncludeExecutionData { get; init; }
    public IReadOnlyList<LogDestination>? Destinations { get; init; }
}

public sealed record CreateStateMachineRequest(string Name, string Definition, string RoleArn)
{
    public string Type { get; init; } = StateMachineType.Standard;
    public LoggingConfiguration? LoggingConfiguration { get; init; }
    public IReadOnlyList<ResourceTag>? Tags { get; init; }
}

public sealed record CreateStateMachineResponse(string StateMachineArn, DateTimeOffset CreationDate);

/// <summary>Only the members that are set change.</summary>
public sealed record UpdateStateMachineRequest(string StateMachineArn)
{
    public string? Definition { get; init; }
    public string? RoleArn { get; init; }
    public LoggingConfiguration? LoggingConfiguration { get; init; }
}

public sealed record UpdateStateMachineResponse(DateTimeOffset UpdateDate, string? RevisionId);

public sealed record DescribeStateMachineResponse(
    string StateMachineArn,
    string Name,
    string? Status,
    string Definition,
    string RoleArn,
    string Type,
    DateTimeOffset CreationDate,
    LoggingConfiguration? LoggingConfiguration,
    string? RevisionId);

public sealed record StateMachineListItem(string StateMachineArn, string Name, string Type, DateTimeOffset CreationDate);

public sealed record ListStateMachinesResponse(IReadOnlyList<StateMachineListItem>? StateMachines, string? NextToken);

public sealed record ExecutionListItem(string ExecutionArn, string StateMachineArn, string Name, string Status, DateTimeOffset StartDate, DateTimeOffset? StopDate);

public sealed record ListExecutionsResponse(IReadOnlyList<ExecutionListItem>? Executions, string? NextToken);

/// <summary>Name: unique per state machine for 90 days (idempotency key). Input: JSON text.</summary>
public sealed record StartExecutionRequest(string StateMachineArn)
{
    public string? Name { get; init; }
    public string? Input { get; init; }
}

public sealed record StartExecutionResponse(string ExecutionArn, DateTimeOffset StartDate);

public sealed record DescribeExecutionResponse(
    string ExecutionArn,
    string StateMachineArn,
    string? Name,
    string Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string? Input,
    string? Output,
    string? Error,
    string? Cause);

public sealed record StopExecutionRequest(string ExecutionArn)
{
    public string? Error { get; init; }
    public string? Cause { get; init; }
}

/// <summary>AWS always sends stopDate; moto 5.2.1 answers {}.</summary>
public sealed record StopExecutionResponse(DateTimeOffset? StopDate);

public sealed record GetExecutionHistoryRequest(string ExecutionArn)
{
    public int? MaxResults { get; init; }
    public string? NextToken { get; init; }
    public bool? ReverseOrder { get; init; }
}

public sealed record GetExecutionHistoryResponse(IReadOnlyList<HistoryEvent>? Events, string? NextToken);

/// <summary>
/// One history event. The details we read are typed; every other *EventDetails member stays raw
/// in <see cref="OtherDetails"/>, keyed by its JSON name.
/// </summary>
public sealed record HistoryEvent
{
    public long Id { get; init; }
    public long PreviousEventId { get; init; }
    public string Type { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }
    public ExecutionStartedEventDetails? ExecutionStartedEventDetails { get; init; }
    public OutputEventDetails? ExecutionSucceededEventDetails { get; init; }
    public ErrorEventDetails? ExecutionFailedEventDetails { get; init; }
    public ErrorEventDetails? ExecutionAbortedEventDetails { get; init; }
    public ErrorEventDetails? ExecutionTimedOutEventDetails { get; init; }
    public StateEnteredEventDetails? StateEnteredEventDetails { get; init; }
    public StateExitedEventDetails? StateExitedEventDetails { get; init; }
    public TaskScheduledEventDetails? TaskScheduledEventDetails { get; init; }
    public TaskSucceededEventDetails? TaskSucceededEventDetails { get; init; }
    public TaskFailedEventDetails? TaskFailedEventDetails { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? OtherDetails { get; set; }
}

public sealed record ExecutionStartedEventDetails(string? Input, string? RoleArn);

public sealed record OutputEventDetails(string? Output);

public sealed record ErrorEventDetails(string? Error, string? Cause);

public sealed record StateEnteredEventDetails(string Name, string? Input);

public sealed record StateExitedEventDetails(string Name, string? Output);

public sealed record TaskScheduledEventDetails(
    string ResourceType, string Resource, string? Region, string? Parameters, long? TimeoutInSeconds, long? HeartbeatInSeconds);

public sealed record TaskSucceededEventDetails(string ResourceType, string Resource, string? Output);

public sealed record TaskFailedEventDetails(string ResourceType, string Resource, string? Error, string? Cause);

public sealed record SendTaskSuccessRequest(string TaskToken, string Output);

public sealed record SendTaskFailureRequest(string TaskToken)
{
    public string? Error { get; init; }
    public string? Cause { get; init; }
}

// Wire-only shapes for the calls that take a single identifier.
internal sealed record StateMachineArnRequest(string StateMachineArn);

internal sealed record ExecutionArnRequest(string ExecutionArn);

internal sealed record ListStateMachinesRequest(int? MaxResults, string? NextToken);

internal sealed record ListExecutionsRequest(string StateMachineArn, string? StatusFilter, int? MaxResults, string? NextToken);

internal sealed record TaskTokenRequest(string TaskToken);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(EpochSecondsConverter)])]
[JsonSerializable(typeof(CreateStateMachineRequest))]
[JsonSerializable(typeof(CreateStateMachineResponse))]
[JsonSerializable(typeof(UpdateStateMachineRequest))]
[JsonSerializable(typeof(UpdateStateMachineResponse))]
[JsonSerializable(typeof(StateMachineArnRequest))]
[JsonSerializable(typeof(DescribeStateMachineResponse))]
[JsonSerializable(typeof(ListStateMachinesRequest))]
[JsonSerializable(typeof(ListStateMachinesResponse))]
[JsonSerializable(typeof(ListExecutionsRequest))]
[JsonSerializable(typeof(ListExecutionsResponse))]
[JsonSerializable(typeof(StartExecutionRequest))]
[JsonSerializable(typeof(StartExecutionResponse))]
[JsonSerializable(typeof(ExecutionArnRequest))]
[JsonSerializable(typeof(DescribeExecutionResponse))]
[JsonSerializable(typeof(StopExecutionRequest))]
[JsonSerializable(typeof(StopExecutionResponse))]
[JsonSerializable(typeof(GetExecutionHistoryRequest))]
[JsonSerializable(typeof(GetExecutionHistoryResponse))]
[JsonSerializable(typeof(SendTaskSuccessRequest))]
[JsonSerializable(typeof(SendTaskFailureRequest))]
[JsonSerializable(typeof(TaskTokenRequest))]
[JsonSerializable(typeof(EmptyResponse))]
internal sealed partial class StepFunctionsJsonContext : JsonSerializerContext;
