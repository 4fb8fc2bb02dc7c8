using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Api.Exports;
using ReleaseCenter.Cli;
using ReleaseCenter.Integration.Tests.Api;
using Spectre.Console;

namespace ReleaseCenter.Integration.Tests.Cli;

/// <summary>
/// rc against the real local stack (API, Step Functions, handlers on the emulator), run in-process with its output
/// captured: what a person or a CI job sees, and the exit codes they gate on.
/// </summary>
[Collection("emulator")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CliTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private ApiHost _api = null!;
    private readonly string _home = Path.Combine(Path.GetTempPath(), $"rc-test-{Guid.NewGuid():N}");

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync(emulator);

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        if (Directory.Exists(_home))
        {
            Directory.Delete(_home, recursive: true);
        }
    }

    private RcTerminal TerminalOf(string user) => new(Path.Combine(_home, user), _api.Client.BaseAddress!.ToString().TrimEnd('/'));

    private async Task<RcTerminal> SignedInAsync(string user, string groups)
    {
        var terminal = TerminalOf(user);
        Assert.Equal(0, await terminal.RunAsync("login", "--local", "--user", user, "--groups", groups));
        return terminal;
    }

    private async Task<string> RegisteredModelAsync(RcTerminal alice)
    {
        var model = $"cli-{Guid.NewGuid().ToString("N")[..10]}";
        Assert.Equal(0, await alice.RunAsync("models", "create", "--name", model, "--project", "payments"));
        Assert.Equal(0, await alice.RunAsync("versions", "register", "--model", model, "--artifact-uri", $"s3://models/{model}/1.tar.gz",
            "--artifact-digest", Digest, "--image", "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1", "--metric", "auc=0.95", "--metric", "latency_p95_ms=80"));
        return model;
    }

    private static string IdIn(StringBuilder output) =>
        System.Text.RegularExpressions.Regex.Match(output.ToString(), @"rel-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}").Value;

    [Fact]
    public async Task Login_CachesTheSignIn_Mode0600_AndNeverPrintsTheToken()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");

        var file = Path.Combine(_home, "alice", "credentials.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var token = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("token").GetString()!;
        Assert.Contains("Signed in to", alice.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await alice.RunAsync("login", "--local", "--user", "alice", "--groups", "ml-engineers", "--output", "json"));
        Assert.DoesNotContain(token, alice.Out.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, alice.Err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseCreateWait_StopsForStagingApproval_SaysFromWhom_AndEndsReleasedOnceSamApproves()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");
        var sam = await SignedInAsync("sam", "approvers-staging");
        var model = await RegisteredModelAsync(alice);

        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var waiting = alice.RunAsync(stop.Token, "release", "create", "--model", model, "--version", "1", "--env", "dev", "--env", "staging", "--wait");
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!alice.Out.ToString().Contains("staging: AwaitingApproval", StringComparison.Ordinal))
        {
            Assert.False(waiting.IsCompleted, $"rc ended before staging waited for approval: {alice.Out}{alice.Err}");
            Assert.True(DateTime.UtcNow < deadline, $"staging did not wait for approval within 90 s: {alice.Out}");
            await Task.Delay(100);
        }
        Assert.Contains("needs 1 more approval from approvers-staging", alice.Out.ToString(), StringComparison.Ordinal);
        var id = IdIn(alice.Out);

        // Alice cannot approve her own release: the evidence, then every reason, and nothing is sent.
        Assert.Equal(1, await alice.RunAsync("approve", id, "--yes"));
        Assert.Contains("you cannot vote on staging", alice.Err.ToString(), StringComparison.Ordinal);
        // Sam, without a terminal to answer in, must say --yes; nothing is sent.
        Assert.Equal(2, await sam.RunAsync("approve", id));
        Assert.Contains("--yes", sam.Err.ToString(), StringComparison.Ordinal);

        Assert.Equal(0, await sam.RunAsync("approve", id, "--yes", "--comment", "metrics hold"));
        Assert.Contains("Bundle", sam.Out.ToString(), StringComparison.Ordinal); // the evidence came first
        Assert.Contains("auc", sam.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("Approved staging", sam.Out.ToString(), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, await waiting);
        Assert.Contains($"Released {model} v1 to dev, staging.", alice.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains($"/releases/{id}", alice.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARejectedRelease_EndsWait_WithExitCode3()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");
        var sam = await SignedInAsync("sam", "approvers-staging");
        var model = await RegisteredModelAsync(alice);
        Assert.Equal(0, await alice.RunAsync("release", "create", "--model", model, "--version", "1", "--env", "staging"));
        var id = IdIn(alice.Out);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await sam.RunAsync("reject", id, "--yes", "--comment", "latency too high") != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"staging never waited for approval: {sam.Err}");
            sam.Err.Clear();
            await Task.Delay(250);
        }

        Assert.Equal(ExitCodes.NotReleased, await alice.RunAsync("release", "watch", id));
        Assert.Contains("Rejected", alice.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("rejected by sam: latency too high", alice.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_AreFieldAndReason_WithExitCode1_AndUsageErrorsExitCode2()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");
        var model = await RegisteredModelAsync(alice);

        Assert.Equal(1, await alice.RunAsync("versions", "register", "--model", model, "--artifact-uri", "s3://m/x", "--artifact-digest", "md5:abc",
            "--image", "img"));
        Assert.Contains("artifactDigest:", alice.Err.ToString(), StringComparison.Ordinal);

        Assert.Equal(2, await alice.RunAsync("release", "create", "--model", model));
        Assert.Contains("--version", alice.Err.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, await alice.RunAsync("release", "list", "--no-such-option"));
        Assert.Equal(2, await alice.RunAsync("versions", "register", "--model", model, "--metric", "auc"));

        var stranger = TerminalOf("nobody");
        Assert.Equal(1, await stranger.RunAsync("models", "list"));
        Assert.Contains("rc login --local", stranger.Err.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyAndTemplates_FromTheTerminal_SayWhereEachSettingComesFrom_AndReleaseInOneCall()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");
        var lena = await SignedInAsync("lena", "release-admins");
        var model = await RegisteredModelAsync(alice);
        var file = Path.Combine(_home, "policy.json");
        Directory.CreateDirectory(_home);
        await File.WriteAllTextAsync(file, """{"prod":{"gate":[{"metric":"auc","direction":"HigherIsBetter","threshold":0.9}],"bakeSeconds":30}}""");

        // Only release-admins change a policy; the refusal says why, and nothing changes.
        Assert.Equal(1, await alice.RunAsync("policy", "set", "--model", model, "--file", file, "--reason", "mine"));
        Assert.Equal(0, await lena.RunAsync("policy", "set", "--model", model, "--file", file, "--reason", "prod asks auc 0.9", "--expected-version", "0"));
        Assert.Contains($"Wrote model {model} policy v1.", lena.Out.ToString(), StringComparison.Ordinal);
        Assert.Contains("prod.bakeSeconds: (inherited) → 30", lena.Out.ToString(), StringComparison.Ordinal);

        Assert.Equal(0, await alice.RunAsync("policy", "get", "--model", model, "--env", "prod"));
        var shown = alice.Out.ToString();
        Assert.Contains($"auc ≥ 0.9  (model {model} v1)", shown, StringComparison.Ordinal);
        Assert.Contains("30 s  (model", shown, StringComparison.Ordinal);
        Assert.Contains("(environment prod)", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("staging", shown, StringComparison.Ordinal);

        var template = Path.Combine(_home, "template.json");
        await File.WriteAllTextAsync(template, """{"environments":["dev"],"notify":["#payments-ml"]}""");
        var name = $"cli-{Guid.NewGuid().ToString("N")[..8]}";
        Assert.Equal(0, await alice.RunAsync("templates", "save", "--project", "payments", "--name", name, "--file", template));
        Assert.Equal(0, await alice.RunAsync("templates", "release", "--project", "payments", "--name", name, "--model", model, "--version", "1"));
        Assert.Contains($"requested with template {name}", alice.Out.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await alice.RunAsync("templates", "list", "--project", "payments"));
        Assert.Contains("#payments-ml", alice.Out.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputJson_IsTheApiAnswer_ForScripts()
    {
        var alice = await SignedInAsync("alice", "ml-engineers");
        var model = await RegisteredModelAsync(alice);
        alice.Out.Clear();

        Assert.Equal(0, await alice.RunAsync("versions", "list", "--model", model, "--output", "json"));

        var page = JsonDocument.Parse(alice.Out.ToString()).RootElement;
        Assert.Equal(1, page.GetProperty("items")[0].GetProperty("version").GetInt32());
        Assert.Equal(0.95, page.GetProperty("items")[0].GetProperty("metrics").GetProperty("auc").GetDouble());
    }

    [Fact]
    public async Task AuditExportAndVerify_TooLargeForOneResponse_RunAsJobs_AndStillSaveAndReport()
    {
        var small = await ApiHost.StartAsync(emulator, workflows: false, configure: s => s.AddSingleton(new ExportLimits { InlineBytes = 100, InlineVerifyEntries = 0 }));
        try
        {
            var lena = new RcTerminal(Path.Combine(_home, "lena"), small.Client.BaseAddress!.ToString().TrimEnd('/'));
            Assert.Equal(0, await lena.RunAsync("login", "--local", "--user", "lena", "--groups", "release-admins"));
            Assert.Equal(0, await lena.RunAsync("models", "create", "--name", "cli-export", "--project", "payments"));
            var file = Path.Combine(_home, "audit.csv");

            Assert.Equal(0, await lena.RunAsync("audit", "export", "--project", "payments", "--out", file));
            Assert.Contains("export job", lena.Err.ToString(), StringComparison.Ordinal);
            var lines = (await File.ReadAllTextAsync(file)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length); // header and model.registered
            Assert.Contains("model.registered", lines[1], StringComparison.Ordinal);

            Assert.Equal(0, await lena.RunAsync("audit", "verify", "--project", "payments"));
            Assert.Contains("Valid: 1 entry checked", lena.Out.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await small.DisposeAsync();
        }
    }
}
