using System.Net;
using System.Text;
using ReleaseCenter.Integration.Tests.Api;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// Every route against every role. Authorized calls are sent with an empty object as body, so
/// they stop at validation (400) or find nothing (404) without changing anything: what matters
/// here is 401 without a token, 403 without the role, and neither with it. One host serves the
/// whole matrix (a host per cell would provision 70 stacks); each failing cell is named.
/// </summary>
[Collection("emulator")]
public sealed class AuthorizationMatrixTests(EmulatorFixture emulator)
{

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
        ("POST", "/v1/models/x-model/versions/1/veto", ["ml-engineers", "release-admins"]),
        ("POST", "/v1/models/x-model/versions/1/veto/lift", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/releases", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/releases", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/releases/rel-none", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/releases/rel-none/history", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        // Who may vote depends on the stage's policy (checked after the body): any authenticated caller reaches it.
        ("POST", "/v1/releases/rel-none/approvals", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/releases/rel-none/cancel", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/approvals/pending", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/releases/rel-none/diff", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/audit", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/audit/verify", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/audit/export?format=jsonl", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/environments", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/environments/dev/history", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/environments/dev/consumers", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/environments/dev/consumers", ["ml-engineers", "release-admins"]),
        ("DELETE", "/v1/environments/dev/consumers/x-model/x-name", ["ml-engineers", "release-admins"]),
        ("POST", "/v1/environments/dev/rollback/preview", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/environments/dev/rollback", ["ml-engineers", "release-admins"]),
        ("POST", "/v1/environments/dev/freeze", ["release-admins"]),
        ("POST", "/v1/environments/dev/freeze/lift", ["release-admins"]),
        ("POST", "/v1/environments/dev/out-of-band/x-model/reconcile", ["release-admins"]),
        ("POST", "/v1/environments/dev/holds/x-model/lift", ["release-admins"]),
        ("GET", "/v1/rollbacks/rb-none", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        // Like release approvals: who may vote depends on the environment's rollback policy.
        ("POST", "/v1/rollbacks/rb-none/approvals", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/metrics/delivery", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("POST", "/v1/models/x-model/drift-reports", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/models/x-model/drift-reports", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/models/x-model/drift-reports/drift-none", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/models/x-model/drift-policy", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("PUT", "/v1/models/x-model/drift-policy", ["ml-engineers", "release-admins"]),
        ("GET", "/v1/models/x-model/policy", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("PUT", "/v1/models/x-model/policy", ["release-admins"]),
        ("GET", "/v1/models/x-model/policy/history", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("GET", "/v1/projects/x-project/policy", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
        ("PUT", "/v1/projects/x-project/policy", ["release-admins"]),
        ("GET", "/v1/projects/x-project/policy/history", ["reader", "ml-engineers", "approvers-prod", "release-admins"]),
    ];

    [Fact]
    public async Task EveryRoute_ByEveryRole_Is401WithoutAToken_403WithoutTheRole_AndNeitherWithIt()
    {
        await using var api = await ApiHost.StartAsync(emulator);
        var clients = new Dictionary<string, HttpClient>
        {
            ["anonymous"] = new() { BaseAddress = api.Client.BaseAddress },
            ["reader"] = await api.As("rita"),
        };
        foreach (var role in Roles.Where(r => !clients.ContainsKey(r)))
        {
            clients[role] = await api.As("user-" + role, role);
        }
        var wrong = new List<string>();
        foreach (var (method, path, allowedRoles) in Routes)
        {
            foreach (var role in Roles)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }
                var status = (await clients[role].SendAsync(request)).StatusCode;
                var ok = allowedRoles.Contains(role)
                    ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500
                    : status == (role == "anonymous" ? HttpStatusCode.Unauthorized : HttpStatusCode.Forbidden);
                if (!ok)
                {
                    wrong.Add($"{role} {method} {path}: {(int)status}");
                }
            }
        }
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
