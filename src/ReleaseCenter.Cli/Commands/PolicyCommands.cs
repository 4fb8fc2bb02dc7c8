using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ReleaseCenter.Cli.Commands;

/// <summary>rc policy (a project's or a model's policy: get, set, history) and rc templates (release templates: list, save, release).</summary>
internal static class PolicyCommands
{
    public static Command Policy(CliContext context)
    {
        var policy = new Command("policy", "Policies per project and per model: the effective policy and where each setting came from, changes, history");
        var model = new Option<string>("--model") { Description = "The model" };
        var project = new Option<string>("--project") { Description = "The project (instead of a model)" };
        var environment = new Option<string>("--env") { Description = "Only this environment" };

        var get = new Command("get", "A model's effective policy in each environment, each setting with its source; or a project's document") { model, project, environment };
        get.SetAction(Session.Run(context, async (s, ct) =>
        {
            var (path, isModel) = Target(s.Parse.GetValue(model), s.Parse.GetValue(project));
            if (!isModel)
            {
                var doc = await s.Api.GetAsync(path, ct).ConfigureAwait(false);
                return s.Show(doc, () => ShowDocument(s, doc));
            }
            var query = ReleaseCommands.Query(("environment", s.Parse.GetValue(environment)));
            var p = await s.Api.GetAsync(path + query, ct).ConfigureAwait(false);
            return s.Show(p, () =>
            {
                s.Out.WriteLine($"{p.Str("model")} (project {p.Str("project")}): a release requested now runs under {p.Str("pin", "description")}.");
                foreach (var env in p.Items("environments"))
                {
                    s.Out.WriteLine();
                    s.Out.WriteLine(env.Str("environment") ?? "");
                    string From(string setting) => env.At("sources", setting) is { } src
                        ? src.Str("layer") + " " + src.Str("name") + (src.At("version") is { ValueKind: JsonValueKind.Number } v ? $" v{v.GetInt32()}" : "")
                        : "";
                    Render.Pairs(s.Out,
                        ("Gate", string.Join(", ", env.Items("gate").Select(Rule)) + $"  ({From("gate")})"),
                        ("Required metrics", string.Join(", ", env.Items("requiredMetrics").Select(m => m.GetString()))  + $"  ({From("requiredMetrics")})"),
                        ("Approval", $"{env.Str("approval", "required")} of {string.Join(" or ", env.Items("approval", "groups").Select(g => g.GetString()))}  ({From("approval")})"),
                        ("Bake", $"{env.Str("bakeSeconds")} s  ({From("bakeSeconds")})"),
                        ("Soak before", $"{env.Str("requiredSoakSeconds")} s  ({From("requiredSoakSeconds")})"),
                        ("Deployment", $"{env.Str("deployment", "strategy")}  ({From("deployment")})"),
                        ("Rollback approval", $"{env.Str("rollbackApproval", "required")}  ({From("rollback")})"));
                }
            });
        }));

        var file = new Option<FileInfo>("--file") { Description = "A JSON file of the environments' settings, e.g. {\"prod\": {\"gate\": [...], \"bakeSeconds\": 600}}", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log)", Required = true };
        var expected = new Option<int?>("--expected-version") { Description = "The version you read (0: none); a newer one makes this a conflict instead of an overwrite" };
        var set = new Command("set", "Write the next version of a model's or a project's policy (release-admins); it replaces the previous one whole") { model, project, file, reason, expected };
        set.SetAction(Session.Run(context, async (s, ct) =>
        {
            var (path, _) = Target(s.Parse.GetValue(model), s.Parse.GetValue(project));
            JsonNode? environments;
            try
            {
                environments = JsonNode.Parse(await File.ReadAllTextAsync(s.Parse.GetValue(file)!.FullName, ct).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                throw new UsageException($"--file: {ex.Message}");
            }
            var body = new JsonObject { ["environments"] = environments, ["reason"] = s.Parse.GetValue(reason) };
            if (s.Parse.GetValue(expected) is { } version)
            {
                body["expectedVersion"] = version;
            }
            var written = await s.Api.PutAsync(path, body, ct).ConfigureAwait(false);
            return s.Show(written, () =>
            {
                s.Out.WriteLine($"Wrote {written.Str("scope")} {written.Str("name")} policy v{written.Str("version")}.");
                foreach (var line in written.Items("diff"))
                {
                    s.Out.WriteLine("  " + line.GetString());
                }
            });
        }));

        var history = new Command("history", "A model's or a project's policy versions, newest first, each with what it changed") { model, project };
        history.SetAction(Session.Run(context, async (s, ct) =>
        {
            var (path, _) = Target(s.Parse.GetValue(model), s.Parse.GetValue(project));
            var h = await s.Api.GetAsync(path + "/history", ct).ConfigureAwait(false);
            return s.Show(h, () => Render.Table(s.Out, h.Items("items"), ("Version", x => x.Str("version")), ("When", x => J.Time(x.Str("at"))),
                ("By", x => x.Str("by")), ("Reason", x => x.Str("reason")), ("Changed", x => string.Join("\n", x.Items("diff").Select(d => d.GetString())))));
        }));

        policy.Subcommands.Add(get);
        policy.Subcommands.Add(set);
        policy.Subcommands.Add(history);
        return policy;
    }

    public static Command Templates(CliContext context)
    {
        var templates = new Command("templates", "Release templates of a project: named release settings, so that releasing is one call");
        var project = new Option<string>("--project") { Description = "The project", Required = true };
        var name = new Option<string>("--name") { Description = "The template", Required = true };

        var list = new Command("list", "The project's templates") { project };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var t = await s.Api.GetAsync($"/v1/projects/{Uri.EscapeDataString(s.Parse.GetValue(project)!)}/templates", ct).ConfigureAwait(false);
            return s.Show(t, () => Render.Table(s.Out, t.Items("items"), ("Template", x => x.Str("name")),
                ("Environments", x => string.Join(" -> ", x.Items("environments").Select(e => e.GetString())) ),
                ("Notify", x => string.Join(", ", x.Items("notify").Select(n => n.GetString()))),
                ("Requires", x => string.Join(", ", x.Items("requiredAssets").Select(a => a.GetString()))), ("Updated by", x => x.Str("updatedBy"))));
        }));

        var file = new Option<FileInfo>("--file")
        {
            Description = "A JSON file: {\"description\", \"environments\", \"approvals\", \"notify\", \"requiredAssets\"} (see docs/operations.md)", Required = true,
        };
        var save = new Command("save", "Create or replace a template") { project, name, file };
        save.SetAction(Session.Run(context, async (s, ct) =>
        {
            JsonNode? body;
            try
            {
                body = JsonNode.Parse(await File.ReadAllTextAsync(s.Parse.GetValue(file)!.FullName, ct).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                throw new UsageException($"--file: {ex.Message}");
            }
            var t = await s.Api.PutAsync($"/v1/projects/{Uri.EscapeDataString(s.Parse.GetValue(project)!)}/templates/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}",
                body, ct).ConfigureAwait(false);
            return s.Show(t, () => s.Out.WriteLine($"Saved template {t.Str("name")} of {t.Str("project")} (revision {t.Str("revision")})."));
        }));

        var model = new Option<string>("--model") { Description = "The model", Required = true };
        var version = new Option<int>("--version") { Description = "The version", Required = true };
        var notes = new Option<string>("--notes") { Description = "Release notes" };
        var release = new Command("release", "Request a release of a model version with the template's settings") { project, name, model, version, notes };
        release.SetAction(Session.Run(context, async (s, ct) =>
        {
            var accepted = await s.Api.PostAsync(
                $"/v1/projects/{Uri.EscapeDataString(s.Parse.GetValue(project)!)}/templates/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/releases",
                new JsonObject { ["model"] = s.Parse.GetValue(model), ["version"] = s.Parse.GetValue(version), ["notes"] = s.Parse.GetValue(notes) }, ct).ConfigureAwait(false);
            return s.Show(accepted, () => s.Out.WriteLine($"Release {accepted.Str("id")} requested with template {s.Parse.GetValue(name)}."));
        }));

        templates.Subcommands.Add(list);
        templates.Subcommands.Add(save);
        templates.Subcommands.Add(release);
        return templates;
    }

    private static (string Path, bool IsModel) Target(string? model, string? project) => (model, project) switch
    {
        ({ } m, null) => ($"/v1/models/{Uri.EscapeDataString(m)}/policy", true),
        (null, { } p) => ($"/v1/projects/{Uri.EscapeDataString(p)}/policy", false),
        _ => throw new UsageException("Name either --model or --project."),
    };

    private static string Rule(JsonElement rule)
    {
        var bound = rule.Str("direction") == "LowerIsBetter" ? "≤" : "≥";
        var text = rule.Str("metric") + (rule.At("threshold") is { ValueKind: JsonValueKind.Number } t ? $" {bound} {J.Number(t.GetDouble())}" : " (reported)");
        return rule.At("maxRegression") is { ValueKind: JsonValueKind.Number } m ? text + $", at most {J.Number(m.GetDouble())} worse than live" : text;
    }

    private static void ShowDocument(Session s, JsonElement doc)
    {
        s.Out.WriteLine(doc.Str("version") == "0"
            ? $"{doc.Str("scope")} {doc.Str("name")} has no policy: every setting comes from the environments' defaults."
            : $"{doc.Str("scope")} {doc.Str("name")} policy v{doc.Str("version")}, by {doc.Str("by")} at {J.Time(doc.Str("at"))}: {doc.Str("reason")}");
        if (doc.At("environments") is { } envs)
        {
            s.Out.WriteLine(J.Pretty(envs));
        }
    }
}
