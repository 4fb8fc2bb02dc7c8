using System.Text.Json.Nodes;

namespace ReleaseCenter.Infra.Tests;

/// <summary>The console in AWS: a private bucket behind CloudFront (OAC), the API under /v1/* on the same distribution, Cognito sign-in.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class ConsoleInfraTests(SynthesizedStackFixture stack)
{
    // AWS managed policies, by their documented ids.
    private const string CachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
    private const string CachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6";
    private const string AllViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac";

    private JsonObject Distribution => stack.Single("AWS::CloudFront::Distribution").Properties["DistributionConfig"]!.AsObject();

    private (string LogicalId, JsonObject Properties) ConsoleBucket()
    {
        var buckets = stack.Resources("AWS::S3::Bucket").Where(b => b.LogicalId.StartsWith("ConsoleFiles", StringComparison.Ordinal)).ToList();
        Assert.Single(buckets);
        return (buckets[0].LogicalId, buckets[0].Resource["Properties"]!.AsObject());
    }

    [Fact]
    public void Bucket_IsPrivate_Encrypted_AndKeptWhenTheStackGoes()
    {
        var (id, bucket) = ConsoleBucket();
        var block = bucket["PublicAccessBlockConfiguration"]!.AsObject();

        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.True((bool)block[setting]!, setting);
        }
        Assert.Equal("AES256", (string)bucket["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!);
        Assert.Equal("Retain", (string)stack.Json["Resources"]![id]!["DeletionPolicy"]!);
    }

    [Fact]
    public void Bucket_IsReadOnlyByThisDistribution_ThroughOriginAccessControl()
    {
        var (bucketId, _) = ConsoleBucket();
        var (oacId, oac) = stack.Single("AWS::CloudFront::OriginAccessControl");
        var (distributionId, _) = stack.Single("AWS::CloudFront::Distribution");
        Assert.Equal("s3", (string)oac["OriginAccessControlConfig"]!["OriginAccessControlOriginType"]!);
        Assert.Equal("always", (string)oac["OriginAccessControlConfig"]!["SigningBehavior"]!);

        var s3Origin = Distribution["Origins"]!.AsArray().Single(o => o!["S3OriginConfig"] is not null)!;
        Assert.Equal([oacId], TemplateJson.ReferencedIds(s3Origin["OriginAccessControlId"]));
        Assert.Equal([bucketId], TemplateJson.ReferencedIds(s3Origin["DomainName"]));

        var policy = stack.Resources("AWS::S3::BucketPolicy")
            .Select(p => p.Resource["Properties"]!.AsObject())
            .Single(p => TemplateJson.ReferencedIds(p["Bucket"]).Contains(bucketId));
        var grant = policy["PolicyDocument"]!["Statement"]!.AsArray()
            .Single(s => (string?)s!["Principal"]?["Service"] == "cloudfront.amazonaws.com")!;
        Assert.Equal("Allow", (string)grant["Effect"]!);
        Assert.Equal(["s3:GetObject"], TemplateJson.Strings(grant["Action"]));
        Assert.Contains(distributionId, grant["Condition"]!["StringEquals"]!["AWS:SourceArn"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Distribution_SendsApiPathsToTheHttpApi_Uncached_WithEveryViewerHeaderButHost()
    {
        var (apiId, _) = stack.Single("AWS::ApiGatewayV2::Api");
        var behaviors = Distribution["CacheBehaviors"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.Equal(ConsoleConstruct.ApiPaths.Order(StringComparer.Ordinal), behaviors.Select(b => (string)b["PathPattern"]!).Order(StringComparer.Ordinal));

        foreach (var behavior in behaviors)
        {
            Assert.Equal(CachingDisabled, (string)behavior["CachePolicyId"]!);
            Assert.Equal(AllViewerExceptHostHeader, (string)behavior["OriginRequestPolicyId"]!);
            Assert.Contains("POST", TemplateJson.Strings(behavior["AllowedMethods"]));
            Assert.Contains("DELETE", TemplateJson.Strings(behavior["AllowedMethods"]));
            Assert.Equal("https-only", (string)behavior["ViewerProtocolPolicy"]!);
            var origin = Distribution["Origins"]!.AsArray().Single(o => (string)o!["Id"]! == (string)behavior["TargetOriginId"]!)!;
            Assert.Equal("https-only", (string)origin["CustomOriginConfig"]!["OriginProtocolPolicy"]!);
            Assert.Equal([apiId], TemplateJson.ReferencedIds(origin["DomainName"]));
        }
    }

    [Fact]
    public void Distribution_ServesTheConsole_Cached_HttpsOnly_WithIndexHtmlForClientRoutes()
    {
        var behavior = Distribution["DefaultCacheBehavior"]!.AsObject();
        Assert.Equal(CachingOptimized, (string)behavior["CachePolicyId"]!);
        Assert.Equal("redirect-to-https", (string)behavior["ViewerProtocolPolicy"]!);
        Assert.Equal("index.html", (string)Distribution["DefaultRootObject"]!);
        // No distribution-wide error pages: they would answer the API's own 403/404 with the console.
        Assert.Null(Distribution["CustomErrorResponses"]);

        var association = Assert.Single(behavior["FunctionAssociations"]!.AsArray())!;
        Assert.Equal("viewer-request", (string)association["EventType"]!);
        var (functionId, function) = stack.Single("AWS::CloudFront::Function");
        Assert.Equal([functionId], TemplateJson.ReferencedIds(association["FunctionARN"]));
        Assert.Equal("cloudfront-js-2.0", (string)function["FunctionConfig"]!["Runtime"]!);
        Assert.Contains("/index.html", (string)function["FunctionCode"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void UserPool_HasOneGroupPerRole_ApproversForEveryConfiguredEnvironment()
    {
        var (poolId, pool) = stack.Single("AWS::Cognito::UserPool");
        Assert.True((bool)pool["AdminCreateUserConfig"]!["AllowAdminCreateUserOnly"]!, "self sign-up must be off");

        var groups = stack.Resources("AWS::Cognito::UserPoolGroup").Select(g => g.Resource["Properties"]!.AsObject()).ToList();
        Assert.All(groups, g => Assert.Equal([poolId], TemplateJson.ReferencedIds(g["UserPoolId"])));
        Assert.Equal(
            ["approvers-dev", "approvers-prod", "approvers-staging", "ml-engineers", "release-admins"],
            groups.Select(g => (string)g["GroupName"]!).Order(StringComparer.Ordinal));
        var (_, domain) = stack.Single("AWS::Cognito::UserPoolDomain");
        Assert.Equal([poolId], TemplateJson.ReferencedIds(domain["UserPoolId"]));
    }

    [Fact]
    public void ConsoleClient_IsAPublicCodeFlowClient_ReturningToTheDistribution()
    {
        var (_, client) = stack.AppClient("console");
        var (distributionId, _) = stack.Single("AWS::CloudFront::Distribution");

        Assert.Equal(["code"], TemplateJson.Strings(client["AllowedOAuthFlows"]));
        Assert.True((bool)client["AllowedOAuthFlowsUserPoolClient"]!);
        Assert.NotEqual(true, (bool?)client["GenerateSecret"]);
        Assert.Equal(["COGNITO"], TemplateJson.Strings(client["SupportedIdentityProviders"]));
        Assert.Equal(["email", "openid", "profile"], TemplateJson.Strings(client["AllowedOAuthScopes"]).Order(StringComparer.Ordinal));
        var callback = client["CallbackURLs"]!.ToJsonString();
        Assert.Contains(distributionId, callback, StringComparison.Ordinal);
        Assert.Contains("/auth/callback", callback, StringComparison.Ordinal);
    }

    [Fact]
    public void CliClient_IsAPublicCodeFlowClient_ReturningToRcsLoopbackPorts()
    {
        var (_, client) = stack.AppClient("cli");

        Assert.Equal(["code"], TemplateJson.Strings(client["AllowedOAuthFlows"]));
        Assert.NotEqual(true, (bool?)client["GenerateSecret"]);
        Assert.Equal(["email", "openid", "profile"], TemplateJson.Strings(client["AllowedOAuthScopes"]).Order(StringComparer.Ordinal));
        // Exactly the ports rc tries, on localhost: Cognito matches callback URLs exactly.
        Assert.Equal(ReleaseCenter.Cli.CognitoLogin.LoopbackPorts.Select(p => $"http://localhost:{p}/callback"), TemplateJson.Strings(client["CallbackURLs"]));
        Assert.Equal(ConsoleConstruct.CliLoopbackPorts, ReleaseCenter.Cli.CognitoLogin.LoopbackPorts);
    }

    [Fact]
    public void CiClient_HasASecret_AndOnlyTheClientCredentialsGrant_ForTheMlEngineersScope()
    {
        var (_, client) = stack.AppClient("ci");
        var (serverId, server) = stack.Single("AWS::Cognito::UserPoolResourceServer");

        Assert.True((bool)client["GenerateSecret"]!);
        Assert.Equal(["client_credentials"], TemplateJson.Strings(client["AllowedOAuthFlows"]));
        Assert.Equal(ReleaseCenter.Cli.CognitoLogin.CiScope, $"{ConsoleConstruct.ResourceServerIdentifier}/{ConsoleConstruct.CiScopeName}");
        Assert.Equal(ReleaseCenter.Api.Auth.Roles.ScopePrefix, ConsoleConstruct.ResourceServerIdentifier + "/");
        // "{resource server identifier}/ml-engineers", the identifier referenced from the resource server.
        var scope = Assert.Single(client["AllowedOAuthScopes"]!.AsArray())!.ToJsonString();
        Assert.Contains(serverId, scope, StringComparison.Ordinal);
        Assert.EndsWith("\"/ml-engineers\"]]}", scope, StringComparison.Ordinal);
        // The resource server has that one scope: no client can be given approver or admin rights through a scope.
        Assert.Equal(["ml-engineers"], server["Scopes"]!.AsArray().Select(s => (string)s!["ScopeName"]!));
        Assert.Equal("release-center", (string)server["Identifier"]!);
        Assert.NotNull(serverId);
    }

    [Fact]
    public void Outputs_NameWhatTheConsoleDeployNeeds()
    {
        var outputs = stack.Json["Outputs"]!.AsObject().Select(o => o.Key).ToList();
        foreach (var name in new[] { "ConsoleUrl", "ConsoleBucketName", "ConsoleDistributionId", "UserPoolId", "UserPoolClientId", "CognitoDomain", "CliClientId", "CiClientId" })
        {
            Assert.Contains(outputs, o => o.StartsWith($"Console{name}", StringComparison.Ordinal) || o.StartsWith(name, StringComparison.Ordinal));
        }
    }
}
