using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace ReleaseCenter.Integration.Tests.Emulator;

/// <summary>
/// The README's run command as a user meets it: the built local stack in its own process,
/// stopped the way a terminal or a supervisor stops it. Nothing may be left running.
/// </summary>
/// <remarks>In the second emulator's collection only to share its turn: it starts its own stack (and builds it).</remarks>
[Collection(EmulatorCollections.Second)]
public sealed partial class RunCommandTests
{
    [GeneratedRegex(@"moto pid (\d+)")]
    private static partial Regex MotoPid();

    private sealed class Stack : IDisposable
    {
        public required Process Process { get; init; }
        public required int Port { get; init; }
        public int MotoPid { get; set; }
        public List<string> Output { get; } = [];

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
            Process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <param name="ownGroup">Start it as the leader of its own process group (setsid), so that a signal to the group reaches the stack and
    /// the emulator at once, as Ctrl+C in a terminal does.</param>
    private static Stack Launch(int port, bool ownGroup = false)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "ReleaseCenter.Local.dll");
        var start = ownGroup
            ? new ProcessStartInfo("setsid") { ArgumentList = { "dotnet", dll }, RedirectStandardOutput = true, RedirectStandardError = true }
            : new ProcessStartInfo("dotnet") { ArgumentList = { dll }, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["RELEASE_CENTER_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var stack = new Stack { Process = Process.Start(start)!, Port = port };
        stack.Process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stack.Output) { stack.Output.Add(e.Data); } } };
        stack.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stack.Output) { stack.Output.Add(e.Data); } } };
        stack.Process.BeginOutputReadLine();
        stack.Process.BeginErrorReadLine();
        return stack;
    }

    /// <summary>
    /// Launches the stack on a free port and waits until it runs. The port is free when picked, but another process (an
    /// emulator of a test running beside this one) can take it before the stack binds it: then a new port, up to three.
    /// </summary>
    private static async Task<Stack> LaunchRunningAsync(bool ownGroup = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stack = Launch(FreePort(), ownGroup);
            if (await WaitUntilRunningAsync(stack, portTakenIsRetry: attempt < 3))
            {
                return stack;
            }
            stack.Dispose();
        }
    }

    /// <returns>False when the stack exited because its port was taken meanwhile and <paramref name="portTakenIsRetry"/>.</returns>
    private static async Task<bool> WaitUntilRunningAsync(Stack stack, bool portTakenIsRetry = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !stack.Process.HasExited)
        {
            lock (stack.Output)
            {
                var pid = stack.Output.Select(l => MotoPid().Match(l)).FirstOrDefault(m => m.Success);
                if (pid is not null && stack.Output.Any(l => l.Contains("Press Ctrl+C to stop.", StringComparison.Ordinal)))
                {
                    stack.MotoPid = int.Parse(pid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    return true;
                }
            }
            await Task.Delay(200);
        }
        if (stack.Process.HasExited)
        {
            stack.Process.WaitForExit(); // the last lines of its output too
        }
        lock (stack.Output)
        {
            if (portTakenIsRetry && stack.Output.Any(l => l.Contains("address already in use", StringComparison.Ordinal)))
            {
                return false;
            }
        }
        Assert.Fail("The local stack did not come up:\n" + string.Join('\n', stack.Output));
        return false;
    }

    /// <param name="pid">A process, or (negative) the process group it leads.</param>
    private static void Signal(int pid, string signal) =>
        Process.Start("kill", [$"-{signal}", "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    private static async Task AssertGoneAsync(int pid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal),
            $"process {pid} is still running");
    }

    [Theory]
    [InlineData("TERM", false)] // a supervisor stops the host
    [InlineData("INT", true)] // Ctrl+C in a terminal: the host and the emulator at once
    public async Task RunCommand_ServesTheApi_AndASignalStopsItAndTheEmulator(string signal, bool toTheGroup)
    {
        using var stack = await LaunchRunningAsync(ownGroup: toTheGroup);
        using (var http = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{stack.Port}/healthz")).StatusCode);
        }

        int before;
        lock (stack.Output)
        {
            before = stack.Output.Count;
        }
        // Ctrl+C in a terminal: the signal reaches the host and the emulator together.
        Signal(toTheGroup ? -stack.Process.Id : stack.Process.Id, signal);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stack.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, stack.Process.ExitCode);
        await AssertGoneAsync(stack.MotoPid, TimeSpan.FromSeconds(5));
        Assert.Contains(stack.Output, l => l.Contains("The emulator has exited", StringComparison.Ordinal));
        lock (stack.Output)
        {
            // Stopping is quiet: no warning, no failed pass on the way out.
            Assert.DoesNotContain(stack.Output.Skip(before), l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task HardKillOfTheStack_StillTakesTheEmulatorDown()
    {
        using var stack = await LaunchRunningAsync();

        Signal(stack.Process.Id, "KILL");

        await AssertGoneAsync(stack.MotoPid, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PortInUse_ExitsWithAClearMessage_AndLeavesNoEmulator()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        using var stack = Launch(port);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await stack.Process.WaitForExitAsync(cts.Token);

        Assert.Equal(4, stack.Process.ExitCode);
        Assert.Contains(stack.Output, l => l.Contains($"cannot listen on 127.0.0.1:{port}", StringComparison.Ordinal));
        var pid = stack.Output.Select(l => MotoPid().Match(l)).FirstOrDefault(m => m.Success);
        Assert.Null(pid); // the banner never printed
        Assert.DoesNotContain(Process.GetProcesses(), p => SafeCommandLine(p.Id).Contains($"RELEASE_CENTER_PORT={port}", StringComparison.Ordinal));
    }

    private static string SafeCommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
