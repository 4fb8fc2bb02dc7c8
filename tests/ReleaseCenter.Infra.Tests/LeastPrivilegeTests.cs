using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// Each function's table grant names the items it touches (a dynamodb:LeadingKeys condition from <see cref="TableAccess"/>,
/// which the integration tests hold the handlers' real requests to), task tokens are readable only where they are stored
/// or completed, and every SageMaker grant is under the configurable name prefix.
/// </summary>
[Collection(SynthesizedStackCollection.Name)]
public sealed class LeastPrivilegeTests(SynthesizedStackFixture stack)
{
    /// <summary>Item actions: each names a partition key that LeadingKeys evaluates (stream reads are not item actions).</summary>
    private static readonly HashSet<string> ItemActions =
    [
        "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:GetItem",
        "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect", "dynamodb:PartiQLUpdate",
        "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
    ];

    public static TheoryData<string> Handlers => [.. TableAccess.Handlers];

    [Theory]
    [MemberData(nameof(Handlers))]
    public void EveryTableGrant_CarriesTheFunctionsLeadingKeys(string handler)
    {
        var statements = StatementsOf(handler).Where(s => Actions(s).Any(ItemActions.Contains)).ToList();
        var expected = TableAccess.For(handler);

        if (expected.Count == 0)
        {
            Assert.Empty(statements);
            return;
        }
        var statement = Assert.Single(statements);
        var leadingKeys = statement["Condition"]?["ForAllValues:StringLike"]?["dynamodb:LeadingKeys"];
        Assert.NotNull(leadingKeys);
        Assert.Equal(expected.Order(StringComparer.Ordinal), TemplateJson.Strings(leadingKeys).Order(StringComparer.Ordinal));
        // No Scan: it names no partition key, so a ForAllValues condition would not hold it back.
        Assert.DoesNotContain("dynamodb:Scan", Actions(statement));
        Assert.DoesNotContain(Actions(statement), a => a.StartsWith("dynamodb:PartiQL", StringComparison.Ordinal));
        // The table and its indexes, nothing else.
        var (table, _) = stack.Single("AWS::DynamoDB::Table");
        Assert.All(TemplateJson.OneOrMany(statement["Resource"]), r => Assert.Equal([table], TemplateJson.ReferencedIds(r)));
    }

    [Fact]
    public void NoDynamoDbItemGrant_InTheTemplate_LacksALeadingKeysCondition()
    {
        var unconditioned = stack.AllStatements()
            .Where(s => Actions(s.Statement).Any(ItemActions.Contains) && s.Statement["Condition"]?["ForAllValues:StringLike"]?["dynamodb:LeadingKeys"] is null)
            .Select(s => $"{s.Policy}: {string.Join(",", Actions(s.Statement))}")
            .ToList();

        Assert.Empty(unconditioned);
    }

    [Fact]
    public void TaskTokens_AreReadableOnlyByTheFunctionsThatStoreOrCompleteThem()
    {
        var holders = TableAccess.Handlers.Where(h => TableAccess.For(h).Contains(TableAccess.TaskTokens)).Order(StringComparer.Ordinal);
        var waiters = TableAccess.Handlers.Where(h => TableAccess.For(h).Contains(TableAccess.EndpointWaiters)).Order(StringComparer.Ordinal);

        // Stores one (the approval waits), completes one (the API's approvals, the reconciler's delivery of a stored decision).
        Assert.Equal([TableAccess.Api, ReleaseWorkflow.ReconcileHandler, "request-approval", "rollback-request-approval"], holders);
        Assert.Equal([ReleaseWorkflow.AwaitEndpointHandler, ReleaseWorkflow.EndpointChangedHandler], waiters);
    }

    /// <summary>
    /// Every SageMaker grant is under the name prefix, except model packages of the groups config/model-registry.json maps:
    /// those groups are the customer's (their training pipelines register there), named in a reviewed file.
    /// </summary>
    [Fact]
    public void EverySageMakerGrant_IsUnderTheNamePrefix_OrOnAMappedModelPackageGroup()
    {
        var prefix = ReleaseCenterStackProps.DefaultSageMakerNamePrefix;
        var grants = stack.AllStatements().SelectMany(s => TemplateJson.Grants(s.Statement)).Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList();
        var mapped = ModelRegistryConfig.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), ReleaseCenterStackProps.ModelRegistryFile))).Groups.Keys
            .Select(g => $"model-package/{g.ToLowerInvariant()}/*").ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(mapped);

        Assert.NotEmpty(grants);
        Assert.All(grants.Where(g => !mapped.Any(m => g.Resource.EndsWith(":" + m, StringComparison.Ordinal))),
            g => Assert.Matches($@"^arn:\$\{{AWS::Partition\}}:sagemaker:\$\{{AWS::Region\}}:\$\{{AWS::AccountId\}}:[a-z-]+/{prefix}\*$", g.Resource));
        Assert.All(grants.Where(g => mapped.Any(m => g.Resource.EndsWith(":" + m, StringComparison.Ordinal))),
            g => Assert.Contains(g.Action, new[] { "sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage" }));
        // The functions name their resources with it.
        Assert.All(stack.Resources("AWS::Lambda::Function"),
            f => Assert.Equal(prefix, (string?)f.Resource["Properties"]!["Environment"]?["Variables"]?[FunctionVariables.SageMakerNamePrefix]));
    }

    private List<JsonObject> StatementsOf(string handler)
    {
        var name = handler == TableAccess.Api ? stack.Names.ApiFunctionName : stack.Names.FunctionName(handler);
        return stack.StatementsOfRole(stack.RoleOf(stack.Function(name).Properties));
    }

    private static IEnumerable<string> Actions(JsonObject statement) => TemplateJson.Strings(statement["Action"]);
}
