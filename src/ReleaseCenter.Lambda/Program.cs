using ReleaseCenter.Lambda;

// Lambda sets both: the function's Handler setting, and where this sandbox's Runtime API listens.
if (Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API") is not { Length: > 0 } runtimeApi)
{
    await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this executable runs only as a Lambda custom runtime.").ConfigureAwait(false);
    return 2;
}
return await LambdaBootstrap.RunAsync(new LambdaBootstrapOptions
{
    Handler = Environment.GetEnvironmentVariable("_HANDLER"),
    RuntimeApi = runtimeApi,
    Args = args,
}).ConfigureAwait(false);
