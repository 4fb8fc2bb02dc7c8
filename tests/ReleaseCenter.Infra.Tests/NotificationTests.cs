using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Notifications;
using Xunit.Abstractions;

namespace ReleaseCenter.Infra.Tests;

/// <summary><see cref="NotificationsConstruct"/> in a stack of its own: rules, transformers, API destination, SNS e-mail.</summary>
public sealed class NotificationTests : IDisposable
{
    private const string ApiUrl = "https://api.example.com";
    private const string SecretWebhook = "https://hooks.example.com/services/T000/B000/very-secret-token";
    private static readonly ResourceNames Names = new("test");

    private static readonly NotificationPolicy Policy = NotificationPolicy.Parse("""
        {"links":{"baseUrl":"http://127.0.0.1:5080"},"projects":[{"project":"payments","destinations":[
          {"name":"payments-slack","type":"webhook","url":"http://127.0.0.1:5080/v1/local/webhooks/payments-slack",
           "urlParameter":"/release-center/notifications/payments-slack/webhook-url",
           "events":["release.approval-requested.v1","rollback.approval-requested.v1","drift.detected.v1"]},
          {"name":"payments-email","type":"email","email":"ml-oncall@example.com","events":["release.released.v1","release.rolled-back.v1"]}]},
          {"project":"lending","destinations":[
          {"name":"lending-chat","type":"webhook","url":"https://hooks.example.com/services/T000/B000/very-secret-token","events":["release.released.v1"]}]}]}
        """);

    private readonly ScratchApp _scratch = new();
    private readonly ITestOutputHelper _output;
    private readonly Stack _stack;
    private readonly JsonObject _resources;

