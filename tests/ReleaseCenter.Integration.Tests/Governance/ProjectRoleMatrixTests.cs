using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Domain.Ports;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Correctness;

namespace ReleaseCenter.Integration.Tests.Governance;

/// <summary>
/// Project-scoped roles (policies issue, item 3): every write route × every project-scoped role × two projects. A group
/// that names a project ("payments:approvers-prod") acts in that project only; in another it is refused with 403, and a
/// global group still acts everywhere. Reads stay org-wide, except consumers' contact details. Each request names its
/// project's model (or release, rollback, template), so the project check is what answers; where the role holds, the
/// answer is anything but 401/403 and below 500 (most stop at validation or find nothing).
/// </summary>
[Collection("emulator")]
public sealed class ProjectRoleMatrixTests(EmulatorFixture emulator)
{
    private const string Payments = "payments";
    private const string Writers = "writers";     // ml-engineers or release-admins of the project
    private const string Admins = "admins";       // release-admins of the project
    private const string Approvers = "approvers"; // approvers-prod of the project (prod stages and rollbacks)
    private const string Org = "org";             // the organization's release-admins only

    // The approver comes last: its vote decides the rollback (one approval), after which nobody's vote is awaited.
    private static readonly string[] Roles = ["ml-engineers", "payments:ml-engineers", "payments:release-admins", "payments:approvers-prod"];

    /// <summary>The routes, with {M} (a model), {P} (its project), {R} (a release waiting for prod approval), {B} (a rollback waiting for approval).</summary>
    private static readonly (string Method, string Path, string Body, string Who)[] Routes =
    [
        ("POST", "/v1/models", """{"name":"","project":"{P}"}""", Writers),
        ("POST", "/v1/models/{M}/versions", "{}", Writers),
        ("POST", "/v1/models/{M}/versions/import", "{}", Writers),
        ("POST", "/v1/models/{M}/versions/99/veto", """{"reason":"matrix"}""", Writers),
        ("POST", "/v1/models/{M}/versions/99/veto/lift", """{"reason":"matrix"}""", Writers),
        ("POST", "/v1/releases", """{"model":"{M}"}""", Writers),
        ("POST", "/v1/releases/{R}/cancel", """{"reason":""}""", Writers),
        ("POST", "/v1/releases/{R}/approvals", """{"decision":"approve","comment":"matrix"}""", Approvers),
        ("POST", "/v1/environments/dev/consumers", """{"model":"{M}","name":"matrix-consumer","contact":"team@example.com"}""", Writers),
        ("DELETE", "/v1/environments/dev/consumers/{M}/matrix-consumer", "", Writers),
        ("POST", "/v1/environments/dev/rollback", """{"model":"{M}","reason":"matrix"}""", Writers),
        ("POST", "/v1/rollbacks/{B}/approvals", """{"decision":"reject","comment":"matrix"}""", Approvers),
        ("POST", "/v1/environments/dev/freeze", """{"reason":"matrix"}""", Org),
        ("POST", "/v1/environments/dev/unlock", """{"reason":"matrix"}""", Org),
        ("POST", "/v1/environments/dev/freeze", """{"reason":"matrix","project":"{P}"}""", Admins),
        ("POST", "/v1/environments/dev/freeze/lift", """{"reason":"matrix","project":"{P}"}""", Admins),
        ("POST", "/v1/environments/dev/out-of-band/{M}/reconcile", """{"action":"restore","reason":"matrix"}""", Admins),
        ("POST", "/v1/environments/dev/holds/{M}/lift", """{"reason":"matrix"}""", Admins),
        ("POST", "/v1/models/{M}/drift-reports", "{}", Writers),
        ("PUT", "/v1/models/{M}/drift-policy", "{}", Writers),
        ("PUT", "/v1/models/{M}/retraining-policy", "{}", Writers),
        ("PUT", "/v1/models/{M}/policy", "{}", Admins),
        ("PUT", "/v1/projects/{P}/policy", "{}", Admins),
        ("PUT", "/v1/projects/{P}/templates/matrix", """{"environments":["dev","staging"]}""", Writers),
        ("POST", "/v1/projects/{P}/templates/matrix/releases", "{}", Writers),
    ];

    private static bool Grants(string role, string project, string who)
    {
        var (scope, name) = role.Contains(':', StringComparison.Ordinal) ? (role[..role.IndexOf(':', StringComparison.Ordinal)], role[(role.IndexOf(':', StringComparison.Ordinal) + 1)..]) : (null, role);
        if (who == Org || (scope is not null && scope != project))
        {
            return false;
        }
        return who switch
        {
            Writers => name is "ml-engineers" or "release-admins",
            Admins => name == "release-admins",
            Approvers => name == "approvers-prod",
            _ => false,
        };
    }

