using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Constructs;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra;

/// <summary>Everything that varies between deployments. Tests build it directly; the app reads it from CDK context.</summary>
public sealed partial class ReleaseCenterStackProps : StackProps
{
    public const string DefaultStage = "dev";
    public const string DefaultVersion = "0.1.0";

    /// <summary>Where the Lambda bundle is unless context says otherwise; relative to the repository root.</summary>
    public const string DefaultLambdaAssetPath = "artifacts/lambda";

    /// <summary>The per-environment release policy every function gets; relative to the repository root.</summary>
    public const string EnvironmentsFile = "config/environments.json";

    /// <summary>Which events of which project go to which destinations (docs/notifications.md).</summary>
    public const string NotificationsFile = "config/notifications.json";

    /// <summary>Slack approval: Slack users mapped to identities, and the hosts message updates may go to (docs/operations.md, Slack).</summary>
    public const string SlackFile = "config/slack.json";

    /// <summary>SageMaker Model Registry: groups mapped to models, and the buckets metrics reports may be read from (docs/operations.md).</summary>
    public const string ModelRegistryFile = "config/model-registry.json";

    /// <summary>Lambda's limit for all of a function's environment variables together (keys and values).</summary>
    public const int LambdaEnvironmentLimitBytes = 4096;

    /// <summary>How to produce the Lambda bundle; part of every error about a missing or incomplete one.</summary>
    public const string LambdaAssetHint =
        "Publish the functions first: `dotnet publish src/ReleaseCenter.Lambda -c Release -r linux-x64 -o artifacts/lambda` " +
        "(a Native AOT executable named bootstrap), then synth again; for another folder pass `-c lambdaAssetPath=PATH` " +
        "or set it in cdk.json.";

    /// <summary>No indentation; no \uXXXX escaping of characters that are only special in HTML, which would only eat into the 4 KB.</summary>
    private static readonly JsonSerializerOptions MinifiedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public required string Stage { get; init; }

    public required string Version { get; init; }

    /// <summary>Full path of the folder with the published functions (a linux-x64 Native AOT executable named <c>bootstrap</c>).</summary>
    public required string LambdaAssetPath { get; init; }

    /// <summary>Full path of the repository root: the state machine definition is read from there.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>The S3 bucket SageMaker reads model artifacts from (model.tar.gz); the execution role may read its objects only.</summary>
    public required string ModelArtifactsBucket { get; init; }

    /// <summary><see cref="EnvironmentsFile"/>, minified: the value of RELEASE_CENTER_ENVIRONMENTS.</summary>
    public required string EnvironmentsJson { get; init; }

    /// <summary>Another OpenID Connect issuer the API trusts instead of the stack's Cognito user pool; null for the pool.</summary>
    public string? JwtIssuer { get; init; }

    /// <summary>Audiences (client ids) the authorizer accepts besides the console's own client.</summary>
    public IReadOnlyList<string> JwtAudiences { get; init; } = [];

    /// <summary>The Cognito hosted UI's domain prefix (context cognitoDomainPrefix); null for release-center-&lt;stage&gt;-&lt;account&gt;.</summary>
    public string? CognitoDomainPrefix { get; init; }

    public const string DefaultSageMakerNamePrefix = ResourceNames.Service + "-";

    /// <summary>
    /// What starts every SageMaker endpoint, endpoint config, model, model package group and retraining pipeline name the
    /// service uses (context sageMakerNamePrefix, default "release-center-"); its SageMaker grants cover only those.
    /// </summary>
    public string SageMakerNamePrefix { get; init; } = DefaultSageMakerNamePrefix;

    /// <summary>
    /// Reads stage, version, lambdaAssetPath, modelArtifactsBucket, jwtIssuer and jwtAudience (comma-separated)
    /// from context, and <see cref="EnvironmentsFile"/> from the repository. Throws <see cref="InvalidOperationException"/>
    /// naming the missing key or file, so synth fails before anything is built.
    /// </summary>
    public static ReleaseCenterStackProps FromContext(Construct scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var node = scope.Node;

        var stage = ReadString(node, "stage") ?? DefaultStage;
        if (!StagePattern().IsMatch(stage))
        {
            throw new InvalidOperationException(
                $"Context 'stage' is '{stage}': use 1-16 lowercase letters, digits or hyphens, starting with a letter " +
                "(it becomes part of every resource name).");
        }

        var root = Infra.RepositoryRoot.Find();
        var lambdaAssetPath = Infra.RepositoryRoot.Resolve(root, ReadString(node, "lambdaAssetPath") ?? DefaultLambdaAssetPath);

        var bucket = ReadString(node, "modelArtifactsBucket") ?? DefaultModelArtifactsBucket(stage);
        if (!BucketNamePattern().IsMatch(bucket) || bucket.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Context 'modelArtifactsBucket' is '{bucket}': give the name (not the ARN or s3:// URL) of the bucket " +
                "holding model artifacts: 3-63 lowercase letters, digits, dots or hyphens (e.g. `-c modelArtifactsBucket=acme-ml-models`).");
        }

        // Optional: by default the API trusts the stack's own Cognito user pool (the console signs in there).
        // jwtIssuer names another OpenID Connect issuer instead; jwtAudience adds audiences (client ids) it accepts.
        var issuer = ReadString(node, "jwtIssuer");
        if (issuer is not null && (!Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri) || issuerUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"Context 'jwtIssuer' is '{issuer}': API Gateway requires an https:// URL.");
        }

        var audiences = ReadList(node, "jwtAudience");
        if (issuer is not null && audiences.Count == 0)
        {
            throw new InvalidOperationException(
                "Missing context 'jwtAudience': with 'jwtIssuer' set, the JWT authorizer needs at least one allowed audience " +
                "(comma-separated, e.g. `-c jwtAudience=release-center,release-center-cli` or set it in cdk.json).");
        }

