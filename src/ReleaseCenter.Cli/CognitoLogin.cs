using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ReleaseCenter.Cli;

/// <summary>Where and how to sign in, from the console's <c>GET /config.json</c> (or rc's options).</summary>
public sealed record SignInConfig(string Auth, string? Domain, string? CliClientId);

/// <summary>
/// Sign-in to an API in AWS through its Cognito user pool. People: the hosted UI, the authorization code flow with PKCE
/// (S256) and a loopback redirect (http://localhost:PORT/callback), as <c>aws sso login</c> does; the browser shows
/// Cognito's page, rc never sees a password. CI: the client credentials grant of the stack's CI app client, whose token
/// carries the scope release-center/ml-engineers. Tokens go to the credential store (0600) and are never printed.
/// </summary>
public sealed class CognitoLogin(CliContext context)
{
    /// <summary>The callback ports the CDK app registers on rc's app client (ConsoleConstruct.CliLoopbackPorts).</summary>
    public static readonly int[] LoopbackPorts = [53682, 53683, 53684];

    /// <summary>The scope a CI token asks for (the ml-engineers role; ConsoleConstruct.CiScopeName).</summary>
    public const string CiScope = "release-center/ml-engineers";

    /// <summary>How long rc waits for the browser to come back.</summary>
    public static readonly TimeSpan BrowserTimeout = TimeSpan.FromMinutes(5);

