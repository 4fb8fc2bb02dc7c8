using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// Synthesizes the stack once for every test, the way `cdk synth` would: the context of the
/// repository's cdk.json (feature flags included), with test values for what a test asserts on
/// and a temporary folder holding a dummy <c>bootstrap</c> as the Lambda bundle. Owns and deletes both temp folders.
/// </summary>
public sealed class SynthesizedStackFixture : IDisposable
{
    public const string Stage = "qa";
    public const string Version = "9.9.9-test";
    /// <summary>Extra audiences the authorizer accepts besides the console's Cognito client (no jwtIssuer: the pool is the issuer).</summary>
    public static readonly string[] JwtAudiences = ["release-center-cli", "release-center-ci"];
    public const string ModelArtifactsBucket = "models.test.invalid";

    private readonly DirectoryInfo _assetDir;
    private readonly DirectoryInfo _outDir;

    public SynthesizedStackFixture()
    {
        _assetDir = CreateLambdaBundle();
        _outDir = Directory.CreateTempSubdirectory("release-center-cdk-out-");

        var context = CdkJsonContext();
        context["stage"] = Stage;
        context["version"] = Version;
        context["lambdaAssetPath"] = _assetDir.FullName;
        context["modelArtifactsBucket"] = ModelArtifactsBucket;
        // Comma-separated with a space, as someone would type it after `-c`.
        context["jwtAudience"] = string.Join(", ", JwtAudiences);

        var app = new App(new AppProps { Context = context, Outdir = _outDir.FullName });
        Stack = ReleaseCenterApp.AddStacks(app);
        var assembly = app.Synth();
        TemplatePath = assembly.GetStackArtifact(Stack.ArtifactId).TemplateFullPath;
        Template = Template.FromStack(Stack);
        Json = JsonNode.Parse(File.ReadAllText(TemplatePath))!.AsObject();
        Names = new ResourceNames(Stage);
    }

    public ResourceNames Names { get; }

    /// <summary>The cloud assembly folder: assets are staged there as asset.{hash}{extension}.</summary>
    public string OutDir => _outDir.FullName;

    public ReleaseCenterStack Stack { get; }

    public Template Template { get; }

    /// <summary>The synthesized template file, for walking it with plain System.Text.Json.</summary>
    public JsonObject Json { get; }

    public string TemplatePath { get; }

    public IEnumerable<(string LogicalId, JsonObject Resource)> Resources(string? type = null) =>
        Json["Resources"]!.AsObject()
            .Select(r => (r.Key, r.Value!.AsObject()))
            .Where(r => type is null || (string?)r.Item2["Type"] == type);

    /// <summary>The Cognito app client named release-center-{kind}-{stage} (console, cli, ci).</summary>
    public (string LogicalId, JsonObject Properties) AppClient(string kind) =>
        Resources("AWS::Cognito::UserPoolClient")
            .Select(r => (r.LogicalId, Properties: r.Resource["Properties"]!.AsObject()))
            .Single(r => (string?)r.Properties["ClientName"] == $"release-center-{kind}-{Stage}");

    public (string LogicalId, JsonObject Properties) Single(string type)
    {
        var matches = Resources(type).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return (matches[0].LogicalId, matches[0].Resource["Properties"]!.AsObject());
    }

    /// <summary>The Lambda function with this FunctionName.</summary>
    public (string LogicalId, JsonObject Properties) Function(string functionName)
    {
        var matches = Resources("AWS::Lambda::Function")
            .Where(r => (string?)r.Resource["Properties"]!["FunctionName"] == functionName)
            .ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one function named {functionName}, found {matches.Count}.");
        return (matches[0].LogicalId, matches[0].Resource["Properties"]!.AsObject());
    }

    /// <summary>
    /// The state machine of a workflow (<see cref="ReleaseWorkflow.Name"/>, <see cref="RollbackWorkflow.Name"/>, <see cref="RetrainWorkflow.Name"/>), picked by
    /// its logical id: the stack's construct id plus CDK's 8-character hash. Not by its name, so tests can assert the name.
    /// </summary>
    public (string LogicalId, JsonObject Properties) StateMachine(string workflow)
    {
        var constructId = workflow switch
        {
            ReleaseWorkflow.Name => "ReleaseStateMachine",
            RollbackWorkflow.Name => "RollbackStateMachine",
            RetrainWorkflow.Name => "RetrainStateMachine",
            _ => throw new ArgumentOutOfRangeException(nameof(workflow), workflow, "No state machine is known for this workflow."),
        };
        var matches = Resources("AWS::StepFunctions::StateMachine")
            .Where(r => r.LogicalId.Length == constructId.Length + 8 && r.LogicalId.StartsWith(constructId, StringComparison.Ordinal))
            .ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one state machine {constructId}, found {matches.Count}.");
        return (matches[0].LogicalId, matches[0].Resource["Properties"]!.AsObject());
    }