        var sageMakerPrefix = ReadString(node, "sageMakerNamePrefix") ?? DefaultSageMakerNamePrefix;
        if (SageMakerNames.PrefixProblem(sageMakerPrefix) is { } problem)
        {
            throw new InvalidOperationException($"Context 'sageMakerNamePrefix' is '{sageMakerPrefix}': it {problem}.");
        }

        return new ReleaseCenterStackProps
        {
            Stage = stage,
            SageMakerNamePrefix = sageMakerPrefix,
            Version = ReadString(node, "version") ?? DefaultVersion,
            LambdaAssetPath = lambdaAssetPath,
            RepositoryRoot = root,
            ModelArtifactsBucket = bucket,
            EnvironmentsJson = ReadEnvironmentsJson(Path.Combine(root, EnvironmentsFile)),
            Notifications = ReadNotifications(Path.Combine(root, NotificationsFile)),
            SlackJson = ReadSlackJson(Path.Combine(root, SlackFile)),
            ModelRegistryJson = ModelRegistryConfig.WithReportBucket(ReadModelRegistryJson(Path.Combine(root, ModelRegistryFile)), bucket),
            JwtIssuer = issuer,
            JwtAudiences = audiences,
            CognitoDomainPrefix = ReadString(node, "cognitoDomainPrefix"),
            Description = $"ML Release Center ({stage})",
        };
    }

    /// <summary><see cref="SlackFile"/> minified, without its $comment (the API function's RELEASE_CENTER_SLACK); null: no Slack approval.</summary>
    public string? SlackJson { get; init; }

    public static string? ReadSlackJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json.Remove("$comment");
        return json.ToJsonString(MinifiedJson);
    }

    /// <summary><see cref="ModelRegistryFile"/> minified, without its $comment (RELEASE_CENTER_MODEL_REGISTRY); null: no group is imported.</summary>
    public string? ModelRegistryJson { get; init; }

    /// <summary><see cref="ModelRegistryJson"/>, parsed: which groups' packages and which report buckets the grants name.</summary>
    public ModelRegistryConfig ModelRegistry => ModelRegistryConfig.Parse(ModelRegistryJson);

    /// <summary>Reads and checks the mapping; a malformed one stops synth with the reason.</summary>
    public static string? ReadModelRegistryJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var json = ReadSlackJson(path)!;
        try
        {
            ModelRegistryConfig.Parse(json);
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"The model registry mapping '{path}' is not valid: {e.Message}", e);
        }
        return json;
    }

    /// <summary><see cref="NotificationsFile"/>, parsed; none when the file is absent.</summary>
    public Domain.Notifications.NotificationPolicy Notifications { get; init; } = Domain.Notifications.NotificationPolicy.Empty;

    /// <summary>Parses the notification policy; a malformed one stops synth with every problem (never a webhook URL).</summary>
    public static Domain.Notifications.NotificationPolicy ReadNotifications(string path)
    {
        if (!File.Exists(path))
        {
            return Domain.Notifications.NotificationPolicy.Empty;
        }
        try
        {
            return Domain.Notifications.NotificationPolicy.Parse(File.ReadAllText(path));
        }
        catch (Domain.Notifications.NotificationPolicyException e)
        {
            throw new InvalidOperationException($"The notification policy file '{path}' is not valid: {e.Message}", e);
        }
    }

    /// <summary>Used when context names no bucket: one per stage, named like every other resource.</summary>
    public static string DefaultModelArtifactsBucket(string stage) => $"{ResourceNames.Service}-models-{stage}";

    /// <summary>
    /// The file's JSON without whitespace. Fails when the file is missing or not JSON, or when it alone would
    /// exceed Lambda's 4 KB limit for environment variables (the function's other variables are checked by
    /// <see cref="ReleaseCenterFunction"/>).
    /// </summary>
    public static string ReadEnvironmentsJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"The environment policy file '{path}' does not exist. Every function gets its content as " +
                $"{FunctionVariables.Environments}; restore {EnvironmentsFile} in the repository.");
        }

        string minified;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            minified = JsonSerializer.Serialize(document.RootElement, MinifiedJson);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"The environment policy file '{path}' is not valid JSON: {e.Message}", e);
        }

        var bytes = Encoding.UTF8.GetByteCount(FunctionVariables.Environments) + Encoding.UTF8.GetByteCount(minified);
        if (bytes > LambdaEnvironmentLimitBytes)
        {
            throw new InvalidOperationException(
                $"The environment policy file '{path}' is {bytes} bytes as {FunctionVariables.Environments} " +
                $"(minified, with the variable name), over Lambda's limit of {LambdaEnvironmentLimitBytes} bytes for all of a " +
                "function's environment variables together. Shorten it (fewer gate metrics or environments).");
        }

        return minified;
    }

    private static string? ReadString(Node node, string key) =>
        node.TryGetContext(key) switch
        {
            null => null,
            string s when string.IsNullOrWhiteSpace(s) => null,
            string s => s.Trim(),
            IConvertible c => c.ToString(CultureInfo.InvariantCulture),
            var other => other.ToString(),
        };

    /// <summary>Accepts "a,b" (the only form `-c` can pass) and a JSON array (convenient in cdk.json).</summary>
    private static List<string> ReadList(Node node, string key)
    {
        var raw = node.TryGetContext(key);
        IEnumerable<string?> items = raw switch
        {
            null => [],
            string s => s.Split(','),
            System.Collections.IEnumerable e => e.Cast<object?>().Select(o => o?.ToString()),
            var other => [other.ToString()],
        };
        return items.Select(i => i?.Trim()).OfType<string>().Where(i => i.Length > 0).Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex StagePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex BucketNamePattern();
}
