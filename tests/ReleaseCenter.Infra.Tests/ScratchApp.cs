using Amazon.CDK;

namespace ReleaseCenter.Infra.Tests;

/// <summary>An App for a single test whose cloud-assembly folder is deleted afterwards (CDK's default temp folders are not).</summary>
internal sealed class ScratchApp : IDisposable
{
    private readonly DirectoryInfo _outDir = Directory.CreateTempSubdirectory("release-center-cdk-out-");

    public ScratchApp(IDictionary<string, object>? context = null) =>
        App = new App(new AppProps { Context = context, Outdir = _outDir.FullName });

    public App App { get; }

    public void Dispose() => _outDir.Delete(recursive: true);
}
