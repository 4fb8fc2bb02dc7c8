using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace ReleaseCenter.Local.Emulator;

/// <summary>The emulator could not be started; the message says what to install or fix.</summary>
public sealed class EmulatorUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Owns one moto server, started through our launcher (moto_launcher.py), which patches the
/// verified moto 5.2.1 defects and turns on Step Functions execution. The launcher exits when
/// our end of its stdin closes, so it cannot outlive this process even after a hard kill.
/// </summary>
public sealed class MotoProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "moto-launcher ready ";
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly string _scriptDirectory;

    private MotoProcess(Process process, string scriptDirectory, Uri url)
    {
        _process = process;
        _scriptDirectory = scriptDirectory;
        Url = url;
    }

    public Uri Url { get; }

    public int ProcessId => _process.Id;

    /// <param name="integrationPort">Where moto's state machines send service integrations (MOTO_PORT): our AWS endpoint.</param>
    /// <param name="python">The Python interpreter; default RELEASE_CENTER_PYTHON, else python3 on PATH.</param>
    public static async Task<MotoProcess> StartAsync(int integrationPort, TimeSpan timeout, CancellationToken ct, string? python = null)
    {
        var port = FreePort.Next();
        var scriptDirectory = Directory.CreateTempSubdirectory("release-center-moto-").FullName;
        var script = Path.Combine(scriptDirectory, "moto_launcher.py");
        await using (var resource = typeof(MotoProcess).Assembly.GetManifestResourceStream("moto_launcher.py")
            ?? throw new InvalidOperationException("moto_launcher.py is not embedded in the assembly."))
        await using (var file = File.Create(script))
        {
            await resource.CopyToAsync(file, ct).ConfigureAwait(false);
        }

        python ??= Environment.GetEnvironmentVariable("RELEASE_CENTER_PYTHON") ?? "python3";
        var start = new ProcessStartInfo(python)
        {
            ArgumentList = { "-u", script, "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["MOTO_PORT"] = integrationPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The emulator needs some credentials and a region for its own service integrations; never real ones.
        start.Environment["AWS_ACCESS_KEY_ID"] = "test";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "test";
        start.Environment["AWS_DEFAULT_REGION"] = LocalAws.Region;
        start.Environment.Remove("AWS_SESSION_TOKEN");
        start.Environment.Remove("AWS_PROFILE");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new EmulatorUnavailableException($"Could not start {python}.");
        }
        catch (Win32Exception ex)
        {
            throw new EmulatorUnavailableException(
                $"'{python}' was not found. The local AWS emulator needs Python 3 with moto 5.2.1: " +
                "apt-get install -y python3 python3-pip && pip install 'moto[server]==5.2.1'", ex);
        }

        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var moto = new MotoProcess(process, scriptDirectory, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith(ReadyPrefix, StringComparison.Ordinal) == true)
            {
                ready.TrySetResult(new Uri(e.Data[ReadyPrefix.Length..].Trim()));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            // Keep what explains a failure (tracebacks, warnings, 5xx answers), not the log line of every good request.
            if (e.Data is not null && !IsRoutineRequestLine(e.Data))
            {
                lock (moto._stderr)
                {
                    // Keep the tail only.
                    if (moto._stderr.Length > 64 * 1024)
                    {
                        moto._stderr.Remove(0, 32 * 1024);
                    }
                    moto._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var exited = process.WaitForExitAsync(cts.Token);
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(Timeout.Infinite, cts.Token)).ConfigureAwait(false);
        if (first == ready.Task)
        {
            return moto;
        }
        int? exitCode = first == exited ? process.ExitCode : null;
        if (exitCode is not null)
        {
            // Let the stderr reader drain the launcher's last words before we quote them.
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        var stderr = moto.StandardErrorTail();
        await moto.DisposeAsync().ConfigureAwait(false);
        if (exitCode == 3)
        {
            throw new EmulatorUnavailableException(stderr.Trim());
        }
        ct.ThrowIfCancellationRequested();
        throw new EmulatorUnavailableException(exitCode is not null
            ? $"The moto launcher exited with code {exitCode} before it was ready:\n{stderr}"
            : $"The moto launcher was not ready within {timeout.TotalSeconds:0} s:\n{stderr}");
    }

    /// <summary>werkzeug's access log: 127.0.0.1 - - [date] "POST / HTTP/1.1" 200 -</summary>
    private static bool IsRoutineRequestLine(string line)
    {
        var end = line.LastIndexOf("\" ", StringComparison.Ordinal);
        return end > 0 && line.StartsWith("127.0.0.1 - - [", StringComparison.Ordinal)
            && line.Length > end + 3 && line[end + 2] is '1' or '2' or '3' or '4';
    }

    public string StandardErrorTail()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // Closing stdin is the launcher's signal to exit; kill it if it does not within a moment.
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The process was never started or is already gone.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_scriptDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