    [Fact]
    public async Task EveryWriteRoute_ActsForAProjectScopedRoleInItsProjectOnly_AndAGlobalRoleEverywhere()
    {
        await using var api = await ApiHost.StartAsync(emulator, workflows: false);
        var risk = emulator.UniqueName("risk");
        var projects = new Dictionary<string, Dictionary<string, string>>
        {
            [Payments] = await SeedAsync(api, Payments),
            [risk] = await SeedAsync(api, risk),
        };

        var wrong = new List<string>();
        foreach (var role in Roles)
        {
            using var client = await api.As("user-" + role.Replace(':', '-'), role);
            foreach (var (project, names) in projects)
            {
                foreach (var (method, path, body, who) in Routes)
                {
                    string Fill(string text) => names.Aggregate(text.Replace("{P}", project, StringComparison.Ordinal), (t, n) => t.Replace(n.Key, n.Value, StringComparison.Ordinal));
                    using var request = new HttpRequestMessage(new HttpMethod(method), Fill(path));
                    if (method is "POST" or "PUT")
                    {
                        request.Content = new StringContent(Fill(body), Encoding.UTF8, "application/json");
                    }
                    var response = await client.SendAsync(request);
                    var status = response.StatusCode;
                    var allowed = Grants(role, project, who);
                    var ok = allowed ? status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)status < 500 : status == HttpStatusCode.Forbidden;
                    if (!ok)
                    {
                        wrong.Add($"{role} on {project}: {method} {Fill(path)} -> {(int)status} {await response.Content.ReadAsStringAsync()}");
                    }
                }
            }
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));

        // Reads stay org-wide; a consumer's contact shows only to those with a role in its model's project.
        var model = projects[Payments]["{M}"];
        using var admin = await api.As("root", "release-admins");
        var registered = await admin.PostAsync("/v1/environments/dev/consumers",
            ReleaseDriver.Json($$"""{"model":"{{model}}","name":"fraud-ui","contact":"fraud-team@example.com"}"""));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        using var insider = await api.As("ivy", "payments:approvers-prod");
        using var outsider = await api.As("otto", "risk-team:ml-engineers");
        Assert.Contains("fraud-team@example.com", await insider.GetStringAsync($"/v1/environments/dev/consumers?model={model}"), StringComparison.Ordinal);
        var seen = await outsider.GetStringAsync($"/v1/environments/dev/consumers?model={model}");
        Assert.Contains("fraud-ui", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("fraud-team@example.com", seen, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync($"/v1/models/{model}")).StatusCode);
    }

    /// <summary>A model of the project (one version), a release of it waiting for prod approval, and a rollback waiting for approval.</summary>
    private async Task<Dictionary<string, string>> SeedAsync(ApiHost api, string project)
    {
        var model = emulator.UniqueName("mx");
        using var admin = await api.As("root", "release-admins");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsync("/v1/models", ReleaseDriver.Json($$"""{"name":"{{model}}","project":"{{project}}"}"""))).StatusCode);
        var version = await admin.PostAsync($"/v1/models/{model}/versions", ReleaseDriver.Json($$"""
            {"artifactUri":"s3://models/{{model}}/1.tar.gz","artifactDigest":"{{ReleaseDriver.Digest}}","image":"123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
             "metrics":{"auc":0.93,"latency_p95_ms":80} }
            """));
        Assert.Equal(HttpStatusCode.Created, version.StatusCode);

        var now = DateTimeOffset.UtcNow;
        var releaseId = $"rel-{model}";
        await api.App.Services.GetRequiredService<IRegistryStore>().CreateReleaseAsync(new Release(releaseId, model, 1, ["prod"], null, ReleaseStatus.AwaitingApproval,
            [new ReleaseStage("prod", ReleaseStatus.AwaitingApproval) { RequiresApproval = true, RequiredApprovals = 2, ApprovalRequestedAt = now }],
            "someone-else", now, now, null, 1), CancellationToken.None);
        var rollbackId = $"rb-{model}";
        await api.App.Services.GetRequiredService<IRollbackStore>().CreateAsync(new Rollback(rollbackId, "prod", model, $"{model}-prod",
            new RollbackSide("rel-b", 2, "cfg-b", ReleaseDriver.Digest), new RollbackSide("rel-a", 1, "cfg-a", ReleaseDriver.Digest), "matrix", "someone-else", now,
            RollbackStatus.AwaitingApproval, now)
        { RequiredApprovals = 1, ApprovalRequestedAt = now }, CancellationToken.None);
        return new Dictionary<string, string> { ["{M}"] = model, ["{R}"] = releaseId, ["{B}"] = rollbackId };
    }
}