    public NotificationTests(ITestOutputHelper output)
    {
        _output = output;
        _stack = new Stack(_scratch.App, "Notifications", new StackProps { Env = new Amazon.CDK.Environment { Account = "123456789012", Region = "us-east-1" } });
        var bus = new EventBus(_stack, "Bus", new EventBusProps { EventBusName = Names.EventBusName });
        _ = new NotificationsConstruct(_stack, "Notifications", new NotificationsConstructProps { Bus = bus, Policy = Policy, ApiUrl = ApiUrl, Names = Names });
        _resources = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Amazon.CDK.Assertions.Template.FromStack(_stack).ToJSON()))!["Resources"]!.AsObject();
    }

    [Fact]
    public void EachDestination_GetsOneRulePerMessageTemplate_MatchingItsEventsAndProject()
    {
        var rules = Resources("AWS::Events::Rule").ToDictionary(r => (string)r["Name"]!);

        var expected = Policy.Destinations.SelectMany(d => NotificationTemplates.Rules(d, Names, ApiUrl).Select(r => (d, r))).ToList();
        Assert.Equal(expected.Select(e => e.r.RuleName).Order(), rules.Keys.Order());
        foreach (var (destination, spec) in expected)
        {
            var rule = rules[spec.RuleName];
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(spec.EventPattern), rule["EventPattern"]),
                $"{spec.RuleName}: pattern {rule["EventPattern"]!.ToJsonString()} is not {spec.EventPattern}");
            Assert.Equal(["release-center"], rule["EventPattern"]!["source"]!.AsArray().Select(s => (string)s!));
            Assert.Equal([destination.Project], rule["EventPattern"]!["detail"]!["project"]!.AsArray().Select(s => (string)s!));
            Assert.StartsWith("Bus", TemplateRef(rule["EventBusName"]), StringComparison.Ordinal); // on the product's bus, not the default one
        }
        // Release approvals, rollback approvals and drift events carry different fields: three templates, three rules.
        Assert.Equal(3, expected.Count(e => e.d.Name == "payments-slack"));
        Assert.Equal(1, expected.Count(e => e.d.Name == "payments-email"));
    }

    [Fact]
    public void RuleTargets_BuildTheSlackMessageWithTheSharedTransformer_LinkingToTheApi()
    {
        var rule = Resources("AWS::Events::Rule").Single(r => (string)r["Name"]! == NotificationTemplates.RuleName(Names, "payments-slack", "release-approval"));
        var transformer = Assert.Single(rule["Targets"]!.AsArray())!["InputTransformer"]!;
        var expected = NotificationTemplates.Transformer("release.approval-requested.v1", DestinationType.Webhook, ApiUrl);

        Assert.Equal(expected.InputTemplate, (string)transformer["InputTemplate"]!);
        Assert.StartsWith("{\"text\": \"Approval needed: <model> v<version> to <environment>", expected.InputTemplate, StringComparison.Ordinal);
        Assert.Contains($"Approve at {ApiUrl}<approveAt>", expected.InputTemplate, StringComparison.Ordinal);
        Assert.Equal("$.detail.approveAt", (string)transformer["InputPathsMap"]!["approveAt"]!);
        Assert.Equal(expected.InputPathsMap.Count, transformer["InputPathsMap"]!.AsObject().Count);
    }

    /// <summary>Filled in as EventBridge fills it, the approval message is Block Kit: evidence, and buttons bound to the digests shown.</summary>
    [Fact]
    public void TheApprovalWebhookMessage_IsBlockKit_WithButtonsCarryingTheEvidence()
    {
        var transformer = NotificationTemplates.Transformer("release.approval-requested.v1", DestinationType.Webhook, ApiUrl);
        var filled = transformer.InputTemplate;
        foreach (var name in transformer.InputPathsMap.Keys)
        {
            filled = filled.Replace($"<{name}>", $"{name.ToUpperInvariant()}", StringComparison.Ordinal);
        }

        var message = System.Text.Json.JsonDocument.Parse(filled).RootElement;
        Assert.StartsWith("Approval needed: MODEL vVERSION to ENVIRONMENT", message.GetProperty("text").GetString(), StringComparison.Ordinal);
        var blocks = message.GetProperty("blocks").EnumerateArray().ToList();
        var text = string.Join(" ", blocks.Select(b => b.ToString()));
        Assert.All(new[] { "REQUESTEDBY", "METRICS", "BUNDLEDIGEST", "EXPIRESAT", "APPROVERGROUPS" }, v => Assert.Contains(v, text, StringComparison.Ordinal));
        var buttons = blocks.Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(["approve", "reject", "open"], buttons.Select(b => b.GetProperty("action_id").GetString()));
        Assert.All(buttons.Take(2), b => Assert.Equal("RELEASEID|ENVIRONMENT|BUNDLEDIGEST|EVALUATIONDIGEST", b.GetProperty("value").GetString()));
    }

    [Fact]
    public void Webhooks_AreApiDestinations_WhoseSecretUrlComesFromSsm()
    {
        var destinations = Resources("AWS::Events::ApiDestination").ToDictionary(d => (string)d["Name"]!);
        var slack = destinations[NotificationTemplates.DestinationResourceName(Names, "payments-slack")];

        Assert.Equal("POST", (string)slack["HttpMethod"]!);
        Assert.Equal(NotificationsConstruct.RateLimitPerSecond, (int)slack["InvocationRateLimitPerSecond"]!);
        var parameter = _stack.ResolveRef(slack["InvocationEndpoint"]);
        Assert.Equal("AWS::SSM::Parameter::Value<String>", parameter.Type);
        Assert.Equal("/release-center/notifications/payments-slack/webhook-url", parameter.Default);
        Assert.Equal(SecretWebhook, (string)destinations[NotificationTemplates.DestinationResourceName(Names, "lending-chat")]["InvocationEndpoint"]!);

        var connections = Resources("AWS::Events::Connection").ToList();
        Assert.Equal(2, connections.Count);
        Assert.All(connections, c => Assert.Equal("API_KEY", (string)c["AuthorizationType"]!));

        var target = Resources("AWS::Events::Rule").Single(r => (string)r["Name"]! == NotificationTemplates.RuleName(Names, "payments-slack", "event"))["Targets"]![0]!;
        Assert.NotNull(target["RoleArn"]); // EventBridge needs a role to invoke an API destination
        Assert.Equal(5, (int)target["RetryPolicy"]!["MaximumRetryAttempts"]!);
    }

    [Fact]
    public void EmailDestinations_AreTopicsWithAnEmailSubscription_TargetedWithTheSameText()
    {
        var topic = Assert.Single(Resources("AWS::SNS::Topic"));
        Assert.Equal(NotificationTemplates.DestinationResourceName(Names, "payments-email"), (string)topic["TopicName"]!);
        var subscription = Assert.Single(Resources("AWS::SNS::Subscription"));
        Assert.Equal("email", (string)subscription["Protocol"]!);
        Assert.Equal("ml-oncall@example.com", (string)subscription["Endpoint"]!);

        var rule = Resources("AWS::Events::Rule").Single(r => (string)r["Name"]! == NotificationTemplates.RuleName(Names, "payments-email", "release-outcome"));
        var transformer = rule["Targets"]![0]!["InputTransformer"]!;
        Assert.Equal(NotificationTemplates.Transformer("release.released.v1", DestinationType.Email, ApiUrl).InputTemplate, (string)transformer["InputTemplate"]!);
        Assert.Single(Resources("AWS::SNS::TopicPolicy")); // lets EventBridge publish
    }

    [Fact]
    public void AWebhookWithoutHttpsOrParameter_FailsSynthWithoutNamingItsUrl()
    {
        var policy = NotificationPolicy.Parse("""
            {"links":{"baseUrl":"http://127.0.0.1:5080"},"projects":[{"project":"payments","destinations":[
              {"name":"local-only","type":"webhook","url":"http://127.0.0.1:5080/v1/local/webhooks/secret-name","events":["release.released.v1"]}]}]}
            """);
        using var scratch = new ScratchApp();
        var stack = new Stack(scratch.App, "Broken");
        var bus = new EventBus(stack, "Bus");

        var ex = Assert.Throws<InvalidOperationException>(() =>
            new NotificationsConstruct(stack, "Notifications", new NotificationsConstructProps { Bus = bus, Policy = policy, ApiUrl = ApiUrl, Names = Names }));
        Assert.Contains("urlParameter", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-name", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_HasNoCfnLintErrors()
    {
        var assembly = _scratch.App.Synth();
        var path = assembly.GetStackArtifact(_stack.ArtifactId).TemplateFullPath;
        var start = new ProcessStartInfo("cfn-lint") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"cfn-lint is not on PATH ({e.Message}); install it with `pip install cfn-lint`.");
            throw;
        }
        using (process)
        {
            var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "cfn-lint did not finish in 3 minutes.");
            _output.WriteLine(text);
            Assert.True((process.ExitCode & 3) == 0, $"cfn-lint failed or reports errors (exit code {process.ExitCode}):\n{text}");
        }
    }

    public void Dispose() => _scratch.Dispose();

    private IEnumerable<JsonObject> Resources(string type) =>
        _resources.Select(r => r.Value!.AsObject()).Where(r => (string?)r["Type"] == type).Select(r => r["Properties"]!.AsObject());

    private static string? TemplateRef(JsonNode? node) => node is JsonObject o && o["Ref"] is JsonValue v ? v.GetValue<string>() : null;
}

/// <summary>Finds the CloudFormation parameter a {"Ref": ...} points at.</summary>
internal static class StackParameters
{
    public static (string Type, string Default) ResolveRef(this Stack stack, JsonNode? node)
    {
        var id = Assert.IsType<JsonObject>(node)["Ref"]!.GetValue<string>();
        var template = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Amazon.CDK.Assertions.Template.FromStack(stack).ToJSON()))!;
        var parameter = template["Parameters"]![id]!;
        return ((string)parameter["Type"]!, (string)parameter["Default"]!);
    }
}
