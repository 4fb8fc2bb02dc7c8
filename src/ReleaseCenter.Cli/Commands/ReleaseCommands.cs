using System.CommandLine;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ReleaseCenter.Cli.Commands;

/// <summary>rc release …: request, follow, inspect and cancel releases.</summary>
internal static class ReleaseCommands
{
    public static Command Release(CliContext context)
    {
        var release = new Command("release", "Releases: create, list, show, history, watch, cancel");

        var model = new Option<string>("--model") { Description = "The model", Required = true };
        var version = new Option<string>("--version") { Description = "The version to release: its number, or 'latest' (the newest registered)", Required = true };
        var environments = new Option<string[]>("--env")
        {
            Description = "An environment to release to, in order (repeat; default: every environment, dev → staging → prod)",
        };
        var notes = new Option<string>("--notes") { Description = "Why this release (shown to approvers)" };
        var wait = new Option<bool>("--wait")
        {
            Description = "Follow the release live until it ends; exit code 0 when released, 3 when rejected, expired, rolled back, failed or cancelled",
        };
        var create = new Command("create", "Request a release: freeze the bundle and start the workflow") { model, version, environments, notes, wait };
        create.SetAction(Session.Run(context, async (s, ct) =>
        {
            var name = s.Parse.GetValue(model)!;
            var number = s.Parse.GetValue(version) switch
            {
                "latest" => (await s.Api.GetAsync($"/v1/models/{Uri.EscapeDataString(name)}", ct).ConfigureAwait(false)).Int("latestVersion"),
                var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
                var text => throw new UsageException($"--version {text}: expected a version number or 'latest'."),
            };
            var body = new JsonObject { ["model"] = name, ["version"] = number, ["notes"] = s.Parse.GetValue(notes) };
            if (s.Parse.GetValue(environments) is { Length: > 0 } envs)
            {
                body["environments"] = new JsonArray([.. envs.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(e => (JsonNode)e)]);
            }
            var accepted = await s.Api.PostAsync("/v1/releases", body, ct).ConfigureAwait(false);
            var id = accepted.Str("id")!;
            if (!s.Json)
            {
                s.Out.MarkupLineInterpolated($"Requested release [bold]{id}[/] of {name} v{number} (bundle {Render.ShortDigest(accepted.Str("bundleDigest"))}).");
            }
            if (s.Parse.GetValue(wait))
            {
                return await new ReleaseWatcher(s).WatchAsync(id, ct).ConfigureAwait(false);
            }
            if (s.Json)
            {
                context.OutText.WriteLine(J.Pretty(accepted));
            }
            else
            {
                s.Out.WriteLine($"Follow it with: rc release watch {id}");
            }
            return ExitCodes.Ok;
        }));

        var byModel = new Option<string>("--model") { Description = "Only this model's releases" };
        var status = new Option<string>("--status") { Description = "Only releases in this status (several separated by commas)" };
        var environment = new Option<string>("--environment") { Description = "Only releases with a stage in this environment" };
        var limit = new Option<int>("--limit") { Description = "How many (1-100)", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "The release catalog, newest first") { byModel, status, environment, limit };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = Query(("model", s.Parse.GetValue(byModel)), ("status", s.Parse.GetValue(status)), ("environment", s.Parse.GetValue(environment)),
                ("limit", s.Parse.GetValue(limit).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var page = await s.Api.GetAsync("/v1/releases" + query, ct).ConfigureAwait(false);
            return s.Show(page, () => Render.Table(s.Out, page.Items("items"),
                ("Release", r => r.Str("id")), ("Model", r => $"{r.Str("model")} v{r.Str("version")}"), ("Status", r => r.Str("status")),
                ("Stages", r => string.Join(" → ", r.Items("stages").Select(x => $"{x.Str("environment")}:{x.Str("status")}"))),
                ("Requested", r => $"{J.Time(r.Str("createdAt"))} by {r.Str("requestedBy")}")));
        }));

        var id = new Argument<string>("id") { Description = "The release id (rel-…)" };
        var show = new Command("show", "A release: its stages, evaluation, approvals and deployments") { id };
        show.SetAction(Session.Run(context, async (s, ct) =>
        {
            var r = await s.Api.GetAsync($"/v1/releases/{Uri.EscapeDataString(s.Parse.GetValue(id)!)}", ct).ConfigureAwait(false);
            return s.Show(r, () =>
            {
                Render.Pairs(s.Out, ("Release", r.Str("id")), ("Model", $"{r.Str("model")} v{r.Str("version")}"), ("Status", r.Str("status")),
                    ("Bundle", r.Str("bundle", "digest")), ("Requested", $"{J.Time(r.Str("createdAt"))} by {r.Str("requestedBy")}"), ("Notes", r.Str("notes")));
                Render.Table(s.Out, r.Items("stages"), ("Environment", x => x.Str("environment")), ("Status", x => ReleaseWatcher.StepOf(x, r)),
                    ("Detail", x => ReleaseWatcher.Detail(x, null, null, r)));
            });
        }));

        var history = new Command("history", "A release's story: its timeline joined with its workflow's execution history") { id };
        history.SetAction(Session.Run(context, async (s, ct) =>
        {
            var h = await s.Api.GetAsync($"/v1/releases/{Uri.EscapeDataString(s.Parse.GetValue(id)!)}/history", ct).ConfigureAwait(false);
            return s.Show(h, () => Render.Table(s.Out, h.Items("items"), ("At", x => J.Time(x.Str("at"))), ("Environment", x => x.Str("environment")),
                ("What", x => x.Str("message")), ("From", x => x.Str("source"))));
        }));

        var watch = new Command("watch", "Follow a release live until it ends (exit code 0 released, 3 otherwise)") { id };
        watch.SetAction(Session.Run(context, (s, ct) => new ReleaseWatcher(s).WatchAsync(s.Parse.GetValue(id)!, ct)));

        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log)", Required = true };
        var cancel = new Command("cancel", "Cancel a release that has not finished") { id, reason };
        cancel.SetAction(Session.Run(context, async (s, ct) =>
        {
            var r = await s.Api.PostAsync($"/v1/releases/{Uri.EscapeDataString(s.Parse.GetValue(id)!)}/cancel", new JsonObject { ["reason"] = s.Parse.GetValue(reason) }, ct)
                .ConfigureAwait(false);
            return s.Show(r, () => s.Out.WriteLine($"Cancelled {r.Str("id")}."));
        }));

        foreach (var c in new[] { create, list, show, history, watch, cancel })
        {
            release.Subcommands.Add(c);
        }
        return release;
    }

    /// <summary>A query string of the given, non-empty values.</summary>
    internal static string Query(params (string Name, string? Value)[] values)
    {
        var given = values.Where(v => !string.IsNullOrEmpty(v.Value)).Select(v => $"{v.Name}={Uri.EscapeDataString(v.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }
}
