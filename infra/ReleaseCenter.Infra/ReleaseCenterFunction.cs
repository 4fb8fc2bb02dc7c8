using System.Text;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ReleaseCenter.Aws.Resources;
using LambdaArchitecture = Amazon.CDK.AWS.Lambda.Architecture;
using LambdaFunction = Amazon.CDK.AWS.Lambda.Function;

namespace ReleaseCenter.Infra;

/// <summary>Settings that differ between functions; everything else is decided once in <see cref="ReleaseCenterFunction"/>.</summary>
public sealed class ReleaseCenterFunctionProps
{
    public required string FunctionName { get; init; }

    /// <summary>The handler name the bootstrap dispatches on (Lambda passes it as _HANDLER): "api" or a workflow task.</summary>
    public required string Handler { get; init; }

    /// <summary>Shown in the console next to the function name.</summary>
    public string? Description { get; init; }

    /// <summary>A folder holding a self-contained linux-x64 executable named <c>bootstrap</c>; every function shares one.</summary>
    public required Code Code { get; init; }

    public IDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public double MemorySize { get; init; } = 512;

    public Duration? Timeout { get; init; }

    public RetentionDays LogRetention { get; init; } = RetentionDays.ONE_MONTH;

    /// <summary>Only asynchronous invocations use a dead-letter queue; synchronous callers (the HTTP API) see the error themselves.</summary>
    public bool DeadLetterQueueEnabled { get; init; }
}

/// <summary>
/// The one way this product defines a Lambda function (style.md #8): our own Native AOT runtime
/// loop on provided.al2023, x86_64, X-Ray, and a log group we own so its retention is ours.
/// </summary>
public sealed class ReleaseCenterFunction : Construct
{
    /// <summary>Lambda rejects longer function names at deploy time; we fail at synth instead.</summary>
    public const int MaxFunctionNameLength = 64;

    /// <summary>
    /// What an unresolved value (a Ref or an ARN) is counted as when checking the 4 KB environment limit:
    /// more than any of our ARNs or names can be once deployed.
    /// </summary>
    public const int UnresolvedValueAllowance = 256;

    /// <summary>
    /// Native AOT compiles for the machine's own architecture only, and we publish on x64 machines
    /// (developers and CI), so the bootstrap is linux-x64 and every function runs on x86_64.
    /// Graviton would need an arm64 build host.
    /// </summary>
    public static readonly LambdaArchitecture Architecture = LambdaArchitecture.X86_64;

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

        CheckEnvironmentSize(props.FunctionName, props.Environment);

        // Created explicitly (not through the logRetention custom resource) so no extra Lambda and
        // no logs:* on "*" policy appear; DESTROY because a retained, named log group blocks re-creating the stack.
        LogGroup = new LogGroup(this, "LogGroup", new LogGroupProps
        {
            LogGroupName = $"/aws/lambda/{props.FunctionName}",
            Retention = props.LogRetention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        // Our own role instead of CDK's default, which attaches AWSLambdaBasicExecutionRole
        // (log writes on every log group): this one may write only to the function's own.
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"Runs the Lambda function {props.FunctionName}",
        });
        LogGroup.GrantWrite(Role);

        Function = new LambdaFunction(this, "Function", new FunctionProps
        {
            Role = Role,
            FunctionName = props.FunctionName,
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture,
            // Lambda starts the executable named bootstrap and passes Handler as _HANDLER; one
            // bootstrap serves every function and runs the handler of that name.
            Handler = props.Handler,
            Description = props.Description,
            Code = props.Code,
            MemorySize = props.MemorySize,
            Timeout = props.Timeout ?? Duration.Seconds(ReleaseWorkflow.TaskTimeoutSeconds),
            Tracing = Tracing.ACTIVE,
            LogGroup = LogGroup,
            Environment = props.Environment,
            DeadLetterQueueEnabled = props.DeadLetterQueueEnabled,
        });
    }

    public LambdaFunction Function { get; }

    public LogGroup LogGroup { get; }

    public Role Role { get; }

    /// <summary>Lambda refuses more than 4 KB of environment variables at deploy time; we fail at synth and say which variable is big.</summary>
    private static void CheckEnvironmentSize(string functionName, IDictionary<string, string> environment)
    {
        static int Size(string value) => Token.IsUnresolved(value) ? UnresolvedValueAllowance : Encoding.UTF8.GetByteCount(value);

        var sizes = environment.Select(v => (v.Key, Bytes: Encoding.UTF8.GetByteCount(v.Key) + Size(v.Value))).ToList();
        var total = sizes.Sum(s => s.Bytes);
        if (total > ReleaseCenterStackProps.LambdaEnvironmentLimitBytes)
        {
            var largest = string.Join(", ", sizes.OrderByDescending(s => s.Bytes).Select(s => $"{s.Key} {s.Bytes}"));
            throw new InvalidOperationException(
                $"The environment variables of '{functionName}' take about {total} bytes, over Lambda's limit of " +
                $"{ReleaseCenterStackProps.LambdaEnvironmentLimitBytes} bytes (unresolved ARNs and names counted as " +
                $"{UnresolvedValueAllowance}). By size: {largest}.");
        }
    }
}
