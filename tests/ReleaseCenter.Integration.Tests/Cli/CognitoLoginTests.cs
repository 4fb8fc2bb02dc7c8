using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Cli;

namespace ReleaseCenter.Integration.Tests.Cli;

/// <summary>
/// rc login in AWS (issue 14), against a stand-in for Cognito's hosted UI and token endpoint that checks what Cognito
/// checks: the PKCE verifier against the challenge (S256), the redirect URI, the client; the client credentials as
/// HTTP basic authentication. The "browser" follows the authorize URL rc prints, and its redirect lands on rc's loopback
/// listener. The access token is what later commands send, is kept 0600, and is never printed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CognitoLoginTests : IAsyncLifetime
{
    private const string ClientId = "rc-cli-client";
    private const string CiClientId = "ci-client";
    private const string CiSecret = "s3cr3t-ci";
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"rc-cognito-{Guid.NewGuid():N}");
    private readonly ConcurrentDictionary<string, (string Challenge, string Redirect)> _codes = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private WebApplication _cognito = null!;
    private string _url = null!;
    private bool _refuse;

    private static string IdToken(string user, params string[] groups)
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part("""{"alg":"none"}""")}.{Part(JsonSerializer.Serialize(new Dictionary<string, object> { ["cognito:username"] = user, ["cognito:groups"] = groups }))}.sig";
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _cognito = builder.Build();
        _cognito.MapGet("/config.json", () => Results.Json(new { auth = "cognito", domain = _url, cliClientId = ClientId }));
        _cognito.MapGet("/oauth2/authorize", (HttpRequest r) =>
        {
            var q = r.Query;
            Assert.Equal("code", q["response_type"]);
            Assert.Equal(ClientId, q["client_id"]);
            Assert.Equal("S256", q["code_challenge_method"]);
            var redirect = q["redirect_uri"].ToString();
            Assert.Matches(@"^http://localhost:5368[234]/callback$", redirect);
            if (_refuse)
            {
                return Results.Redirect($"{redirect}?error=access_denied&error_description=User+cancelled&state={q["state"]}");
            }
            var code = Guid.NewGuid().ToString("N");
            _codes[code] = (q["code_challenge"]!, redirect);
            return Results.Redirect($"{redirect}?code={code}&state={q["state"]}");
        });
        _cognito.MapPost("/oauth2/token", async (HttpRequest r) =>
        {
            var form = await r.ReadFormAsync();
            if (form["grant_type"] == "client_credentials")
            {
                var basic = Encoding.UTF8.GetString(Convert.FromBase64String(r.Headers.Authorization.ToString()["Basic ".Length..]));
                return basic == $"{CiClientId}:{CiSecret}" && form["scope"] == CognitoLogin.CiScope
                    ? Results.Json(new { access_token = "ci-access-token", expires_in = 3600, token_type = "Bearer" })
                    : Results.Json(new { error = "invalid_client" }, statusCode: 400);
            }
            // As Cognito: the code once, for the client and redirect it was issued to, with the verifier whose S256 is the challenge.
            if (!_codes.TryRemove(form["code"].ToString(), out var issued) || form["client_id"] != ClientId || form["redirect_uri"] != issued.Redirect)
            {
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            }
            var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString()))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return challenge == issued.Challenge
                ? Results.Json(new { access_token = "sam-access-token", id_token = IdToken("sam", "approvers-staging"), refresh_token = "r", expires_in = 3600 })
                : Results.Json(new { error = "invalid_grant", error_description = "PKCE verification failed" }, statusCode: 400);
        });
        _cognito.MapGet("/v1/models", (HttpRequest r) =>
        {
            _authorizations.Enqueue(r.Headers.Authorization.ToString());
            return Results.Json(new { items = Array.Empty<object>() });
        });
        await _cognito.StartAsync();
        _url = _cognito.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async Task DisposeAsync()
    {
        await _cognito.DisposeAsync();
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    /// <summary>A browser that follows the sign-in page's redirects, as a person's would after they sign in.</summary>
    private static async Task Browse(string url)
    {
        using var browser = new HttpClient();
        using var landed = await browser.GetAsync(new Uri(url));
        Assert.Contains("You can close this tab", await landed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThroughTheBrowser_WithPkceAndALoopbackRedirect_TheAccessTokenIsKeptAndSent_NeverPrinted()
    {
        var sam = new RcTerminal(_home, _url, openBrowser: Browse);

        Assert.Equal(0, await sam.RunAsync("login", "--api-url", _url));
        Assert.Contains("as sam (approvers-staging)", sam.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("/oauth2/authorize?response_type=code", sam.Err.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sam-access-token", sam.Out.ToString() + sam.Err.ToString(), StringComparison.Ordinal);
        var file = Path.Combine(_home, "credentials.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains("sam-access-token", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        Assert.Equal(0, await sam.RunAsync("models", "list"));
        Assert.Equal("Bearer sam-access-token", Assert.Single(_authorizations));
    }

    [Fact]
    public async Task ACancelledSignIn_SaysSo_AndKeepsNoCredentials()
    {
        _refuse = true;
        var sam = new RcTerminal(_home, _url, openBrowser: async url =>
        {
            using var browser = new HttpClient();
            (await browser.GetAsync(new Uri(url))).Dispose();
        });

        Assert.Equal(1, await sam.RunAsync("login", "--api-url", _url));
        Assert.Contains("Sign-in did not complete: User cancelled.", sam.Err.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_home, "credentials.json")));
    }

    [Fact]
    public async Task ClientCredentials_FromTheEnvironment_SignInTheCiAppClient_WithItsScope()
    {
        var ci = new RcTerminal(_home, _url, new Dictionary<string, string> { ["RC_CLIENT_ID"] = CiClientId, ["RC_CLIENT_SECRET"] = CiSecret });
        Assert.Equal(0, await ci.RunAsync("login", "--client-credentials", "--api-url", _url));
        Assert.Contains($"as app/{CiClientId}", ci.Out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(CiSecret, ci.Out.ToString() + ci.Err.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await ci.RunAsync("models", "list"));
        Assert.Equal("Bearer ci-access-token", Assert.Single(_authorizations));

        var wrong = new RcTerminal(_home, _url, new Dictionary<string, string> { ["RC_CLIENT_ID"] = CiClientId, ["RC_CLIENT_SECRET"] = "guess" });
        Assert.Equal(1, await wrong.RunAsync("login", "--client-credentials", "--api-url", _url));
        Assert.Contains("The token endpoint refused: invalid_client.", wrong.Err.ToString(), StringComparison.Ordinal);
        var unset = new RcTerminal(_home, _url, new Dictionary<string, string> { ["RC_CLIENT_ID"] = CiClientId });
        Assert.Equal(2, await unset.RunAsync("login", "--client-credentials", "--api-url", _url));
        Assert.Contains("RC_CLIENT_SECRET", unset.Err.ToString(), StringComparison.Ordinal);
    }
}
