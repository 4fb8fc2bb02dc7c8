using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Emulator;

/// <summary>The launcher tells a newcomer what is missing instead of failing obscurely.</summary>
public sealed class LauncherTests
{
    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task PythonWithoutMoto_FailsWithTheInstallCommand()
    {
        // python3 -S skips site-packages, so moto cannot be imported: the state of a fresh machine.
        var wrapper = Path.Combine(Directory.CreateTempSubdirectory("no-moto-").FullName, "python-without-moto");
        await File.WriteAllTextAsync(wrapper, "#!/bin/sh\nexec python3 -S \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var ex = await Assert.ThrowsAsync<EmulatorUnavailableException>(() =>
            MotoProcess.StartAsync(integrationPort: 1, TimeSpan.FromSeconds(30), CancellationToken.None, python: wrapper));

        Assert.Contains("moto 5.2.1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pip install 'moto[server]==5.2.1'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPython_FailsWithHowToInstallIt()
    {
        var ex = await Assert.ThrowsAsync<EmulatorUnavailableException>(() =>
            MotoProcess.StartAsync(1, TimeSpan.FromSeconds(10), CancellationToken.None, python: "/nonexistent/python3"));
        Assert.Contains("apt-get install", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("release-center-evaluate-local", "release-center-evaluate-local")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:evaluate", "evaluate")]
    [InlineData("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Aevaluate%3A%24LATEST", "evaluate")]
    [InlineData("123456789012:function:evaluate", "evaluate")]
    [InlineData("evaluate:live", "evaluate")]
    public void LambdaInvokePath_NamesTheFunction(string path, string name) =>
        Assert.Equal(name, LambdaFunctions.NameFrom(path));
}
