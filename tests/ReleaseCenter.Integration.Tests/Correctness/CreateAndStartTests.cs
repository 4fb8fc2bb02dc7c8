using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Releases;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// Defect 8 (issue 10): a creation that crashed between writing the release and starting its
/// execution left it Pending for ever, because a retry with the same id returned it as it was.
/// </summary>
[Collection("emulator")]
public sealed class CreateAndStartTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ReleaseDriver _driver = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        _driver = await ReleaseDriver.StartAsync(emulator);
    }

    public async Task DisposeAsync() => await _driver.Api.DisposeAsync();

    [Fact]
    public async Task RetryAfterACrashBeforeStart_StartsTheExecution_AndTheReleaseRuns()
    {
        var model = await _driver.RegisterAsync(emulator.UniqueName("crash"), (0.93, 80));
        var services = _driver.Api.App.Services;
        var registry = services.GetRequiredService<IRegistryStore>();
        var policies = services.GetRequiredService<EnvironmentPolicies>();
        var version = await registry.GetVersionAsync(model, 1, CancellationToken.None);
        var id = $"retrain-{emulator.UniqueName("r")}";
        // What the first attempt left behind: the release item, and nothing else.
        await registry.CreateReleaseAsync(Release.Create(id, model, 1, ["dev"], null, "retrain-workflow", DateTimeOffset.UtcNow) with
        {
            Bundle = Bundle.Freeze(version!, policies.Get("dev").InstanceType),
        }, CancellationToken.None);

        var retried = await services.GetRequiredService<ReleaseService>().CreateAsync(model, 1, ["dev"], null, "retrain-workflow", CancellationToken.None, releaseId: id);
        var again = await services.GetRequiredService<ReleaseService>().CreateAsync(model, 1, ["dev"], null, "retrain-workflow", CancellationToken.None, releaseId: id);

        Assert.NotNull(retried.ExecutionArn);
        Assert.Equal(retried.ExecutionArn, again.ExecutionArn);
        await _driver.WaitAsync(id, ReleaseDriver.Status("Released"));
        Assert.Equal("SUCCEEDED", (await _driver.EndedExecutionAsync(id)).Status);
    }
}
