using System.Net;
using System.Text;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// Every route against every role. Authorized calls are sent with an empty object as body, so
/// they stop at validation (400) or find nothing (404) without changing anything: what matters
/// here is 401 without a token, 403 without the role, and neither with it.
/// </summary>
[Collection("emulator")]
public sealed class AuthorizationMatrixTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private ApiHost _api = null!;

    public async Task InitializeAsync() => _api = await ApiHost.StartAsync(emulator);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static readonly string[] Roles = ["anonymous", "reader", "ml-engineers", "approvers-prod", "release-admins"];

    // route -> roles that may use it (beyond "anonymous" for public ones)
    private static readonly (string Method, string Path, string[] Allowed)[] Routes =
    [
        ("GET", "/healthz", Roles),
        ("GET", "/v1/models", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/models", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/models/x-model", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/models/x-model/versions", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/models/x-model/versions", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/releases", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/releases", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/releases/rel-none", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/releases/rel-none/history", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        // Who may vote depends on the stage's policy (checked after the body): any authenticated caller reaches it.
        ("POST", "/v1/releases/rel-none/approvals", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/releases/rel-none/cancel", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/approvals/pending", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
    ];

    public static TheoryData<string, string, string> Matrix()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (method, path, _) in Routes)
        {
            foreach (var role in Roles)
            {
                data.Add(method, path, role);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Route_ByRole(string method, string path, string role)
    {
        var allowed = Routes.Single(r => r.Method == method && r.Path == path).Allowed.Contains(role);
        using var client = role switch
        {
            "anonymous" => new HttpClient { BaseAddress = _api.Client.BaseAddress },
            "reader" => await _api.As("rita"),
            _ => await _api.As("user-" + role, role),
        };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        var status = (await client.SendAsync(request)).StatusCode;

        if (allowed)
        {
            Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role} {method} {path}: {status}");
            Assert.True((int)status < 500, $"{role} {method} {path}: {status}");
        }
        else
        {
            Assert.Equal(role == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden, status);
        }
    }
}