    /// <summary>The function of a workflow task handler.</summary>
    public (string LogicalId, JsonObject Properties) TaskFunction(string handler) => Function(Names.FunctionName(handler));

    /// <summary>Every statement of AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents and of roles' inline policies.</summary>
    public IEnumerable<(string Policy, JsonObject Statement)> AllStatements()
    {
        IEnumerable<(string, JsonNode?)> documents =
            Resources("AWS::IAM::Policy").Concat(Resources("AWS::IAM::ManagedPolicy"))
                .Select(r => (r.LogicalId, r.Resource["Properties"]!["PolicyDocument"]))
            .Concat(Resources("AWS::IAM::Role")
                .SelectMany(r => TemplateJson.OneOrMany(r.Resource["Properties"]!["Policies"])
                    .Select(p => ($"{r.LogicalId}/{p!["PolicyName"]}", p!["PolicyDocument"]))));

        return documents.SelectMany(d => TemplateJson.OneOrMany(d.Item2!["Statement"]).Select(s => (d.Item1, s!.AsObject())));
    }

    /// <summary>Statements of the policies attached to one role (the role a function's Role points at).</summary>
    public List<JsonObject> StatementsOfRole(string roleLogicalId)
    {
        var attached = Resources("AWS::IAM::Policy")
            .Where(p => TemplateJson.ReferencedIds(p.Resource["Properties"]!["Roles"]).Contains(roleLogicalId))
            .SelectMany(p => TemplateJson.OneOrMany(p.Resource["Properties"]!["PolicyDocument"]!["Statement"]));
        var role = Resources("AWS::IAM::Role").Single(r => r.LogicalId == roleLogicalId).Resource["Properties"]!;
        var inline = TemplateJson.OneOrMany(role["Policies"]).SelectMany(p => TemplateJson.OneOrMany(p!["PolicyDocument"]!["Statement"]));
        Assert.Empty(Resources("AWS::IAM::ManagedPolicy"));
        Assert.Null(role["ManagedPolicyArns"]);
        return attached.Concat(inline).Select(s => s!.AsObject()).ToList();
    }

    /// <summary>The role a function runs as.</summary>
    public string RoleOf(JsonObject functionProperties) => Assert.Single(TemplateJson.ReferencedIds(functionProperties["Role"]));

    public void Dispose()
    {
        _assetDir.Delete(recursive: true);
        _outDir.Delete(recursive: true);
    }

    /// <summary>A folder shaped like `dotnet publish -o artifacts/lambda` output: just enough for Code.FromAsset.</summary>
    public static DirectoryInfo CreateLambdaBundle()
    {
        var dir = Directory.CreateTempSubdirectory("release-center-lambda-bundle-");
        File.WriteAllText(Path.Combine(dir.FullName, "bootstrap"), "#!/bin/sh\n");
        return dir;
    }

    /// <summary>The "context" block of the repository's cdk.json, as plain strings, booleans and string arrays.</summary>
    public static Dictionary<string, object> CdkJsonContext()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "cdk.json")))
        {
            dir = dir.Parent;
        }

        if (dir is null)
        {
            throw new InvalidOperationException($"No cdk.json found above {AppContext.BaseDirectory}; the tests read its context.");
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, "cdk.json")));
        var context = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var entry in doc.RootElement.GetProperty("context").EnumerateObject())
        {
            context[entry.Name] = entry.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Array => entry.Value.EnumerateArray().Select(e => e.ToString()).ToArray(),
                _ => entry.Value.ToString(),
            };
        }

        return context;
    }
}

[CollectionDefinition(Name)]
public sealed class SynthesizedStackCollection : ICollectionFixture<SynthesizedStackFixture>
{
    public const string Name = "Synthesized stack";
}
