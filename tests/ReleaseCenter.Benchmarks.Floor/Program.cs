using System.Text;
using System.Text.Json;

// A bare Lambda custom runtime: next invocation, parse its JSON payload, answer with the kind of its root. Nothing else.
if (Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API") is not { Length: > 0 } api)
{
    Console.Error.WriteLine("AWS_LAMBDA_RUNTIME_API is not set.");
    return 2;
}
using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
{
    BaseAddress = new Uri($"http://{api}/2018-06-01/runtime/"),
    Timeout = Timeout.InfiniteTimeSpan,
};
while (true)
{
    using var next = await http.GetAsync(new Uri("invocation/next", UriKind.Relative)).ConfigureAwait(false);
    var id = next.Headers.GetValues("Lambda-Runtime-Aws-Request-Id").First();
    using var payload = JsonDocument.Parse(await next.Content.ReadAsByteArrayAsync().ConfigureAwait(false));
    using var answer = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"root":"{{payload.RootElement.ValueKind}}"}"""));
    using var posted = await http.PostAsync(new Uri($"invocation/{id}/response", UriKind.Relative), answer).ConfigureAwait(false);
}
