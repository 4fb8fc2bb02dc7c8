using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ReleaseCenter.Local;
using ReleaseCenter.Local.Emulator;

// The local Release Center: emulated AWS (moto behind our endpoint) + the API on 127.0.0.1:5080.
// Ctrl+C (SIGINT) or SIGTERM stops the API, then the emulator; nothing is left running.
var port = int.TryParse(Environment.GetEnvironmentVariable("RELEASE_CENTER_PORT"), out var p) ? p : 5080;
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
        app = await LocalHost.BuildAsync(aws.ServiceUrl, aws.Functions, port, LocalHost.DefaultStage, shutdown.Token);
        await app.StartAsync(shutdown.Token);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"error: cannot listen on 127.0.0.1:{port} ({ex.Message}). Set RELEASE_CENTER_PORT to use another port.");
        return 4;
    }

    var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    Console.WriteLine($$"""

        ML Release Center is running at {{url}}
          AWS emulator endpoint: {{aws.ServiceUrl}}   (moto pid {{aws.MotoProcessId}}; GET {{url}}/v1/local/info for table, bus, state machines)
          OpenAPI description:   {{url}}/openapi/v1.json

        Get a development token and call the API:
          TOKEN=$(curl -s '{{url}}/v1/local/token?user=alice&groups=ml-engineers' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
          curl -s -X POST {{url}}/v1/models -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
               -d '{"name":"fraud-detector","project":"payments"}'

        Press Ctrl+C to stop.
        """);

    try
    {
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("Stopping...");
    }
    await app.StopAsync(CancellationToken.None);
    await app.DisposeAsync();
}
Console.WriteLine("Stopped. The emulator has exited.");
return 0;
