using System.Diagnostics;

namespace ReleaseCenter.Lambda;

/// <summary>
/// Where a cold start's time goes, for the cold start benchmark (tests/ReleaseCenter.Benchmarks): with
/// RELEASE_CENTER_INIT_TIMINGS=1 each phase writes "init-timing {phase} {Stopwatch timestamp}" to stderr.
/// The timestamp is the system's monotonic clock, so the benchmark subtracts the moment it spawned the process.
/// Off (the default, and in AWS) it writes nothing and costs one environment read.
/// </summary>
internal static class InitTimings
{
    public const string Variable = "RELEASE_CENTER_INIT_TIMINGS";

    private static readonly bool Enabled = Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Mark(string phase)
    {
        if (Enabled)
        {
            Console.Error.WriteLine($"init-timing {phase} {Stopwatch.GetTimestamp()}");
        }
    }
}
