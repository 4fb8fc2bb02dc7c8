using Amazon.CDK;
using Amazon.CDK.AWS.Apigatewayv2;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.Cognito;
using Amazon.CDK.AWS.S3;
using Constructs;
using ReleaseCenter.Aws.Resources;
using CloudFrontFunction = Amazon.CDK.AWS.CloudFront.Function;

namespace ReleaseCenter.Infra;

public sealed class ConsoleConstructProps
{
    public required HttpApi Api { get; init; }

    public required ResourceNames Names { get; init; }

    public required string Stage { get; init; }

    /// <summary>The environments in promotion order: each gets an approvers-&lt;env&gt; group.</summary>
    public required IReadOnlyList<string> Environments { get; init; }

    /// <summary>The hosted UI's domain prefix; by default release-center-&lt;stage&gt;-&lt;account&gt;.</summary>
    public string? CognitoDomainPrefix { get; init; }
}

/// <summary>
/// The web console in AWS: its files in a private S3 bucket behind CloudFront (origin access control), the
/// HTTP API on the same distribution under /v1/* (same origin, no CORS), and sign-in through a Cognito user
/// pool's hosted UI (authorization code flow with PKCE, a public client without a secret). The pool's groups are
/// the roles the API reads from <c>cognito:groups</c>.
/// </summary>
public sealed class ConsoleConstruct : Construct
{
    /// <summary>Groups every deployment has; approvers-&lt;env&gt; are added per environment.</summary>
    public static readonly string[] FixedGroups = ["ml-engineers", "release-admins"];

    /// <summary>Paths the API answers on the distribution; everything else is the console.</summary>
    public static readonly string[] ApiPaths = ["/v1/*", "/openapi/*", "/healthz"];

    // Client-side routes (/releases/rel-…) have no file: the viewer request for a path without an extension gets
    // /index.html. A distribution-wide error response would also turn the API's own 403/404 into the console page.
    private const string SpaRewrite = """
        function handler(event) {
          var request = event.request;
          var last = request.uri.split('/').pop();
          if (last.indexOf('.') === -1) {
            request.uri = '/index.html';
          }
          return request;
        }
        """;

    public ConsoleConstruct(Construct scope, string id, ConsoleConstructProps props) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        var stack = Stack.Of(this);

        Bucket = new Bucket(this, "Files", new BucketProps
        {
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            Encryption = BucketEncryption.S3_MANAGED,
            EnforceSSL = true,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        var rewrite = new CloudFrontFunction(this, "SpaRewrite", new FunctionProps
        {
            Comment = "Console routes without a file extension get index.html",
            Code = FunctionCode.FromInline(SpaRewrite),
            Runtime = FunctionRuntime.JS_2_0,
        });

        var api = new HttpOrigin(Fn.ParseDomainName(props.Api.ApiEndpoint), new HttpOriginProps
        {
            ProtocolPolicy = OriginProtocolPolicy.HTTPS_ONLY,
        });
        var apiBehavior = new BehaviorOptions
        {
            Origin = api,
            ViewerProtocolPolicy = ViewerProtocolPolicy.HTTPS_ONLY,
            AllowedMethods = AllowedMethods.ALLOW_ALL,
            // Never cached; every viewer header but Host (API Gateway routes by its own host name) reaches the API,
            // Authorization included.
            CachePolicy = CachePolicy.CACHING_DISABLED,
            OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        };

        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = $"ML Release Center console ({props.Stage})",
            DefaultRootObject = "index.html",
            HttpVersion = HttpVersion.HTTP2_AND_3,
            MinimumProtocolVersion = SecurityPolicyProtocol.TLS_V1_2_2021,
            DefaultBehavior = new BehaviorOptions
            {
                Origin = S3BucketOrigin.WithOriginAccessControl(Bucket),
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
                ResponseHeadersPolicy = ResponseHeadersPolicy.SECURITY_HEADERS,
                FunctionAssociations =
                [
                    new FunctionAssociation { Function = rewrite, EventType = FunctionEventType.VIEWER_REQUEST },
                ],
            },
            AdditionalBehaviors = ApiPaths.ToDictionary(p => p, IBehaviorOptions (_) => apiBehavior),
        });
        var origin = $"https://{Distribution.DistributionDomainName}";

