using System.Text.Json;

namespace ReleaseCenter.Infra.Tests;

/// <summary>The HTTP API's stage logs every request (without headers, so without tokens) and throttles runaway callers.</summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class HttpApiStageTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void TheStage_WritesAccessLogsToItsOwnGroup_WithTheCallerAndTheAuthorizersReason_AndNoHeader()
    {
        var (_, stage) = stack.Single("AWS::ApiGatewayV2::Stage");
        var settings = stage["AccessLogSettings"]!;
        var (logGroupId, logGroup) = stack.Resources("AWS::Logs::LogGroup").Single(g => g.LogicalId.StartsWith("ApiAccessLogs", StringComparison.Ordinal));

        Assert.Equal([logGroupId], TemplateJson.ReferencedIds(settings["DestinationArn"]));
        Assert.Equal($"/aws/apigateway/{stack.Names.HttpApiName}", (string)logGroup["Properties"]!["LogGroupName"]!);
        Assert.Equal(365, (int)logGroup["Properties"]!["RetentionInDays"]!);
        var format = JsonDocument.Parse((string)settings["Format"]!).RootElement;
        var values = format.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        Assert.Equal("$context.requestId", values["requestId"]);
        Assert.Equal("$context.status", values["status"]);
        Assert.Equal("$context.authorizer.claims.sub", values["caller"]);
        Assert.Equal("$context.authorizer.error", values["authorizerError"]);
        // Headers (Authorization among them) are never logged.
        Assert.DoesNotContain(values.Values, v => v.Contains("header", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void TheStage_Throttles_EveryRoute()
    {
        var (_, stage) = stack.Single("AWS::ApiGatewayV2::Stage");
        var route = stage["DefaultRouteSettings"]!;

        Assert.Equal(ReleaseCenterStack.ApiThrottleRatePerSecond, (int)route["ThrottlingRateLimit"]!);
        Assert.Equal(ReleaseCenterStack.ApiThrottleBurst, (int)route["ThrottlingBurstLimit"]!);
    }
}
