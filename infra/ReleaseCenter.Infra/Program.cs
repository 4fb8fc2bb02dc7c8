using Amazon.CDK;
using ReleaseCenter.Infra;

// Context (cdk.json, or `cdk synth -c key=value`): stage, version, lambdaAssetPath, modelArtifactsBucket, jwtIssuer, jwtAudience.
var app = new App();
try
{
    ReleaseCenterApp.AddStacks(app);
}
catch (InvalidOperationException e)
{
    // Missing or wrong context: the message says what to do; a stack trace would only bury it.
    await Console.Error.WriteLineAsync($"ReleaseCenter.Infra: {e.Message}");
    return 1;
}

app.Synth();
return 0;