        Users = new UserPool(this, "Users", new UserPoolProps
        {
            UserPoolName = $"{ResourceNames.Service}-{props.Stage}",
            SelfSignUpEnabled = false,
            SignInAliases = new SignInAliases { Username = true, Email = true },
            AutoVerify = new AutoVerifiedAttrs { Email = true },
            AccountRecovery = AccountRecovery.EMAIL_ONLY,
            PasswordPolicy = new PasswordPolicy
            {
                MinLength = 12,
                RequireDigits = true,
                RequireLowercase = true,
                RequireUppercase = true,
                RequireSymbols = false,
            },
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        Groups = FixedGroups.Concat(props.Environments.Select(e => $"approvers-{e}")).ToArray();
        foreach (var group in Groups)
        {
            _ = new CfnUserPoolGroup(this, $"Group-{group}", new CfnUserPoolGroupProps
            {
                UserPoolId = Users.UserPoolId,
                GroupName = group,
                Description = group.StartsWith("approvers-", StringComparison.Ordinal)
                    ? $"May approve releases into {group["approvers-".Length..]}"
                    : group == "ml-engineers" ? "May register models and versions and request releases" : "May administer the release center",
            });
        }

        Domain = Users.AddDomain("HostedUi", new UserPoolDomainOptions
        {
            CognitoDomain = new CognitoDomainOptions
            {
                DomainPrefix = props.CognitoDomainPrefix ?? $"{ResourceNames.Service}-{props.Stage}-{stack.Account}",
            },
        });

        Client = Users.AddClient("Console", new UserPoolClientOptions
        {
            UserPoolClientName = $"{ResourceNames.Service}-console-{props.Stage}",
            // A browser cannot keep a secret: a public client, whose code exchange PKCE protects.
            GenerateSecret = false,
            PreventUserExistenceErrors = true,
            AuthFlows = new AuthFlow { UserSrp = true },
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { AuthorizationCodeGrant = true },
                Scopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
                CallbackUrls = [$"{origin}/auth/callback"],
                LogoutUrls = [$"{origin}/sign-in"],
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            AccessTokenValidity = Duration.Hours(1),
            IdTokenValidity = Duration.Hours(1),
            RefreshTokenValidity = Duration.Hours(8),
            EnableTokenRevocation = true,
        });

        // rc, the CLI: a public client (it runs on people's machines) through the hosted UI, the authorization code flow with
        // PKCE, redirected to a loopback listener as `aws sso login` is. Cognito matches callback URLs exactly, so rc listens
        // on the first free of these ports.
        CliClient = Users.AddClient("Cli", new UserPoolClientOptions
        {
            UserPoolClientName = $"{ResourceNames.Service}-cli-{props.Stage}",
            GenerateSecret = false,
            PreventUserExistenceErrors = true,
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { AuthorizationCodeGrant = true },
                Scopes = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
                CallbackUrls = [.. CliLoopbackPorts.Select(p => $"http://localhost:{p}/callback")],
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            AccessTokenValidity = Duration.Hours(1),
            IdTokenValidity = Duration.Hours(1),
            RefreshTokenValidity = Duration.Hours(8),
            EnableTokenRevocation = true,
        });

        // CI: a confidential client with the client credentials grant. Its token carries no person and no group, only the
        // resource server's scope release-center/ml-engineers (the API reads it as that role): it may register and
        // release, never approve.
        var engineers = new ResourceServerScope(new ResourceServerScopeProps
        {
            ScopeName = CiScopeName,
            ScopeDescription = "Register models and versions, request releases (the ml-engineers role)",
        });
        var resourceServer = Users.AddResourceServer("Api", new UserPoolResourceServerOptions
        {
            Identifier = ResourceServerIdentifier,
            UserPoolResourceServerName = $"{ResourceNames.Service}-api-{props.Stage}",
            Scopes = [engineers],
        });
        CiClient = Users.AddClient("Ci", new UserPoolClientOptions
        {
            UserPoolClientName = $"{ResourceNames.Service}-ci-{props.Stage}",
            GenerateSecret = true,
            OAuth = new OAuthSettings
            {
                Flows = new OAuthFlows { ClientCredentials = true },
                Scopes = [OAuthScope.ResourceServer(resourceServer, engineers)],
            },
            SupportedIdentityProviders = [UserPoolClientIdentityProvider.COGNITO],
            AccessTokenValidity = Duration.Hours(1),
            EnableTokenRevocation = true,
        });

        _ = new CfnOutput(this, "ConsoleUrl", new CfnOutputProps { Value = origin, Description = "The web console", ExportName = null });
        _ = new CfnOutput(this, "ConsoleBucketName", new CfnOutputProps { Value = Bucket.BucketName, Description = "Upload src/ReleaseCenter.Web/dist here" });
        _ = new CfnOutput(this, "ConsoleDistributionId", new CfnOutputProps { Value = Distribution.DistributionId });
        _ = new CfnOutput(this, "UserPoolId", new CfnOutputProps { Value = Users.UserPoolId });
        _ = new CfnOutput(this, "UserPoolClientId", new CfnOutputProps { Value = Client.UserPoolClientId });
        _ = new CfnOutput(this, "CognitoDomain", new CfnOutputProps { Value = $"{Domain.DomainName}.auth.{stack.Region}.amazoncognito.com" });
        _ = new CfnOutput(this, "CognitoIssuer", new CfnOutputProps { Value = Users.UserPoolProviderUrl });
        _ = new CfnOutput(this, "CliClientId", new CfnOutputProps { Value = CliClient.UserPoolClientId, Description = "rc login (config.json cliClientId)" });
        _ = new CfnOutput(this, "CiClientId", new CfnOutputProps
        {
            Value = CiClient.UserPoolClientId,
            Description = "CI jobs: rc login --client-credentials with RC_CLIENT_ID and RC_CLIENT_SECRET (aws cognito-idp describe-user-pool-client shows the secret)",
        });
    }

    /// <summary>The loopback ports rc listens on for the hosted UI's redirect (Cognito needs each callback URL listed).</summary>
    public static readonly int[] CliLoopbackPorts = [53682, 53683, 53684];

    /// <summary>The resource server's identifier: scopes are release-center/{role} (Roles.ScopePrefix in the API).</summary>
    public const string ResourceServerIdentifier = "release-center";

    /// <summary>The one scope a CI client gets: the ml-engineers role.</summary>
    public const string CiScopeName = "ml-engineers";

    /// <summary>rc, the CLI: hosted UI sign-in with PKCE and a loopback redirect.</summary>
    public UserPoolClient CliClient { get; }

    /// <summary>CI jobs: client credentials, scope release-center/ml-engineers.</summary>
    public UserPoolClient CiClient { get; }

    public Bucket Bucket { get; }

    public Distribution Distribution { get; }

    public UserPool Users { get; }

    public UserPoolDomain Domain { get; }

    public UserPoolClient Client { get; }

    public IReadOnlyList<string> Groups { get; }
}
