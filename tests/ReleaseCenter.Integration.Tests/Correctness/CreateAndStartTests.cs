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
public sealed class CreateAndStartTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task RetryAfterACrashBeforeStart_StartsTheExecution_AndTheReleaseRuns()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("crash"), (0.93, 80));
        var services = Driver.Api.App.Services;
        var registry = services.GetRequiredService<IRegistryStore>();
        var policies = services.GetRequiredService<EnvironmentPolicies>();
        var version = await registry.GetVersionAsync(model, 1, CancellationToken.None);
        var id = $"retrain-{Emulator.UniqueName("r")}";
        // What the first attempt left behind: the release item, and nothing else.
        await registry.CreateReleaseAsync(Release.Create(id, model, 1, ["dev"], null, "retrain-workflow", DateTimeOffset.UtcNow) with
        {
            Bundle = Bundle.Freeze(version!, policies.Get("dev").InstanceType),
        }, CancellationToken.None);

        var retried = await services.GetRequiredService<ReleaseService>().CreateAsync(model, 1, ["dev"], null, "retrain-workflow", CancellationToken.None, releaseId: id);
        var again = await services.GetRequiredService<ReleaseService>().CreateAsync(model, 1, ["dev"], null, "retrain-workflow", CancellationToken.None, releaseId: id);

        Assert.NotNull(retried.ExecutionArn);
        Assert.Equal(retried.ExecutionArn, again.ExecutionArn);
        await Driver.WaitAsync(id, ReleaseDriver.Status("Released"));
        Assert.Equal("SUCCEEDED", (await Driver.EndedExecutionAsync(id)).Status);
    }
}
