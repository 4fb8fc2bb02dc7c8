using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using LambdaArchitecture = Amazon.CDK.AWS.Lambda.Architecture;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace ReleaseCenter.Infra;

/// <summary>Settings that differ between functions; everything else is decided once in <see cref="ReleaseCenterFunction"/>.</summary>
public sealed class ReleaseCenterFunctionProps
{
    public required string FunctionName { get; init; }

    /// <summary>A folder holding a self-contained linux-arm64 executable named <c>bootstrap</c>.</summary>
    public required Code Code { get; init; }

    public IDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public double MemorySize { get; init; } = 512;

    public Duration? Timeout { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>Only asynchronous invocations use a dead-letter queue; synchronous callers (the HTTP API) see the error themselves.</summary>
    public bool DeadLetterQueueEnabled { get; init; }
}

/// <summary>
/// The one way this product defines a Lambda function (style.md #8): our own runtime loop on
/// provided.al2023, Graviton, X-Ray, and a log group we own so its retention is ours.
/// </summary>
public sealed class ReleaseCenterFunction : Construct
{
    /// <summary>Lambda rejects longer function names at deploy time; we fail at synth instead.</summary>
    public const int MaxFunctionNameLength = 64;

    public ReleaseCenterFunction(Construct scope, string id, ReleaseCenterFunctionProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (string.IsNullOrWhiteSpace(props.FunctionName) || props.FunctionName.Length > MaxFunctionNameLength)
        {
            throw new ArgumentException(
                $"Lambda function name '{props.FunctionName}' is {props.FunctionName?.Length ?? 0} characters; " +
                $"it must be 1 to {MaxFunctionNameLength}. Shorten the stage or the function's name in ResourceNames.",
                nameof(props));
        }

        // Created explicitly (not through the logRetention custom resource) so no extra Lambda and
        // no logs:* on "*" policy appear; DESTROY because a retained, named log group blocks re-creating the stack.
        LogGroup = new LogGroup(this, "LogGroup", new LogGroupProps
        {
            LogGroupName = $"/aws/lambda/{props.FunctionName}",
            Retention = props.LogRetention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        Function = new LambdaFunction(this, "Function", new FunctionProps
        {
            FunctionName = props.FunctionName,
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = LambdaArchitecture.ARM_64,
            // A custom runtime ignores the handler; "bootstrap" names the executable Lambda starts.
            Handler = "bootstrap",
            Code = props.Code,
            MemorySize = props.MemorySize,
            Timeout = props.Timeout ?? Duration.Seconds(30),
            Tracing = Tracing.ACTIVE,
            LogGroup = LogGroup,
            Environment = props.Environment,
            DeadLetterQueueEnabled = props.DeadLetterQueueEnabled,
        });
    }

    public LambdaFunction Function { get; }

    public LogGroup LogGroup { get; }
}
