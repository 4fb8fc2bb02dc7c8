using System.Text.Json.Nodes;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class IamTests(SynthesizedStackFixture stack)
{
    private const string InThisAccount = ":${AWS::Region}:${AWS::AccountId}:";
    private static readonly string SageMakerArn = $"arn:${{AWS::Partition}}:sagemaker{InThisAccount}";

    /// <summary>
    /// Beyond table data, writing its own log group and X-Ray (every function): what each function may do.
    /// Resources are checked by the tests below.
    /// </summary>
    private static readonly Dictionary<string, string[]> ExtraActions = new(StringComparer.Ordinal)
    {
        ["evaluate"] = [],
        ["acquire-lock"] = [],
        ["stop-stage"] = [],
        ["request-approval"] = ["events:PutEvents"],
        ["record-deployment"] = ["events:PutEvents"],
        ["finish"] = ["events:PutEvents"],
        ["send-reminders"] = ["events:PutEvents"],
        ["deploy"] =
        [
            "iam:PassRole", "sagemaker:AddTags", "sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig", "sagemaker:CreateModel",
            "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint",
        ],
        ["check-endpoint"] = ["sagemaker:DescribeEndpoint"],
        ["verify"] = ["sagemaker:DescribeEndpoint"],
        ["roll-back-endpoint"] = ["events:PutEvents", "sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
        ["rollback-request-approval"] = ["events:PutEvents"],
        ["rollback-acquire-lock"] = [],
        ["rollback-restore"] = ["events:PutEvents", "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint"],
        ["rollback-check-endpoint"] = ["sagemaker:DescribeEndpoint"],
        ["rollback-verify"] = ["sagemaker:DescribeEndpoint"],
        ["rollback-record"] = ["events:PutEvents"],
        ["rollback-stop"] = ["events:PutEvents", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
        [ReleaseCenterStack.ApiHandler] =
        [
            "events:PutEvents", "states:DescribeExecution", "states:GetExecutionHistory", "states:SendTaskFailure",
            "states:SendTaskHeartbeat", "states:SendTaskSuccess", "states:StartExecution", "states:StopExecution",
        ],
    };

    public static TheoryData<string> Handlers => [.. ExtraActions.Keys];

    [Fact]
    public void Iam_NoStatementAllowsAllActionsOrAWildcardActionOnEveryResource()
    {
        var statements = stack.AllStatements().ToList();
        Assert.NotEmpty(statements);

        foreach (var (policy, statement) in statements)
        {
            var actions = TemplateJson.Strings(statement["Action"]).ToList();
            var onEveryResource = TemplateJson.OneOrMany(statement["Resource"]).OfType<JsonValue>().Any(r => r.GetValue<string>() == "*");

            Assert.False(actions.Contains("*"), $"{policy} allows Action \"*\": {statement.ToJsonString()}");
            Assert.False(statement.ContainsKey("NotAction"), $"{policy} uses NotAction: {statement.ToJsonString()}");
            Assert.False(statement.ContainsKey("NotResource"), $"{policy} uses NotResource: {statement.ToJsonString()}");
            Assert.Equal("Allow", (string)statement["Effect"]!);
            Assert.False(
                onEveryResource && actions.Any(a => a.Contains('*', StringComparison.Ordinal)),
                $"{policy} allows a wildcard action on Resource \"*\": {statement.ToJsonString()}");
        }
    }

    [Fact]
    public void ExtraActions_CoverTheApiAndEveryWorkflowFunction()
    {
        Assert.Equal(
            Workflows.TaskFunctions.Select(f => f.Handler).Concat(ReleaseWorkflow.ScheduledFunctions.Select(f => f.Function.Handler))
                .Append(ReleaseCenterStack.ApiHandler).Order(StringComparer.Ordinal),
            ExtraActions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Workflows.TaskFunctions.Count + ReleaseWorkflow.ScheduledFunctions.Count + 1, stack.Resources("AWS::Lambda::Function").Count());
        Assert.Equal(ExtraActions.Count, stack.Resources("AWS::Lambda::Function").Count());
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public void Function_MayDoExactlyWhatItsJobNeeds(string handler)
    {
        var actions = GrantsOf(handler).Select(g => g.Action).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(
            ExtraActions[handler].Order(StringComparer.Ordinal),
            actions.Where(a => !a.StartsWith("dynamodb:", StringComparison.Ordinal) && !a.StartsWith("xray:", StringComparison.Ordinal) && !a.StartsWith("logs:", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        Assert.Contains("dynamodb:PutItem", actions);
        Assert.Contains("dynamodb:Query", actions);
        Assert.Equal(["xray:PutTelemetryRecords", "xray:PutTraceSegments"], actions.Where(a => a.StartsWith("xray:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public void Function_WritesOnlyToItsOwnLogGroup(string handler)
    {
        var name = handler == ReleaseCenterStack.ApiHandler ? stack.Names.ApiFunctionName : stack.Names.FunctionName(handler);
        var (_, function) = stack.Function(name);
        var logGroupId = Assert.Single(TemplateJson.ReferencedIds(function["LoggingConfig"]!["LogGroup"]));

        Assert.Equal(
            [("logs:CreateLogStream", $"${{{logGroupId}.Arn}}"), ("logs:PutLogEvents", $"${{{logGroupId}.Arn}}")],
            GrantsOf(handler).Where(g => g.Action.StartsWith("logs:", StringComparison.Ordinal)).Order());
        // No AWS-managed policy (AWSLambdaBasicExecutionRole would allow writing to every log group).
        Assert.Null(stack.Resources("AWS::IAM::Role").Single(r => r.LogicalId == stack.RoleOf(function)).Resource["Properties"]!["ManagedPolicyArns"]);
    }

    [Fact]
    public void AllPolicies_UseOnlyTheOwnTablesDataAndPutEventsOnlyOnTheOwnBus()
    {
        var (tableId, _) = stack.Single("AWS::DynamoDB::Table");
        var (busId, _) = stack.Single("AWS::Events::EventBus");

        foreach (var (policy, statement) in stack.AllStatements())
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
                var ids = TemplateJson.ReferencedIds(statement["Resource"]).Distinct().ToList();
                Assert.True(ids.SequenceEqual([tableId]), $"{policy} uses DynamoDB beyond the table: {statement.ToJsonString()}");
            }
        }
    }

    [Fact]
    public void SageMakerActions_AreOnModelsEndpointsAndConfigsOfThisAccountAndRegionOnly()
    {
        var allowed = new[] { "model/*", "endpoint-config/*", "endpoint/*" }.Select(r => SageMakerArn + r).ToHashSet(StringComparer.Ordinal);

        var sageMaker = stack.AllStatements().SelectMany(s => TemplateJson.Grants(s.Statement)).Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(sageMaker);
        Assert.All(sageMaker, g => Assert.Contains(g.Resource, allowed));
        // Models are only created; endpoints are only described and updated where they live.
        Assert.All(sageMaker.Where(g => g.Action == "sagemaker:CreateModel"), g => Assert.Equal(SageMakerArn + "model/*", g.Resource));
        Assert.All(sageMaker.Where(g => g.Resource == SageMakerArn + "model/*"), g => Assert.Contains(g.Action, new[] { "sagemaker:AddTags", "sagemaker:CreateModel" }));
        Assert.All(GrantsOf("check-endpoint").Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)), g => Assert.Equal(SageMakerArn + "endpoint/*", g.Resource));
    }

    [Fact]
    public void ResourceStar_IsOnlyUsedForActionsThatHaveNoResourceType()
    {
        var onStar = stack.AllStatements()
            .SelectMany(s => TemplateJson.Grants(s.Statement))
            .Where(g => g.Resource == "*")
            .Select(g => g.Action)
            .Distinct()
            .Order(StringComparer.Ordinal);

        // X-Ray and log delivery come with tracing and logging; the rest are named in the brief with the reason in the stack.
        Assert.Equal(
            [
                "cloudwatch:PutMetricData", "ecr:GetAuthorizationToken",
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
                "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
            ],
            onStar);
    }

    [Fact]
    public void PassRole_IsOnlyForTheSageMakerRoleAndOnlyToSageMaker()
    {
        var roleId = SageMakerRoleId();
        var passRole = stack.AllStatements()
            .Where(s => TemplateJson.Strings(s.Statement["Action"]).Any(a => a.StartsWith("iam:", StringComparison.Ordinal)))
            .ToList();

        var (_, statement) = Assert.Single(passRole);
        Assert.Equal(["iam:PassRole"], TemplateJson.Strings(statement["Action"]));
        Assert.Equal([$"${{{roleId}.Arn}}"], TemplateJson.OneOrMany(statement["Resource"]).Select(TemplateJson.Text));
        Assert.Equal("""{"StringEquals":{"iam:PassedToService":"sagemaker.amazonaws.com"}}""", statement["Condition"]?.ToJsonString());
        Assert.Contains(statement, stack.StatementsOfRole(stack.RoleOf(stack.TaskFunction("deploy").Properties)));
    }

    [Fact]
    public void DeployFunction_GetsTheSageMakerRoleArn()
    {
        var (_, deploy) = stack.TaskFunction("deploy");
        var variables = deploy["Environment"]!["Variables"]!.AsObject();

        Assert.Equal($"${{{SageMakerRoleId()}.Arn}}", TemplateJson.Text(variables[Functions.ReleaseCenterSettings.SageMakerRoleVariable]));
    }

    [Fact]
    public void SageMakerRole_IsAssumedOnlyBySageMakerAndReadsOnlyTheModelBucketAndOwnRepositories()
    {
        var roleId = SageMakerRoleId();
        var role = stack.Resources("AWS::IAM::Role").Single(r => r.LogicalId == roleId).Resource["Properties"]!;

        var trust = Assert.Single(TemplateJson.OneOrMany(role["AssumeRolePolicyDocument"]!["Statement"]))!;
        Assert.Equal("sts:AssumeRole", (string)trust["Action"]!);
        Assert.Equal("""{"Service":"sagemaker.amazonaws.com"}""", trust["Principal"]!.ToJsonString());

        var grants = stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).ToList();
        var logGroups = $"arn:${{AWS::Partition}}:logs{InThisAccount}log-group:/aws/sagemaker/Endpoints/*";
        var repositories = $"arn:${{AWS::Partition}}:ecr{InThisAccount}repository/*";
        Assert.Equal(
            new[]
            {
                ("cloudwatch:PutMetricData", "*"),
                ("ecr:BatchCheckLayerAvailability", repositories),
                ("ecr:BatchGetImage", repositories),
                ("ecr:GetAuthorizationToken", "*"),
                ("ecr:GetDownloadUrlForLayer", repositories),
                ("logs:CreateLogGroup", logGroups),
                ("logs:CreateLogStream", logGroups),
                ("logs:DescribeLogStreams", logGroups),
                ("logs:PutLogEvents", logGroups),
                ("s3:GetObject", $"arn:${{AWS::Partition}}:s3:::{SynthesizedStackFixture.ModelArtifactsBucket}/*"),
            },
            grants.Order());

        var metrics = stack.StatementsOfRole(roleId).Single(s => TemplateJson.Strings(s["Action"]).Contains("cloudwatch:PutMetricData"));
        Assert.Equal("""{"StringLike":{"cloudwatch:namespace":"/aws/sagemaker/*"}}""", metrics["Condition"]?.ToJsonString());
    }

    [Fact]
    public void ApiFunction_StartsAndAnswersOnlyTheWorkflowStateMachines()
    {
        var release = $"${{{stack.StateMachine(ReleaseWorkflow.Name).LogicalId}}}";
        var rollback = $"${{{stack.StateMachine(RollbackWorkflow.Name).LogicalId}}}";
        var executions = $"arn:${{AWS::Partition}}:states{InThisAccount}execution:{stack.Names.StateMachineName(ReleaseWorkflow.Name)}:*";

        var states = GrantsOf(ReleaseCenterStack.ApiHandler).Where(g => g.Action.StartsWith("states:", StringComparison.Ordinal)).Order().ToList();

        Assert.Equal(
            new[]
            {
                ("states:DescribeExecution", executions),
                ("states:GetExecutionHistory", executions),
                // No resource type in the IAM reference, but authorized against the state machine that issued the token.
                ("states:SendTaskFailure", release),
                ("states:SendTaskFailure", rollback),
                ("states:SendTaskHeartbeat", release),
                ("states:SendTaskHeartbeat", rollback),
                ("states:SendTaskSuccess", release),
                ("states:SendTaskSuccess", rollback),
                ("states:StartExecution", release),
                ("states:StartExecution", rollback),
                ("states:StopExecution", executions),
            }.Order(),
            states);
    }

    [Fact]
    public void ApiFunction_MayOnlyStartAndAnswerTheRollbackStateMachine()
    {
        var rollback = $"${{{stack.StateMachine(RollbackWorkflow.Name).LogicalId}}}";
        var rollbackName = stack.Names.StateMachineName(RollbackWorkflow.Name);
        var states = GrantsOf(ReleaseCenterStack.ApiHandler).Where(g => g.Action.StartsWith("states:", StringComparison.Ordinal)).ToList();

        Assert.Equal(
            ["states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess", "states:StartExecution"],
            states.Where(g => g.Resource == rollback).Select(g => g.Action).Order(StringComparer.Ordinal));
        // Rollback executions are neither described, read nor stopped, by name or by wildcard.
        Assert.DoesNotContain(states, g => g.Resource.Contains(rollbackName, StringComparison.Ordinal));
        Assert.DoesNotContain(states, g => g.Resource == "*" || g.Resource.EndsWith(":execution:*", StringComparison.Ordinal) || g.Resource.Contains("stateMachine:*", StringComparison.Ordinal));
    }

    [Fact]
    public void RollbackRestore_MayMoveTheEndpointBackButNotCreateDeleteOrPassARole()
    {
        var grants = GrantsOf("rollback-restore");
        var sageMaker = grants.Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList();

        Assert.Contains(("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/*"), sageMaker);
        Assert.Contains(("sagemaker:DescribeEndpointConfig", SageMakerArn + "endpoint-config/*"), sageMaker);
        Assert.Contains(("sagemaker:UpdateEndpoint", SageMakerArn + "endpoint/*"), sageMaker);
        Assert.All(sageMaker, g => Assert.Contains(g.Resource, new[] { SageMakerArn + "endpoint/*", SageMakerArn + "endpoint-config/*" }));

        // It fails with Rollback.TargetGone when the target's config is gone; it never recreates it or takes the endpoint down.
        foreach (var forbidden in new[]
                 {
                     "sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint",
                     "sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel", "iam:PassRole",
                 })
        {
            Assert.DoesNotContain(grants, g => g.Action == forbidden);
        }

        var (busId, _) = stack.Single("AWS::Events::EventBus");
        Assert.Equal([("events:PutEvents", $"${{{busId}.Arn}}")], grants.Where(g => g.Action.StartsWith("events:", StringComparison.Ordinal)));
    }

    [Fact]
    public void RollbackAcquireLock_UsesTheTableOnly()
    {
        var grants = GrantsOf("rollback-acquire-lock");

        Assert.Contains(grants, g => g.Action == "dynamodb:PutItem");
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("events:", StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("states:", StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("iam:", StringComparison.Ordinal));
    }

    [Fact]
    public void RollbackStop_MayPutTheEndpointBackOnWhatWasLive()
    {
        var grants = GrantsOf("rollback-stop");

        Assert.Contains(("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/*"), grants);
        Assert.Contains(("sagemaker:UpdateEndpoint", SageMakerArn + "endpoint/*"), grants);
        Assert.DoesNotContain(grants, g => g.Action is "sagemaker:DeleteEndpoint" or "sagemaker:CreateModel" or "sagemaker:CreateEndpointConfig" or "iam:PassRole");
    }

    [Theory]
    [InlineData("rollback-check-endpoint")]
    [InlineData("rollback-verify")]
    public void RollbackReadOnlyTasks_OnlyDescribeEndpoints(string handler)
    {
        Assert.Equal(
            [("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/*")],
            GrantsOf(handler).Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)));
    }

    [Fact]
    public void RollbackTaskFunctions_HaveNoReleaseOnlyRights()
    {
        // Only "deploy" creates models and passes the SageMaker role; only "roll-back-endpoint" may delete an endpoint.
        foreach (var task in RollbackWorkflow.Functions)
        {
            var actions = GrantsOf(task.Handler).Select(g => g.Action).ToHashSet(StringComparer.Ordinal);
            Assert.False(actions.Overlaps(["iam:PassRole", "sagemaker:CreateModel", "sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpoint", "sagemaker:AddTags"]),
                $"{task.Handler} may {string.Join(", ", actions.Where(a => a.StartsWith("iam:", StringComparison.Ordinal) || a.StartsWith("sagemaker:", StringComparison.Ordinal)))}");
        }
    }

    [Fact]
    public void OnlyTheApiFunction_MayStartOrAnswerExecutions()
    {
        var (_, api) = stack.Function(stack.Names.ApiFunctionName);
        var apiRole = stack.RoleOf(api);

        foreach (var (_, function) in stack.Resources("AWS::Lambda::Function").Where(f => f.Resource["Properties"]!["FunctionName"]!.ToString() != stack.Names.ApiFunctionName))
        {
            var roleId = stack.RoleOf(function["Properties"]!.AsObject());
            Assert.NotEqual(apiRole, roleId);
            Assert.DoesNotContain(stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants), g => g.Action.StartsWith("states:", StringComparison.Ordinal));
        }
    }

    private List<(string Action, string Resource)> GrantsOf(string handler)
    {
        var name = handler == ReleaseCenterStack.ApiHandler ? stack.Names.ApiFunctionName : stack.Names.FunctionName(handler);
        var (_, function) = stack.Function(name);
        return stack.StatementsOfRole(stack.RoleOf(function)).SelectMany(TemplateJson.Grants).ToList();
    }

    private string SageMakerRoleId() =>
        stack.Resources("AWS::IAM::Role")
            .Single(r => r.Resource["Properties"]!["AssumeRolePolicyDocument"]!.ToJsonString().Contains("sagemaker.amazonaws.com", StringComparison.Ordinal))
            .LogicalId;
}
