using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;

// The local Release Center: emulated AWS (moto behind our endpoint) + the API on 127.0.0.1:5080.
// Ctrl+C (SIGINT) or SIGTERM stops the API, then the emulator; nothing is left running.
// `-- demo` runs the demo story and exits (0 when it ends as it should); without it the stack seeds
// the same demo data in the background and keeps serving.
var demoOnly = args.Length > 0 && args[0] == "demo";
if (args.Length > 0 && !demoOnly)
{
    Console.Error.WriteLine($"error: unknown argument '{args[0]}'. Usage: dotnet run --project src/ReleaseCenter.Local [-- demo]");
    return 2;
}
var port = int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_PORT"), out var p) ? p : demoOnly ? 0 : 5080;
using var shutdown = new CancellationTokenSource();
// Signal handlers only queue the stop and return, so the shutdown never runs on the runtime's
// signal thread. (A process started in the background by a non-interactive shell inherits SIGINT
// as ignored, and .NET keeps it ignored; SIGTERM always works.)
void RequestStop() => ThreadPool.QueueUserWorkItem(_ => shutdown.Cancel());
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, ctx =>
{
    ctx.Cancel = true;
    RequestStop();
});
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx =>
{
    ctx.Cancel = true;
    RequestStop();
});

Console.WriteLine("Starting the local AWS emulator (moto)...");
LocalAws aws;
try
{
    aws = await LocalAws.StartAsync(ct: shutdown.Token);
}
catch (EmulatorUnavailableException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 3;
}

await using (aws)
{
    WebApplication app;
    try
    {
        app = await LocalHost.BuildAsync(aws.ServiceUrl, aws.Functions, port, LocalHost.DefaultStage, shutdown.Token, faults: aws.Faults,
            logPath: LocalLogFile.DefaultPath());
        await app.StartAsync(shutdown.Token);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"error: cannot listen on 127.0.0.1:{port} ({ex.Message}). Set RELEASE_CENTER_PORT to use another port.");
        return 4;
    }

    var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    var logs = app.Services.GetRequiredService<LocalLogFile>().Path;
    if (demoOnly)
    {
        Console.WriteLine($"ML Release Center is running at {url} (AWS emulator {aws.ServiceUrl}); running the demo.");
        bool ok;
        try
        {
            ok = await new Demo(new Uri(url), Console.Out).RunAsync(shutdown.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException)
        {
            Console.Error.WriteLine($"demo failed: {ex.Message}");
            ok = false;
        }
        catch (OperationCanceledException)
        {
            ok = false;
        }
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
        return ok ? 0 : 1;
    }
    Console.WriteLine($$"""

        Console: {{url}}/   (sign in as one of the demo users: alice, sam, pat, quinn or lena)

        ML Release Center is running at {{url}}
          AWS emulator endpoint: {{aws.ServiceUrl}}   (moto pid {{aws.MotoProcessId}}; GET {{url}}/v1/local/info for table, bus, state machines)
          OpenAPI description:   {{url}}/openapi/v1.json   (API reference: {{url}}/docs)
          Logs and metrics:      {{logs}}   (JSON lines as in CloudWatch; grep a release id)

        Get a development token and call the API:
          TOKEN=$(curl -s '{{url}}/v1/local/token?user=alice&groups=ml-engineers' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
          curl -s -X POST {{url}}/v1/models -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
               -d '{"name":"churn-predictor","project":"retention"}'

        Seeding demo data: fraud-detector v1 and v2 released to dev, staging and prod one after the other;
        v3 rejected by the evaluation gate; v4 rolled back in prod after a failed verification; then a drift
        report retrains v5, whose release waits for a staging approver (about a minute and a half).
        Press Ctrl+C to stop.
        """);

    // The same story as `-- demo`, in the background, so a fresh stack has releases to look at.
    var seeding = Task.Run(async () =>
    {
        try
        {
            var seeded = await new Demo(new Uri(url), TextWriter.Null).RunAsync(shutdown.Token);
            Console.WriteLine(seeded ? $"Demo data ready: {url}/releases lists five fraud-detector releases; v5 waits for a staging approver (sign in as sam to approve it, as alice to see why you cannot)." : "Demo data seeding did not end as expected.");
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            Console.Error.WriteLine("Demo data seeding stopped with the stack; the next start seeds again.");
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            Console.Error.WriteLine($"Demo data seeding stopped: {ex.Message}");
        }
    });

    try
    {
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("Stopping...");
    }
    await seeding;
    await app.StopAsync(CancellationToken.None);
    await app.DisposeAsync();
}
Console.WriteLine("Stopped. The emulator has exited.");
return 0;
