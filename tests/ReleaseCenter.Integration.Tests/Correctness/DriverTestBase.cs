using ReleaseCenter.Local.Emulator;

namespace ReleaseCenter.Integration.Tests.Correctness;

/// <summary>
/// What every correctness test starts from: its own API host (its own table) over the shared
/// emulator, driven by a <see cref="ReleaseDriver"/>, with no fault armed before or after it.
/// </summary>
public abstract class DriverTestBase(EmulatorFixture emulator, string? environmentsJson = null) : IAsyncLifetime
{
    protected EmulatorFixture Emulator => emulator;

    protected ReleaseDriver Driver { get; private set; } = null!;

    /// <summary>The local AWS endpoint's fault switch.</summary>
    protected AwsFaults Faults => emulator.Local!.Faults;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        Faults.Clear();
        Driver = await ReleaseDriver.StartAsync(emulator, environmentsJson);
    }

    public async Task DisposeAsync()
    {
        Faults.Clear();
        await Driver.Api.DisposeAsync();
    }
}
