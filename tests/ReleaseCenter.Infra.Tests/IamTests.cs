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
        ["check-door"] = [],
        ["acquire-lock"] = [],
        ["stop-stage"] = [],
        ["request-approval"] = [],
        ["record-deployment"] = [],
        ["finish"] = [],
        ["send-reminders"] = [],
        [ReleaseWorkflow.SweepOutboxHandler] = ["events:PutEvents"],
        // Reads chain heads; writes each as an anchor object under Object Lock (PutObjectRetention: the object's lock date).
        [ReleaseWorkflow.AnchorAuditHandler] = ["s3:GetObjectVersion", "s3:ListBucketVersions", "s3:PutObject", "s3:PutObjectRetention"],
        // On the table's stream (stream reads are dynamodb:*), publishing to the bus; what it cannot publish goes to its DLQ.
        [ReleaseWorkflow.RelayOutboxHandler] = ["events:PutEvents", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"],
        [ReleaseWorkflow.ReconcileHandler] = ["states:DescribeExecution", "states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"],
        ["deploy"] =
        [
            "iam:PassRole", "sagemaker:AddTags", "sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig", "sagemaker:CreateModel",
            "sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:DescribeModel", "sagemaker:UpdateEndpoint",
        ],
        ["check-endpoint"] = ["sagemaker:DescribeEndpoint"],
        // Compares each live endpoint with the record; never changes one.
        [ReleaseWorkflow.CheckLiveStateHandler] = ["sagemaker:DescribeEndpoint"],
        // Parks a waiting workflow's token; wakes it at once if the endpoint settled first.
        [ReleaseWorkflow.AwaitEndpointHandler] = ["sagemaker:DescribeEndpoint", "states:SendTaskSuccess"],
        // The target of SageMaker's endpoint state-change events: wakes the parked workflow, nothing else.
        [ReleaseWorkflow.EndpointChangedHandler] = ["states:SendTaskSuccess"],
        ["verify"] = ["sagemaker:DescribeEndpoint"],
        ["roll-back-endpoint"] = ["sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
        ["rollback-request-approval"] = [],
        ["rollback-acquire-lock"] = [],
        ["rollback-restore"] = ["sagemaker:DescribeEndpoint", "sagemaker:DescribeEndpointConfig", "sagemaker:UpdateEndpoint"],
        ["rollback-check-endpoint"] = ["sagemaker:DescribeEndpoint"],
        ["rollback-verify"] = ["sagemaker:DescribeEndpoint"],
        ["rollback-record"] = [],
        ["rollback-stop"] = ["sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpoint"],
        ["retrain-check-policy"] = [],
        ["retrain-start-pipeline"] = ["sagemaker:StartPipelineExecution"],
        ["retrain-check-pipeline"] = ["sagemaker:DescribePipelineExecution", "sagemaker:StopPipelineExecution"],
        // Plus the metrics report of the package, in a bucket config/model-registry.json lists.
        ["retrain-register"] = ["s3:GetObject", "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"],
        // SageMaker Model Registry: a mapped group's new package becomes a version (its report read) and maybe a release.
        [ModelRegistrySync.ImportFunction.Handler] = ["s3:GetObject", "sagemaker:DescribeModelPackage", "states:StartExecution"],
        // Approved when live in prod, Rejected when rolled back.
        [ModelRegistrySync.SyncFunction.Handler] = ["sagemaker:UpdateModelPackage"],
        // It opens a normal release, which starts the release state machine.
        ["retrain-open-release"] = ["states:StartExecution"],
        ["retrain-stop"] = [],
        // The EventBridge target for drift.detected.v1: starts the retrain state machine, nothing else.
        ["start-retrain"] = ["states:StartExecution"],
        ["normalize-drift-signal"] = [],
        // On the table's stream (export jobs' INSERTs): writes the job's file (a multipart upload, aborted on failure), reads
        // the anchors for a verification; what it cannot run after its retries goes to its DLQ.
        [ReleaseWorkflow.RunExportHandler] =
        [
            "s3:AbortMultipartUpload", "s3:GetObjectVersion", "s3:ListBucketVersions", "s3:PutObject",
            "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage",
        ],
        [ReleaseCenterStack.ApiHandler] =
        [
            "s3:GetObject", // presigns export download links; reads a model package's metrics report
            "sagemaker:DescribeModelPackage", // imports a model package by hand
            "secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", // Slack's signing secret
            "s3:GetObjectVersion", "s3:ListBucketVersions", // verify reads the audit anchors
            "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint", // reconciles an out-of-band change by restoring the recorded config
            "sagemaker:DescribeEndpoint", "states:DescribeExecution", "states:GetExecutionHistory", "states:SendTaskFailure",
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
                .Append(ReleaseCenterStack.ApiHandler).Append(ReleaseWorkflow.RelayOutboxHandler).Append(ReleaseWorkflow.RunExportHandler)
                .Order(StringComparer.Ordinal),
            ExtraActions.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Workflows.TaskFunctions.Count + ReleaseWorkflow.ScheduledFunctions.Count + 3, stack.Resources("AWS::Lambda::Function").Count());
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
        if (handler == ReleaseWorkflow.RelayOutboxHandler)
        {
            // It reads the stream and marks outbox items sent: no other table access.
            Assert.Equal(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams", "dynamodb:UpdateItem"],
                actions.Where(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }
        else if (handler == ReleaseWorkflow.RunExportHandler)
        {
            // It reads the catalog and the audit chains, and updates its job's status: it never puts, deletes or batch-writes.
            Assert.Equal(["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeStream", "dynamodb:GetItem", "dynamodb:GetRecords",
                "dynamodb:GetShardIterator", "dynamodb:ListStreams", "dynamodb:Query", "dynamodb:UpdateItem"],
                actions.Where(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }
        else if (handler == ReleaseWorkflow.AnchorAuditHandler)
        {
            // It reads the chain heads and never changes the table.
            Assert.Contains("dynamodb:Query", actions);
            Assert.DoesNotContain(actions, a => a is "dynamodb:PutItem" or "dynamodb:UpdateItem" or "dynamodb:DeleteItem" or "dynamodb:BatchWriteItem");
        }
        else if (TableAccess.For(handler).Count == 0)
        {
            Assert.DoesNotContain(actions, a => a.StartsWith("dynamodb:", StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains("dynamodb:PutItem", actions);
            Assert.Contains("dynamodb:Query", actions);
        }
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
            if (actions.SequenceEqual(["events:InvokeApiDestination"]))
            {
                // A notification rule's role may call its webhook's API destination, and nothing else.
                var destinations = stack.Resources("AWS::Events::ApiDestination").Select(r => r.LogicalId).ToHashSet(StringComparer.Ordinal);
                Assert.All(TemplateJson.ReferencedIds(statement["Resource"]), id => Assert.Contains(id, destinations));
                continue;
            }
            if (actions.Any(a => a.StartsWith("events:", StringComparison.Ordinal)))
            {
                Assert.Equal(["events:PutEvents"], actions);
                Assert.Equal([busId], TemplateJson.ReferencedIds(statement["Resource"]).Distinct());
            }

            if (actions.Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            {
                Assert.All(actions, a => Assert.DoesNotMatch("^dynamodb:(Create|Delete|Update)Table|^dynamodb:.*Backup|^dynamodb:.*\\*", a));
                var ids = TemplateJson.ReferencedIds(statement["Resource"]).Distinct().ToList();
                var listStreamsOnly = actions.Where(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)).SequenceEqual(["dynamodb:ListStreams"]);
                Assert.True(ids.SequenceEqual([tableId]) || (listStreamsOnly && ids.Count == 0),
                    $"{policy} uses DynamoDB beyond the table: {statement.ToJsonString()}");
            }
        }
    }

    /// <summary>
    /// Where each function's SageMaker actions may apply: releases and rollbacks work on models, endpoint configs and
    /// endpoints; the retrain tasks on pipelines (start, check) and model packages (register) only. Everything in
    /// this account and region.
    /// </summary>
    private static readonly Dictionary<string, string[]> SageMakerResources = new(StringComparer.Ordinal)
    {
        ["retrain-start-pipeline"] = ["pipeline/release-center-*"],
        ["retrain-check-pipeline"] = ["pipeline/release-center-*"],
        ["retrain-register"] = ["model-package/release-center-*"],
        // The groups config/model-registry.json maps (imported on SageMaker's event unless "auto": false), and the retraining groups.
        [ModelRegistrySync.ImportFunction.Handler] = [.. MappedGroups(autoOnly: true)],
        [ModelRegistrySync.SyncFunction.Handler] = [.. MappedGroups(autoOnly: false), "model-package/release-center-*"],
        [ReleaseCenterStack.ApiHandler] =
            ["model/release-center-*", "endpoint-config/release-center-*", "endpoint/release-center-*", .. MappedGroups(autoOnly: false), "model-package/release-center-*"],
    };

    private static IEnumerable<string> MappedGroups(bool autoOnly) =>
        ModelRegistryConfig.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Find(), ReleaseCenterStackProps.ModelRegistryFile))).Groups.Values
            .Where(g => g.Auto || !autoOnly).Select(g => $"model-package/{g.Group.ToLowerInvariant()}/*");

    private static readonly string[] HostingResources = ["model/release-center-*", "endpoint-config/release-center-*", "endpoint/release-center-*"];

    [Fact]
    public void SageMakerActions_AreOnModelsEndpointsAndConfigsOfThisAccountAndRegionOnly_PipelinesAndModelPackagesForRetrainOnly()
    {
        var sageMaker = stack.AllStatements().SelectMany(s => TemplateJson.Grants(s.Statement)).Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList();
        var byHandler = ExtraActions.Keys
            .ToDictionary(h => h, h => GrantsOf(h).Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList(), StringComparer.Ordinal);

        Assert.NotEmpty(sageMaker);
        // Every SageMaker grant in the template is a function's: no state machine role or the execution role has any.
        Assert.Equal(sageMaker.Order(), byHandler.Values.SelectMany(g => g).Order());

        var retrainHandlers = RetrainWorkflow.Functions.Select(f => f.Handler).Append(RetrainWorkflow.TriggerFunction.Handler).Append(RetrainWorkflow.SignalFunction.Handler)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (handler, grants) in byHandler)
        {
            var allowed = (SageMakerResources.TryGetValue(handler, out var own) ? own : retrainHandlers.Contains(handler) ? [] : HostingResources)
                .Select(r => SageMakerArn + r)
                .ToHashSet(StringComparer.Ordinal);
            Assert.All(grants, g =>
                Assert.True(allowed.Contains(g.Resource), $"{handler} may {g.Action} on {g.Resource}; allowed: {string.Join(", ", allowed)}"));
        }

        // Pipelines and model packages are the retrain tasks' only; retrain tasks touch no model, config or endpoint.
        Assert.All(sageMaker.Where(g => g.Resource.StartsWith(SageMakerArn + "pipeline", StringComparison.Ordinal)),
            g => Assert.Contains(g.Action, new[] { "sagemaker:DescribePipelineExecution", "sagemaker:StartPipelineExecution", "sagemaker:StopPipelineExecution" }));
        Assert.All(sageMaker.Where(g => g.Resource.StartsWith(SageMakerArn + "model-package", StringComparison.Ordinal)),
            g => Assert.Contains(g.Action, new[] { "sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages", "sagemaker:UpdateModelPackage" }));
        Assert.All(retrainHandlers, h => Assert.DoesNotContain(byHandler[h], g => HostingResources.Any(r => g.Resource == SageMakerArn + r)));

        // Models are only created; endpoints are only described and updated where they live.
        Assert.All(sageMaker.Where(g => g.Action == "sagemaker:CreateModel"), g => Assert.Equal(SageMakerArn + "model/release-center-*", g.Resource));
        Assert.All(sageMaker.Where(g => g.Resource == SageMakerArn + "model/release-center-*"), g => Assert.Contains(g.Action, new[] { "sagemaker:AddTags", "sagemaker:CreateModel", "sagemaker:DescribeModel" }));
        Assert.All(GrantsOf("check-endpoint").Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)), g => Assert.Equal(SageMakerArn + "endpoint/release-center-*", g.Resource));
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

        // X-Ray and log delivery come with tracing and logging; dynamodb:ListStreams (no resource type) with the relay's stream;
        // the rest are named in the brief with the reason in the stack.
        Assert.Equal(
            [
                "cloudwatch:PutMetricData", "dynamodb:ListStreams", "ecr:GetAuthorizationToken",
                "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
                "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
            ],
            onStar);
    }

    [Fact]
    public void ResourceStar_IsNeverUsedForSageMaker()
    {
        // retrain-register lists and describes model packages on model-package/*: the resource type the Service
        // Authorization Reference gives both actions (cfn-lint's Policies.json).
        Assert.DoesNotContain(stack.AllStatements().SelectMany(s => TemplateJson.Grants(s.Statement)),
            g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal) && g.Resource == "*");
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

        Assert.Equal($"${{{SageMakerRoleId()}.Arn}}", TemplateJson.Text(variables[FunctionVariables.SageMakerRole]));
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
        var logGroups = $"arn:${{AWS::Partition}}:logs{InThisAccount}log-group:/aws/sagemaker/Endpoints/release-center-*";
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
        var rollbackExecutions = $"arn:${{AWS::Partition}}:states{InThisAccount}execution:{stack.Names.StateMachineName(RollbackWorkflow.Name)}:*";

        var states = GrantsOf(ReleaseCenterStack.ApiHandler).Where(g => g.Action.StartsWith("states:", StringComparison.Ordinal)).Order().ToList();

        Assert.Equal(
            new[]
            {
                ("states:DescribeExecution", executions),
                // Unlocking by hand checks whether the lock's holder, a release or a rollback, still runs.
                ("states:DescribeExecution", rollbackExecutions),
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
        // Rollback executions are only described (unlock checks whether the holder runs): neither read nor stopped, by name or by wildcard.
        Assert.Equal(["states:DescribeExecution"], states.Where(g => g.Resource.Contains(rollbackName, StringComparison.Ordinal)).Select(g => g.Action));
        Assert.DoesNotContain(states, g => g.Resource == "*" || g.Resource.EndsWith(":execution:*", StringComparison.Ordinal) || g.Resource.Contains("stateMachine:*", StringComparison.Ordinal));
    }

    [Fact]
    public void RollbackRestore_MayMoveTheEndpointBackButNotCreateDeleteOrPassARole()
    {
        var grants = GrantsOf("rollback-restore");
        var sageMaker = grants.Where(g => g.Action.StartsWith("sagemaker:", StringComparison.Ordinal)).ToList();

        Assert.Contains(("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/release-center-*"), sageMaker);
        Assert.Contains(("sagemaker:DescribeEndpointConfig", SageMakerArn + "endpoint-config/release-center-*"), sageMaker);
        Assert.Contains(("sagemaker:UpdateEndpoint", SageMakerArn + "endpoint/release-center-*"), sageMaker);
        Assert.All(sageMaker, g => Assert.Contains(g.Resource, new[] { SageMakerArn + "endpoint/release-center-*", SageMakerArn + "endpoint-config/release-center-*" }));

        // It fails with Rollback.TargetGone when the target's config is gone; it never recreates it or takes the endpoint down.
        foreach (var forbidden in new[]
                 {
                     "sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint",
                     "sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel", "iam:PassRole",
                 })
        {
            Assert.DoesNotContain(grants, g => g.Action == forbidden);
        }

        Assert.DoesNotContain(grants, g => g.Action.StartsWith("events:", StringComparison.Ordinal)); // its events go through the outbox
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

        Assert.Contains(("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/release-center-*"), grants);
        Assert.Contains(("sagemaker:UpdateEndpoint", SageMakerArn + "endpoint/release-center-*"), grants);
        Assert.DoesNotContain(grants, g => g.Action is "sagemaker:DeleteEndpoint" or "sagemaker:CreateModel" or "sagemaker:CreateEndpointConfig" or "iam:PassRole");
    }

    [Theory]
    [InlineData("rollback-check-endpoint")]
    [InlineData("rollback-verify")]
    public void RollbackReadOnlyTasks_OnlyDescribeEndpoints(string handler)
    {
        Assert.Equal(
            [("sagemaker:DescribeEndpoint", SageMakerArn + "endpoint/release-center-*")],
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

    /// <summary>
    /// Who may act on which state machine: the API starts and answers releases and rollbacks; retrain-open-release and
    /// import-model-package open a release (a normal one: gates and approvals apply), so they may start the release state
    /// machine and nothing else;
    /// start-retrain may start the retrain state machine and nothing else; the reconciler may describe release and rollback
    /// executions and answer release approval tokens, and start nothing. No other function has any states: action.
    /// </summary>
    [Fact]
    public void OnlyTheApiRetrainOpenReleaseImportAndStartRetrain_MayStartExecutions_EachOnlyItsStateMachines()
    {
        var release = $"${{{stack.StateMachine(ReleaseWorkflow.Name).LogicalId}}}";
        var retrain = $"${{{stack.StateMachine(RetrainWorkflow.Name).LogicalId}}}";
        var apiRole = stack.RoleOf(stack.Function(stack.Names.ApiFunctionName).Properties);
        var openRelease = stack.RoleOf(stack.TaskFunction("retrain-open-release").Properties);
        var importPackage = stack.RoleOf(stack.TaskFunction(ModelRegistrySync.ImportFunction.Handler).Properties);
        var trigger = stack.RoleOf(stack.TaskFunction(RetrainWorkflow.TriggerFunction.Handler).Properties);
        var reconcile = stack.RoleOf(stack.Function(stack.Names.FunctionName(ReleaseWorkflow.ReconcileHandler)).Properties);
        string[] wakers = [stack.RoleOf(stack.TaskFunction(ReleaseWorkflow.AwaitEndpointHandler).Properties),
            stack.RoleOf(stack.TaskFunction(ReleaseWorkflow.EndpointChangedHandler).Properties)];

        var functionRoles = stack.Resources("AWS::Lambda::Function").Select(f => stack.RoleOf(f.Resource["Properties"]!.AsObject())).ToList();
        Assert.Equal(functionRoles.Count, functionRoles.Distinct(StringComparer.Ordinal).Count());
        foreach (var roleId in functionRoles.Where(r => r != apiRole && r != openRelease && r != importPackage && r != trigger && r != reconcile && !wakers.Contains(r)))
        {
            Assert.DoesNotContain(stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants), g => g.Action.StartsWith("states:", StringComparison.Ordinal));
        }

        // The endpoint wakers complete tokens of release and rollback executions (SendTaskSuccess only), by the state machines' names.
        foreach (var waker in wakers)
        {
            var grants = StatesGrantsOf(waker);
            Assert.Equal(["states:SendTaskSuccess", "states:SendTaskSuccess"], grants.Select(g => g.Action));
            Assert.Contains(grants, g => g.Resource.EndsWith($":stateMachine:{stack.Names.StateMachineName(ReleaseWorkflow.Name)}", StringComparison.Ordinal));
            Assert.Contains(grants, g => g.Resource.EndsWith($":stateMachine:{stack.Names.StateMachineName(RollbackWorkflow.Name)}", StringComparison.Ordinal));
        }
        Assert.Equal([("states:StartExecution", release)], StatesGrantsOf(openRelease));
        Assert.Equal([("states:StartExecution", release)], StatesGrantsOf(importPackage));
        Assert.Equal([("states:StartExecution", retrain)], StatesGrantsOf(trigger));
        Assert.DoesNotContain(StatesGrantsOf(reconcile), g => g.Action is "states:StartExecution" or "states:StopExecution");
        Assert.All(StatesGrantsOf(reconcile).Where(g => g.Action.StartsWith("states:SendTask", StringComparison.Ordinal)), g => Assert.Equal(release, g.Resource));
    }

    [Fact]
    public void OnlyTheApiFunctionRetrainOpenReleaseAndImportModelPackage_MayStartTheReleaseStateMachine()
    {
        var release = $"${{{stack.StateMachine(ReleaseWorkflow.Name).LogicalId}}}";

        Assert.Equal(
            new[] { stack.Names.ApiFunctionName, stack.Names.FunctionName("retrain-open-release"), stack.Names.FunctionName(ModelRegistrySync.ImportFunction.Handler) }
                .Order(StringComparer.Ordinal),
            FunctionsAllowedTo("states:StartExecution", release));
    }

    [Fact]
    public void OnlyStartRetrain_MayStartTheRetrainStateMachine_AndNoFunctionMayAnswerStopOrReadItsExecutions()
    {
        var (retrainId, _) = stack.StateMachine(RetrainWorkflow.Name);
        var retrainName = stack.Names.StateMachineName(RetrainWorkflow.Name);

        Assert.Equal([stack.Names.FunctionName(RetrainWorkflow.TriggerFunction.Handler)], FunctionsAllowedTo("states:StartExecution", $"${{{retrainId}}}"));

        // Its executions are named after drift reports and run unattended: no task token to answer, nothing to stop or describe.
        var grants = stack.Resources("AWS::Lambda::Function")
            .SelectMany(f => stack.StatementsOfRole(stack.RoleOf(f.Resource["Properties"]!.AsObject())).SelectMany(TemplateJson.Grants))
            .Where(g => g.Action.StartsWith("states:", StringComparison.Ordinal))
            .ToList();
        Assert.Single(grants, g => g.Resource.Contains(retrainId, StringComparison.Ordinal) || g.Resource.Contains(retrainName, StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Resource == "*" || g.Resource.EndsWith(":execution:*", StringComparison.Ordinal) || g.Resource.Contains("stateMachine:*", StringComparison.Ordinal));
    }

    /// <summary>Every handler of the retrain workflow, and its trigger.</summary>
    public static TheoryData<string> RetrainHandlers => [.. RetrainWorkflow.Functions.Select(f => f.Handler), RetrainWorkflow.TriggerFunction.Handler];

    /// <summary>
    /// The retrain handlers' grants beyond table data, their own log group and X-Ray: exactly these, on exactly these
    /// resources. A retrain handler added without a row here fails.
    /// </summary>
    [Theory]
    [MemberData(nameof(RetrainHandlers))]
    public void RetrainFunction_MayDoExactlyWhatItsJobNeedsOnExactlyTheseResources(string handler)
    {
        var releaseStateMachine = $"${{{stack.StateMachine(ReleaseWorkflow.Name).LogicalId}}}";
        var retrainStateMachine = $"${{{stack.StateMachine(RetrainWorkflow.Name).LogicalId}}}";
        var expected = handler switch
        {
            "retrain-check-policy" => Array.Empty<(string, string)>(),
            "retrain-start-pipeline" => [("sagemaker:StartPipelineExecution", SageMakerArn + "pipeline/release-center-*")],
            "retrain-check-pipeline" => [("sagemaker:DescribePipelineExecution", SageMakerArn + "pipeline/release-center-*"),
                ("sagemaker:StopPipelineExecution", SageMakerArn + "pipeline/release-center-*")],
            "retrain-register" =>
            [
                // The package's metrics report, in the model artifacts bucket (the only report bucket the shipped mapping has).
                ("s3:GetObject", $"arn:${{AWS::Partition}}:s3:::{SynthesizedStackFixture.ModelArtifactsBucket}/*"),
                ("sagemaker:DescribeModelPackage", SageMakerArn + "model-package/release-center-*"),
                ("sagemaker:ListModelPackages", SageMakerArn + "model-package/release-center-*"),
            ],
            "retrain-open-release" => [("states:StartExecution", releaseStateMachine)],
            "retrain-stop" => [],
            "start-retrain" => [("states:StartExecution", retrainStateMachine)],
            _ => throw new ArgumentOutOfRangeException(nameof(handler), handler, "A retrain handler without expected grants: decide them here."),
        };

        Assert.Equal(
            expected.Order(),
            GrantsOf(handler).Where(g => !g.Action.StartsWith("dynamodb:", StringComparison.Ordinal) && !g.Action.StartsWith("logs:", StringComparison.Ordinal)
                && !g.Action.StartsWith("xray:", StringComparison.Ordinal)).Order());
    }

    [Theory]
    [MemberData(nameof(RetrainHandlers))]
    public void RetrainFunction_MayNotPassARoleNorCreateUpdateOrDeleteSageMakerModelsEndpointsOrPipelines(string handler)
    {
        var sageMakerRole = $"${{{SageMakerRoleId()}.Arn}}";
        var grants = GrantsOf(handler);

        // Starting a pipeline runs it under the role it was created with: nothing here hands a role to SageMaker.
        Assert.DoesNotContain(grants, g => g.Action.StartsWith("iam:", StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Resource.Contains(sageMakerRole, StringComparison.Ordinal));
        Assert.DoesNotContain(grants, g => g.Action is "sagemaker:CreateEndpoint" or "sagemaker:DeleteEndpoint" or "sagemaker:UpdateEndpoint"
            or "sagemaker:CreateEndpointConfig" or "sagemaker:DeleteEndpointConfig" or "sagemaker:CreateModel" or "sagemaker:DeleteModel");
        // Nor any other SageMaker write beyond starting the policy's pipeline, and stopping it past the policy's time bound
        // (no creating, changing or approving anything).
        Assert.DoesNotContain(grants, g => g.Action != "sagemaker:StopPipelineExecution"
            && System.Text.RegularExpressions.Regex.IsMatch(g.Action, "^sagemaker:(Create|Delete|Update|Put|Stop|AddTags|[^:]*\\*)"));
        Assert.All(grants.Where(g => g.Action == "sagemaker:StopPipelineExecution"), g => Assert.Equal("retrain-check-pipeline", handler));
        Assert.False(stack.TaskFunction(handler).Properties["Environment"]!["Variables"]!.AsObject().ContainsKey(FunctionVariables.SageMakerRole),
            $"{handler} gets the SageMaker execution role's ARN.");
    }

    private List<(string Action, string Resource)> StatesGrantsOf(string roleId) =>
        stack.StatementsOfRole(roleId).SelectMany(TemplateJson.Grants).Where(g => g.Action.StartsWith("states:", StringComparison.Ordinal)).ToList();

    /// <summary>Names of the functions whose role allows this action on exactly this resource.</summary>
    private IOrderedEnumerable<string> FunctionsAllowedTo(string action, string resource) =>
        stack.Resources("AWS::Lambda::Function")
            .Select(f => f.Resource["Properties"]!.AsObject())
            .Where(f => stack.StatementsOfRole(stack.RoleOf(f)).SelectMany(TemplateJson.Grants).Contains((action, resource)))
            .Select(f => (string)f["FunctionName"]!)
            .Order(StringComparer.Ordinal);

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
