using System.Text.Json.Nodes;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Workflow;

/// <summary>The shipped configuration cut to dev then prod, for workflow tests that should not wait on staging, bake or traffic shifting.</summary>
internal static class TestEnvironments
{
    /// <param name="prodApprovals">Keep prod's shipped approvals (dev never asks for any).</param>
    /// <param name="prodSoakSeconds">prod's requiredSoakSeconds (0: none).</param>
    public static string DevAndProd(bool prodApprovals = false, int prodSoakSeconds = 0)
    {
        var config = JsonNode.Parse(LocalHost.ReadResourceForTests("environments.json"))!;
        var kept = new JsonArray();
        foreach (var environment in config["environments"]!.AsArray().Where(e => (string?)e!["name"] is "dev" or "prod").ToArray())
        {
            environment!.Parent!.AsArray().Remove(environment);
            environment["bakeSeconds"] = 0;
            if (!prodApprovals || (string?)environment["name"] == "dev")
            {
                environment["approval"] = JsonNode.Parse("""{"required":0,"groups":[],"timeoutSeconds":3600}""");
            }
            environment.AsObject().Remove("deployment");
            environment.AsObject().Remove("rollback");
            kept.Add(environment);
        }
        if (prodSoakSeconds > 0)
        {
            kept[1]!["requiredSoakSeconds"] = prodSoakSeconds;
        }
        config["environments"] = kept;
        return config.ToJsonString();
    }
}
