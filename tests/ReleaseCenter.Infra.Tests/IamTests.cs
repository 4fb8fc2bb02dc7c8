using System.Text.Json.Nodes;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class IamTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void Iam_NoStatementAllowsAllActionsOrAWildcardActionOnEveryResource()
    {
        var statements = AllStatements().ToList();
        Assert.NotEmpty(statements);

        foreach (var (policy, statement) in statements)
        {
            var actions = TemplateJson.Strings(statement["Action"]).ToList();
            var onEveryResource = TemplateJson.OneOrMany(statement["Resource"]).OfType<JsonValue>().Any(r => r.GetValue<string>() == "*");

            Assert.False(actions.Contains("*"), $"{policy} allows Action \"*\": {statement.ToJsonString()}");
            Assert.False(statement.ContainsKey("NotAction"), $"{policy} uses NotAction: {statement.ToJsonString()}");
            Assert.False(
                onEveryResource && actions.Any(a => a.Contains('*', StringComparison.Ordinal)),
                $"{policy} allows a wildcard action on Resource \"*\": {statement.ToJsonString()}");
        }
    }

    [Fact]
    public void ApiFunction_MayUseTableDataAndPutEventsOnItsOwnBusOnly()
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var statements = AllStatements().Select(s => s.Statement).ToList();

        var services = statements.SelectMany(s => TemplateJson.Strings(s["Action"])).Select(a => a.Split(':')[0]).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["dynamodb", "events", "xray"], services);

        foreach (var statement in statements)
        {
            var actions = TemplateJson.Strings(statement["Action"]).ToList();
            if (actions.Any(a => a.StartsWith("events:", StringComparison.Ordinal)))
            {
                Assert.Equal(["events:PutEvents"], actions);
                Assert.Equal([busId], TemplateJson.ReferencedIds(statement["Resource"]).Distinct());
            }

            if (actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            {
                Assert.All(actions, a => Assert.DoesNotMatch("^dynamodb:(Create|Delete|Update)Table|^dynamodb:.*Backup|^dynamodb:.*\\*", a));
                Assert.Equal([tableId], TemplateJson.ReferencedIds(statement["Resource"]).Distinct());
            }
        }
    }

    /// <summary>Every statement of AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents and of roles' inline policies.</summary>
    private IEnumerable<(string Policy, JsonObject Statement)> AllStatements()
    {
        IEnumerable<(string, JsonNode?)> documents =
            stack.Resources("AWS::IAM::Policy").Concat(stack.Resources("AWS::IAM::ManagedPolicy"))
                .Select(r => (r.LogicalId, r.Resource["Properties"]!["PolicyDocument"]))
            .Concat(stack.Resources("AWS::IAM::Role")
                .SelectMany(r => TemplateJson.OneOrMany(r.Resource["Properties"]!["Policies"])
                    .Select(p => ($"{r.LogicalId}/{p!["PolicyName"]}", p!["PolicyDocument"]))));

        return documents.SelectMany(d => TemplateJson.OneOrMany(d.Item2!["Statement"]).Select(s => (d.Item1, s!.AsObject())));
    }
}
