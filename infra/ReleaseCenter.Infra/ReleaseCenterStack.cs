using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AwsApigatewayv2Authorizers;
using Amazon.CDK.AwsApigatewayv2Integrations;
using Constructs;
using ReleaseCenter.Aws.Resources;
using ApiHttpMethod = Amazon.CDK.AWS.Apigatewayv2.HttpMethod;
using DynamoAttribute = Amazon.CDK.AWS.DynamoDB.Attribute;

namespace ReleaseCenter.Infra;

/// <summary>Everything one stage of ML Release Center runs on.</summary>
public sealed class ReleaseCenterStack : Stack
{
    public ReleaseCenterStack(Construct scope, string id, ReleaseCenterStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        Names = new ResourceNames(props.Stage);

        Amazon.CDK.Tags.Of(this).Add("service", ResourceNames.Service);
        Amazon.CDK.Tags.Of(this).Add("stage", props.Stage);
        Amazon.CDK.Tags.Of(this).Add("version", props.Version);

        Table = CreateTable(Names);

        Bus = new EventBus(this, "EventBus", new EventBusProps { EventBusName = Names.EventBusName });
        Bus.Archive("EventArchive", new BaseArchiveProps
        {
            ArchiveName = Names.EventArchiveName,
            Description = "Every event on the release-center bus, for replay and audit.",
            // An archive on a bus sees only that bus's events; matching our account takes all of them.
            EventPattern = new EventPattern { Account = [Account] },
            Retention = Duration.Days(365),
        });

        ApiFunction = new ReleaseCenterFunction(this, "ApiFunction", new ReleaseCenterFunctionProps
        {
            FunctionName = Names.ApiFunctionName,
            Code = Code.FromAsset(RequireApiBundle(props.ApiAssetPath)),
            Environment = new Dictionary<string, string>
            {
                ["TABLE_NAME"] = Table.TableName,
                ["EVENT_BUS_NAME"] = Bus.EventBusName,
                ["STAGE"] = props.Stage,
            },
        }).Function;

        Table.GrantReadWriteData(ApiFunction);
        Bus.GrantPutEventsTo(ApiFunction);

        HttpApi = CreateHttpApi(Names, ApiFunction, props);

        _ = new CfnOutput(this, "ApiUrl", new CfnOutputProps { Value = HttpApi.ApiEndpoint, Description = "Base URL of the HTTP API" });
        _ = new CfnOutput(this, "TableName", new CfnOutputProps { Value = Table.TableName });
        _ = new CfnOutput(this, "EventBusName", new CfnOutputProps { Value = Bus.EventBusName });
    }

    public ResourceNames Names { get; }

    public Table Table { get; }

    public EventBus Bus { get; }

    public Amazon.CDK.AWS.Lambda.Function ApiFunction { get; }

    public HttpApi HttpApi { get; }

    /// <summary>The table comes from <see cref="TableSchema"/>, the same description local provisioning uses.</summary>
    private Table CreateTable(ResourceNames names)
    {
        static DynamoAttribute Key(string name) => new() { Name = name, Type = AttributeType.STRING };

        var table = new Table(this, "Table", new TableProps
        {
            TableName = names.TableName,
            PartitionKey = Key(TableSchema.PartitionKey),
            SortKey = Key(TableSchema.SortKey),
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            // Release history is the product's record; deleting the stack must never delete it.
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        foreach (var index in TableSchema.GlobalSecondaryIndexes)
        {
            table.AddGlobalSecondaryIndex(new GlobalSecondaryIndexProps
            {
                IndexName = index.Name,
                PartitionKey = Key(index.PartitionKey),
                SortKey = Key(index.SortKey),
                ProjectionType = ProjectionType.ALL,
            });
        }

        return table;
    }

    private HttpApi CreateHttpApi(ResourceNames names, IFunction handler, ReleaseCenterStackProps props)
    {
        var api = new HttpApi(this, "HttpApi", new HttpApiProps
        {
            ApiName = names.ApiFunctionName,
            Description = "ML Release Center API",
        });

        var integration = new HttpLambdaIntegration("ApiIntegration", handler);
        var jwt = new HttpJwtAuthorizer("JwtAuthorizer", props.JwtIssuer, new HttpJwtAuthorizerProps
        {
            AuthorizerName = "jwt",
            JwtAudience = [.. props.JwtAudiences],
        });

        api.AddRoutes(new AddRoutesOptions
        {
            Path = "/{proxy+}",
            Methods = [ApiHttpMethod.ANY],
            Integration = integration,
            Authorizer = jwt,
        });

        // Load balancers and uptime checks call this without a token; the handler reveals nothing else there.
        api.AddRoutes(new AddRoutesOptions
        {
            Path = "/healthz",
            Methods = [ApiHttpMethod.GET],
            Integration = integration,
            Authorizer = new HttpNoneAuthorizer(),
        });

        return api;
    }

    /// <summary>Fails synth with the command that produces the bundle instead of CDK's bare "Cannot find asset".</summary>
    private static string RequireApiBundle(string path)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
        {
            throw new InvalidOperationException($"API bundle folder '{full}' (context 'apiAssetPath') does not exist. {ReleaseCenterStackProps.ApiAssetHint}");
        }

        if (!File.Exists(Path.Combine(full, "bootstrap")))
        {
            throw new InvalidOperationException($"API bundle folder '{full}' has no 'bootstrap' executable. {ReleaseCenterStackProps.ApiAssetHint}");
        }

        return full;
    }
}
