namespace ReleaseCenter.Aws.Resources;

/// <summary>
/// Names of every AWS resource the product owns, in one place. The CDK app, the local stack
/// and the tests all derive names from here, so they cannot drift apart.
/// Pattern: {service}-{thing}-{stage} (style.md #9).
/// </summary>
public sealed record ResourceNames(string Stage)
{
    public const string Service = "release-center";

    /// <summary>The <c>source</c> of every event the product puts on its bus (docs/events.md).</summary>
    public const string EventSource = Service;

    public string TableName => $"{Service}-table-{Stage}";

    /// <summary>The event bus keeps the product's name (api.md, events.md); the stage is a suffix only outside prod.</summary>
    public string EventBusName => Stage == "prod" ? Service : $"{Service}-{Stage}";

    public string EventArchiveName => $"{Service}-archive-{Stage}";

    /// <summary>The local stack's audit anchor bucket (in AWS, CloudFormation names it: bucket names are global).</summary>
    public string LocalAnchorBucketName
    {
        get
        {
            var name = $"{Service}-anchors-{Stage}".ToLowerInvariant();
            return name.Length <= 63 ? name : name[..63].TrimEnd('-');
        }
    }

    /// <summary>The local stack's export bucket (in AWS, CloudFormation names it).</summary>
    public string LocalExportBucketName
    {
        get
        {
            var name = $"{Service}-exports-{Stage}".ToLowerInvariant();
            return name.Length <= 63 ? name : name[..63].TrimEnd('-');
        }
    }

    public string ApiFunctionName => $"{Service}-api-{Stage}";

    public string StateMachineName(string workflow) => $"{Service}-{workflow}-{Stage}";

    /// <summary>The Lambda function that runs one handler of the bootstrap (its Handler setting is the handler name).</summary>
    public string FunctionName(string handler) => $"{Service}-{handler}-{Stage}";

    public string HttpApiName => $"{Service}-http-{Stage}";

    /// <summary>SageMaker endpoint of a model in an environment (see <see cref="SageMakerNames"/>).</summary>
    public static string EndpointName(string model, string environment) => SageMakerNames.Endpoint(model, environment);
}
