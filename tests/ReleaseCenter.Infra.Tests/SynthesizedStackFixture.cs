using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;

namespace ReleaseCenter.Infra.Tests;

/// <summary>
/// Synthesizes the stack once for every test, the way `cdk synth` would: the context of the
/// repository's cdk.json (feature flags included), with test values for what a test asserts on
/// and a temporary folder holding a dummy <c>bootstrap</c> as the API bundle. Owns and deletes both temp folders.
/// </summary>
public sealed class SynthesizedStackFixture : IDisposable
{
    public const string Stage = "qa";
    public const string Version = "9.9.9-test";
    public const string JwtIssuer = "https://issuer.test.invalid/realms/release-center";
    public static readonly string[] JwtAudiences = ["release-center", "release-center-cli"];

    private readonly DirectoryInfo _assetDir;
    private readonly DirectoryInfo _outDir;

    public SynthesizedStackFixture()
    {
        _assetDir = CreateApiBundle();
        _outDir = Directory.CreateTempSubdirectory("release-center-cdk-out-");

        var context = CdkJsonContext();
        context["stage"] = Stage;
        context["version"] = Version;
        context["apiAssetPath"] = _assetDir.FullName;
        context["jwtIssuer"] = JwtIssuer;
        // Comma-separated with a space, as someone would type it after `-c`.
        context["jwtAudience"] = string.Join(", ", JwtAudiences);

        var app = new App(new AppProps { Context = context, Outdir = _outDir.FullName });
        Stack = ReleaseCenterApp.AddStacks(app);
        var assembly = app.Synth();
        TemplatePath = assembly.GetStackArtifact(Stack.ArtifactId).TemplateFullPath;
        Template = Template.FromStack(Stack);
        Json = JsonNode.Parse(File.ReadAllText(TemplatePath))!.AsObject();
    }

    public ReleaseCenterStack Stack { get; }

    public Template Template { get; }

    /// <summary>The synthesized template file, for walking it with plain System.Text.Json.</summary>
    public JsonObject Json { get; }

    public string TemplatePath { get; }

    public IEnumerable<(string LogicalId, JsonObject Resource)> Resources(string? type = null) =>
        Json["Resources"]!.AsObject()
            .Select(r => (r.Key, r.Value!.AsObject()))
            .Where(r => type is null || (string?)r.Item2["Type"] == type);

    public (string LogicalId, JsonObject Properties) Single(string type)
    {
        var matches = Resources(type).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {type}, found {matches.Count}.");
        return (matches[0].LogicalId, matches[0].Resource["Properties"]!.AsObject());
    }

    public void Dispose()
    {
        _assetDir.Delete(recursive: true);
        _outDir.Delete(recursive: true);
    }

    /// <summary>A folder shaped like `dotnet publish -o artifacts/api` output: just enough for Code.FromAsset.</summary>
    public static DirectoryInfo CreateApiBundle()
    {
        var dir = Directory.CreateTempSubdirectory("release-center-api-bundle-");
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