    public static async Task<SignInConfig> DiscoverAsync(HttpClient http, string apiUrl, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(new Uri($"{apiUrl}/config.json"), ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new UsageException($"{apiUrl}/config.json answered {(int)response.StatusCode}: give --cognito-domain and --client-id (the stack's CognitoDomain and CliClientId outputs).");
        }
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
        string? Text(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new SignInConfig(Text("auth") ?? "", Text("domain"), Text("cliClientId"));
    }

    /// <summary>The hosted UI in the browser, the code back on a loopback port, exchanged with the PKCE verifier.</summary>
    public async Task<Credentials> BrowserAsync(HttpClient http, string apiUrl, string domain, string clientId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Base64Url(RandomNumberGenerator.GetBytes(16));
        using var listener = Listen(out var port);
        var redirect = $"http://localhost:{port}/callback";
        var authorize = $"{BaseUrl(domain)}/oauth2/authorize?response_type=code&client_id={Uri.EscapeDataString(clientId)}" +
            $"&redirect_uri={Uri.EscapeDataString(redirect)}&scope={Uri.EscapeDataString("openid email profile")}&state={state}" +
            $"&code_challenge={challenge}&code_challenge_method=S256";
        context.Error.WriteLine("Opening the sign-in page in your browser. If it does not open, open this URL:");
        context.Error.WriteLine();
        context.Error.WriteLine($"  {authorize}");
        context.Error.WriteLine();
        var opened = context.OpenBrowser(authorize);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(BrowserTimeout);
        string code;
        try
        {
            code = await ReceiveCodeAsync(listener, state, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SignInException($"No answer from the browser within {BrowserTimeout.TotalMinutes:0} minutes; run rc login again.");
        }
        await opened.ConfigureAwait(false);
        var tokens = await TokenAsync(http, domain, new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["client_id"] = clientId, ["code"] = code, ["redirect_uri"] = redirect, ["code_verifier"] = verifier,
        }, null, ct).ConfigureAwait(false);
        var (user, groups) = Identity(tokens.IdToken);
        return new Credentials(apiUrl, tokens.AccessToken, tokens.ExpiresAt, user, groups, "cognito");
    }

    /// <summary>A CI job's token: the client credentials grant, the secret sent as HTTP basic authentication.</summary>
    public static async Task<Credentials> ClientCredentialsAsync(HttpClient http, string apiUrl, string domain, string clientId, string secret, string scope,
        CancellationToken ct)
    {
        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}"));
        var tokens = await TokenAsync(http, domain, new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope },
            new AuthenticationHeaderValue("Basic", basic), ct).ConfigureAwait(false);
        return new Credentials(apiUrl, tokens.AccessToken, tokens.ExpiresAt, $"app/{clientId}", [], "client-credentials");
    }

    private static HttpListener Listen(out int port)
    {
        foreach (var candidate in LoopbackPorts)
        {
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://localhost:{candidate}/");
            try
            {
                listener.Start();
                port = candidate;
                return listener;
            }
            catch (HttpListenerException)
            {
                ((IDisposable)listener).Dispose();
            }
        }
        throw new SignInException($"Ports {string.Join(", ", LoopbackPorts)} on localhost are all taken; rc login needs one for the browser to come back to.");
    }

    /// <summary>Answers requests until the callback comes with this sign-in's state; the browser tab then says to go back to the terminal.</summary>
    private static async Task<string> ReceiveCodeAsync(HttpListener listener, string state, CancellationToken ct)
    {
        while (true)
        {
            var request = await listener.GetContextAsync().WaitAsync(ct).ConfigureAwait(false);
            var query = request.Request.QueryString;
            if (request.Request.Url?.AbsolutePath != "/callback")
            {
                await RespondAsync(request.Response, HttpStatusCode.NotFound, "Not the sign-in callback.").ConfigureAwait(false);
                continue;
            }
            if (query["state"] != state)
            {
                // Not the answer to this sign-in (a stale tab, or someone else's page): say so, and keep waiting.
                await RespondAsync(request.Response, HttpStatusCode.BadRequest, "This answer is not for the sign-in rc is waiting for. Start again with rc login.")
                    .ConfigureAwait(false);
                continue;
            }
            if (query["error"] is { } error)
            {
                await RespondAsync(request.Response, HttpStatusCode.OK, "Sign-in did not complete. You can close this tab.").ConfigureAwait(false);
                throw new SignInException($"Sign-in did not complete: {query["error_description"] ?? error}.");
            }
            if (query["code"] is not { Length: > 0 } code)
            {
                await RespondAsync(request.Response, HttpStatusCode.BadRequest, "The answer carries no code.").ConfigureAwait(false);
                continue;
            }
            await RespondAsync(request.Response, HttpStatusCode.OK, "Signed in to ML Release Center. You can close this tab and return to the terminal.")
                .ConfigureAwait(false);
            return code;
        }
    }

    private static async Task RespondAsync(HttpListenerResponse response, HttpStatusCode status, string message)
    {
        var body = Encoding.UTF8.GetBytes($"<!doctype html><html lang=\"en\"><title>ML Release Center</title><p>{WebUtility.HtmlEncode(message)}</p></html>");
        response.StatusCode = (int)status;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body).ConfigureAwait(false);
        response.Close();
    }

    private sealed record Tokens(string AccessToken, string? IdToken, DateTimeOffset? ExpiresAt);

    private static async Task<Tokens> TokenAsync(HttpClient http, string domain, Dictionary<string, string> form, AuthenticationHeaderValue? authorization,
        CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{BaseUrl(domain)}/oauth2/token")) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = authorization;
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new SignInException($"The token endpoint answered {(int)response.StatusCode} without JSON.");
        }
        using (doc)
        {
            string? Text(string name) => doc.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (!response.IsSuccessStatusCode || Text("access_token") is not { Length: > 0 } access)
            {
                // Cognito's error and its description; never the request, which holds the code, verifier or secret.
                throw new SignInException($"The token endpoint refused: {Text("error") ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}" +
                    (Text("error_description") is { } why ? $" ({why})" : "") + ".");
            }
            var expires = doc.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? DateTimeOffset.UtcNow.AddSeconds(seconds) : (DateTimeOffset?)null;
            return new Tokens(access, Text("id_token"), expires);
        }
    }

    /// <summary>Who signed in, for rc's own display: the ID token's user name and groups (the API trusts only the access token's signature).</summary>
    private static (string? User, IReadOnlyList<string> Groups) Identity(string? idToken)
    {
        if (idToken?.Split('.') is not [_, var payload, _])
        {
            return (null, []);
        }
        try
        {
            var padded = payload.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            using var doc = JsonDocument.Parse(Convert.FromBase64String(padded));
            var user = doc.RootElement.TryGetProperty("cognito:username", out var u) ? u.GetString() : null;
            IReadOnlyList<string> groups = doc.RootElement.TryGetProperty("cognito:groups", out var g) && g.ValueKind == JsonValueKind.Array
                ? [.. g.EnumerateArray().Select(x => x.GetString()!).Where(x => x is not null)]
                : [];
            return (user, groups);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return (null, []);
        }
    }

    /// <summary>Cognito's domain as the stack's output gives it (no scheme: https), or a full URL.</summary>
    private static string BaseUrl(string domain) =>
        domain.StartsWith("https://", StringComparison.Ordinal) || domain.StartsWith("http://", StringComparison.Ordinal) ? domain.TrimEnd('/') : $"https://{domain.TrimEnd('/')}";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Opens <paramref name="url"/> in the desktop's browser, if there is one (xdg-open, open, start); failing quietly: the URL is printed.</summary>
    public static Task OpenInDefaultBrowser(string url)
    {
        try
        {
            var start = OperatingSystem.IsWindows() ? new ProcessStartInfo(url) { UseShellExecute = true }
                : new ProcessStartInfo(OperatingSystem.IsMacOS() ? "open" : "xdg-open", [url]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var process = Process.Start(start);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // No browser here (a server, a container): the URL above is the way.
        }
        return Task.CompletedTask;
    }
}

/// <summary>Sign-in did not complete; the message says why (never a token, code or secret).</summary>
public sealed class SignInException(string message) : Exception(message);
