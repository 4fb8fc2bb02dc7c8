using System.Text.Json.Nodes;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class HttpApiTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void HttpApi_IsNamedFromResourceNames()
    {
        var (_, api) = stack.Single("AWS::ApiGatewayV2::Api");
        Assert.Equal(stack.Names.HttpApiName, (string)api["Name"]!);
    }

    [Fact]
    public void JwtAuthorizer_TrustsTheUserPool_AndAcceptsTheConsoleClientAndTheContextAudiences()
    {
        var (_, authorizer) = stack.Single("AWS::ApiGatewayV2::Authorizer");
        var (poolId, _) = stack.Single("AWS::Cognito::UserPool");
        var (clientId, _) = stack.AppClient("console");
        var (cliId, _) = stack.AppClient("cli");
        var (ciId, _) = stack.AppClient("ci");

        Assert.Equal("JWT", (string)authorizer["AuthorizerType"]!);
        Assert.Equal(["$request.header.Authorization"], TemplateJson.Strings(authorizer["IdentitySource"]));
        Assert.Equal($$"""{"Fn::GetAtt":["{{poolId}}","ProviderURL"]}""", authorizer["JwtConfiguration"]!["Issuer"]!.ToJsonString());
        var audiences = authorizer["JwtConfiguration"]!["Audience"]!.AsArray();
        Assert.Equal($$"""{"Ref":"{{clientId}}"}""", audiences[0]!.ToJsonString());
        Assert.Equal($$"""{"Ref":"{{cliId}}"}""", audiences[1]!.ToJsonString());
        Assert.Equal($$"""{"Ref":"{{ciId}}"}""", audiences[2]!.ToJsonString());
        Assert.Equal(SynthesizedStackFixture.JwtAudiences, audiences.Skip(3).Select(a => (string)a!));
    }

    [Fact]
    public void ProxyRoute_RequiresAJwtAndReachesTheApiFunction()
    {
        var (authorizerId, _) = stack.Single("AWS::ApiGatewayV2::Authorizer");
        var route = Route("ANY /{proxy+}");

        Assert.Equal("JWT", (string)route["AuthorizationType"]!);
        Assert.Equal([authorizerId], TemplateJson.ReferencedIds(route["AuthorizerId"]));
        AssertTargetsApiFunction(route);
    }

    [Fact]
    public void HealthzRoute_IsPublicAndReachesTheApiFunction()
    {
        var route = Route("GET /healthz");

        Assert.Equal("NONE", (string)route["AuthorizationType"]!);
        Assert.Null(route["AuthorizerId"]);
        AssertTargetsApiFunction(route);
    }

    [Fact]
    public void HttpApi_HasOnlyTheProxyHealthzAndSlackRoutes()
    {
        var routeKeys = stack.Resources("AWS::ApiGatewayV2::Route")
            .Select(r => (string)r.Resource["Properties"]!["RouteKey"]!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(["ANY /{proxy+}", "GET /healthz", "POST /v1/integrations/slack/interactions"], routeKeys);
    }

    /// <summary>Slack signs its callbacks instead of sending a bearer token: the route is open at the gateway and checks the signature itself.</summary>
    [Fact]
    public void SlackInteractionRoute_IsPublicAtTheGateway_AndReachesTheApiFunction()
    {
        var route = Route("POST /v1/integrations/slack/interactions");

        Assert.Equal("NONE", (string)route["AuthorizationType"]!);
        AssertTargetsApiFunction(route);
    }

    [Fact]
    public void Outputs_ExposeApiUrlTableNameAndEventBusName()
    {
        var outputs = stack.Json["Outputs"]!.AsObject();
        var (apiId, _) = stack.Single("AWS::ApiGatewayV2::Api");
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");

        Assert.Equal([apiId], TemplateJson.ReferencedIds(outputs["ApiUrl"]!["Value"]));
        Assert.Equal("""{"Fn::GetAtt":["__API__","ApiEndpoint"]}""".Replace("__API__", apiId, StringComparison.Ordinal), outputs["ApiUrl"]!["Value"]!.ToJsonString());
        Assert.Equal([tableId], TemplateJson.ReferencedIds(outputs["TableName"]!["Value"]));
        Assert.Equal([busId], TemplateJson.ReferencedIds(outputs["EventBusName"]!["Value"]));
    }

    private JsonObject Route(string routeKey)
    {
        var routes = stack.Resources("AWS::ApiGatewayV2::Route")
            .Select(r => r.Resource["Properties"]!.AsObject())
            .Where(p => (string)p["RouteKey"]! == routeKey)
            .ToList();
        Assert.True(routes.Count == 1, $"Expected one route '{routeKey}', found {routes.Count}.");
        return routes[0];
    }

    private void AssertTargetsApiFunction(JsonObject route)
    {
        var (functionId, _) = stack.Function(stack.Names.ApiFunctionName);
        var integrationId = Assert.Single(TemplateJson.ReferencedIds(route["Target"]));
        var integration = stack.Resources("AWS::ApiGatewayV2::Integration").Single(i => i.LogicalId == integrationId).Resource["Properties"]!;

        Assert.Equal("AWS_PROXY", (string)integration["IntegrationType"]!);
        Assert.Equal("2.0", (string)integration["PayloadFormatVersion"]!);
        Assert.Equal([functionId], TemplateJson.ReferencedIds(integration["IntegrationUri"]));
    }
}
