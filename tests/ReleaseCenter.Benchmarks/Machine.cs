using System.Globalization;
using System.Runtime.InteropServices;

namespace ReleaseCenter.Benchmarks;

internal static class Machine
{
    /// <summary>"Intel Xeon … ×2, 23 GB, Debian GNU/Linux 13, .NET 10.0.x": enough to tell two machines' figures apart.</summary>
    public static string Describe()
    {
        var cpu = Read("/proc/cpuinfo").Select(l => l.Split(':', 2)).FirstOrDefault(p => p.Length == 2 && p[0].Trim() == "model name")?[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = Read("/proc/meminfo").Select(l => l.Split(':', 2)).FirstOrDefault(p => p[0] == "MemTotal")?[1].Trim().Split(' ')[0];
        var memory = long.TryParse(memKb, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? $", {kb / 1024 / 1024} GB" : "";
        var os = Read("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
        return $"{cpu} ×{Environment.ProcessorCount}{memory}, {os}, .NET {Environment.Version}";
    }

    private static IEnumerable<string> Read(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
