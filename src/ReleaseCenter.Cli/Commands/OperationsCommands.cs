using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ReleaseCenter.Cli.Commands;

/// <summary>rc rollback, diff, env, audit, drift, completion.</summary>
internal static class OperationsCommands
{
    public static Command Rollback(CliContext context)
    {
        var rollback = new Command("rollback", "Roll an environment back to what was live before: preview the impact, then run it");
        var environment = new Option<string>("--env") { Description = "The environment", Required = true };
        var model = new Option<string>("--model") { Description = "The model (needed when several are live in the environment)" };
        var to = new Option<string>("--to") { Description = "The release to go back to (default: the one live before the current one)" };

        var preview = new Command("preview", "What a rollback would do: live and target, the diff, releases in flight, consumers, blockers") { environment, model, to };
        preview.SetAction(Session.Run(context, async (s, ct) =>
        {
            var p = await s.Api.PostAsync($"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(environment)!)}/rollback/preview",
                new JsonObject { ["model"] = s.Parse.GetValue(model), ["toRelease"] = s.Parse.GetValue(to) }, ct).ConfigureAwait(false);
            return s.Show(p, () => ShowPreview(s.Out, p));
        }));

        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log)", Required = true };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when not in an interactive terminal)" };
        var run = new Command("run", "Roll back, after showing the preview and asking (unless --yes)") { environment, model, to, reason, yes };
        run.SetAction(Session.Run(context, async (s, ct) =>
        {
            var env = Uri.EscapeDataString(s.Parse.GetValue(environment)!);
            var target = new JsonObject { ["model"] = s.Parse.GetValue(model), ["toRelease"] = s.Parse.GetValue(to) };
            if (!s.Parse.GetValue(yes))
            {
                if (!context.Interactive)
                {
                    throw new UsageException("rollback run needs --yes when it cannot ask (no interactive terminal).");
                }
                var p = await s.Api.PostAsync($"/v1/environments/{env}/rollback/preview", target.DeepClone(), ct).ConfigureAwait(false);
                ShowPreview(s.Out, p);
                if (!s.Out.Confirm("Roll back?", defaultValue: false))
                {
                    s.Out.WriteLine("Nothing was changed.");
                    return ExitCodes.Ok;
                }
            }
            target["reason"] = s.Parse.GetValue(reason);
            var accepted = await s.Api.PostAsync($"/v1/environments/{env}/rollback", target, ct).ConfigureAwait(false);
            return s.Show(accepted, () => s.Out.WriteLine(accepted.Str("message") ?? $"Rollback {accepted.Str("rollbackId")} started."));
        }));
        rollback.Subcommands.Add(preview);
        rollback.Subcommands.Add(run);
        return rollback;
    }

    private static void ShowPreview(IAnsiConsole console, JsonElement p)
    {
        Render.Pairs(console,
            ("Environment", p.Str("environment")), ("Model", p.Str("model")),
            ("Live", p.At("live") is { } live ? $"v{live.Str("version")} ({live.Str("release")})" : "nothing"),
            ("Target", p.At("target") is { } target ? $"v{target.Str("version")} ({target.Str("release")})" : "none"),
            ("In flight", string.Join(", ", p.Items("inFlight").Select(r => r.Str("id") ?? r.Str("releaseId") ?? r.GetRawText()))),
            ("Consumers", string.Join(", ", p.Items("consumers").Select(c => c.Str("name")))),
            ("Approval", p.At("requiresApproval") is { ValueKind: JsonValueKind.True } ? $"{p.Str("requiredApprovals")} from {string.Join(" or ", p.Items("approverGroups").Select(g => g.GetString()))}" : "not needed"),
            ("Blockers", string.Join("; ", p.Items("blockers").Select(b => b.GetString() ?? b.Str("message")))));
        console.WriteLine(p.Str("message") ?? "");
    }

    public static Command Diff(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The release to compare" };
        var against = new Option<string>("--against") { Description = "Another release id, or 'live'", Required = true };
        var environment = new Option<string>("--environment") { Description = "With --against live: which environment's live release" };
        var diff = new Command("diff", "Metric-aware diff between two releases, or against what is live, with verdicts") { id, against, environment };
        diff.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = ReleaseCommands.Query(("against", s.Parse.GetValue(against)), ("environment", s.Parse.GetValue(environment)));
            var d = await s.Api.GetAsync($"/v1/releases/{Uri.EscapeDataString(s.Parse.GetValue(id)!)}/diff{query}", ct).ConfigureAwait(false);
            return s.Show(d, () =>
            {
                s.Out.WriteLine($"{d.Str("from", "model")} v{d.Str("from", "version")} → v{d.Str("to", "version")}" + (d.At("identical") is { ValueKind: JsonValueKind.True } ? " (identical)" : ""));
                Render.Table(s.Out, d.Items("metrics"), ("Metric", m => m.Str("metric")), ("From", m => m.Str("from")), ("To", m => m.Str("to")),
                    ("Delta", m => m.At("delta") is { } x ? (x.GetDouble() > 0 ? "+" : "") + J.Number(x.GetDouble()) : null), ("Verdict", m => m.Str("verdict")));
            });
        }));
        return diff;
    }

    public static Command Environments(CliContext context)
    {
        var env = new Command("env", "Environments: what is live where, what was live when, freezes");
        var list = new Command("list", "Environments in promotion order, with what is live in each");
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var e = await s.Api.GetAsync("/v1/environments", ct).ConfigureAwait(false);
            return s.Show(e, () => Render.Table(s.Out, e.Items("items"), ("Environment", x => x.Str("name")),
                ("Live", x => string.Join(", ", x.Items("live").Select(l => $"{l.Str("model")} v{l.Str("version")}"))),
                ("Endpoint", x => x.Str("endpointName")), ("Locked by", x => x.Str("lockedBy")),
                ("Approvals", x => x.Str("policy", "approvals")),
                ("Frozen", x => x.At("freeze") is { ValueKind: JsonValueKind.Object } f ? $"by {f.Str("by")}: {f.Str("reason")}" : "")));
        }));
        var name = new Argument<string>("environment") { Description = "The environment" };
        var model = new Option<string>("--model") { Description = "Only this model" };
        var at = new Option<string>("--at") { Description = "What was live at this time (ISO-8601)" };
        var history = new Command("history", "Deployments to an environment, newest first; with --at, what was live then") { name, model, at };
        history.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = ReleaseCommands.Query(("model", s.Parse.GetValue(model)), ("at", s.Parse.GetValue(at)));
            var h = await s.Api.GetAsync($"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/history{query}", ct).ConfigureAwait(false);
            return s.Show(h, () =>
            {
                if (s.Parse.GetValue(at) is not null)
                {
                    s.Out.WriteLine($"Live at {J.Time(h.Str("at"))}: " +
                        (h.At("liveAt") is { ValueKind: JsonValueKind.Array } live && live.GetArrayLength() > 0
                            ? string.Join(", ", live.EnumerateArray().Select(l => $"{l.Str("model")} v{l.Str("version")} ({l.Str("release")})"))
                            : "nothing"));
                }
                Render.Table(s.Out, h.Items("items"), ("Deployed", x => J.Time(x.Str("deployedAt"))), ("Model", x => $"{x.Str("model")} v{x.Str("version")}"),
                    ("Release", x => x.Str("release")), ("Kind", x => x.Str("kind")));
            });
        }));
        // Freezes (release-admins): releases wait at the environment's door while one holds.
        var reason = new Option<string>("--reason") { Description = "Why (recorded in the audit log)", Required = true };
        var until = new Option<string>("--until") { Description = "When the freeze ends by itself (ISO-8601); without it, it holds until lifted" };
        var noRollbacks = new Option<bool>("--no-rollbacks") { Description = "Refuse rollbacks too while the freeze holds (by default they proceed)" };
        var frozenProject = new Option<string>("--project") { Description = "Freeze only this project's releases (its release-admins may); without it, the whole environment" };
        var freeze = new Command("freeze", "Freeze an environment: releases wait at its door until the freeze is lifted or ends") { name, reason, until, noRollbacks, frozenProject };
        freeze.SetAction(Session.Run(context, async (s, ct) =>
        {
            var body = new System.Text.Json.Nodes.JsonObject
            {
                ["reason"] = s.Parse.GetValue(reason), ["allowRollbacks"] = !s.Parse.GetValue(noRollbacks), ["project"] = s.Parse.GetValue(frozenProject),
            };
            if (s.Parse.GetValue(until) is { } end)
            {
                body["until"] = end;
            }
            var f = await s.Api.PostAsync($"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/freeze", body, ct).ConfigureAwait(false);
            return s.Show(f, () => s.Out.WriteLine($"Froze {f.Str("environment")}" + (f.Str("until") is { Length: > 0 } u ? $" until {J.Time(u)}" : " until it is lifted") + "."));
        }));
        var unfreeze = new Command("unfreeze", "Lift an environment's freeze: releases waiting at its door go on") { name, reason, frozenProject };
        unfreeze.SetAction(Session.Run(context, async (s, ct) =>
        {
            var f = await s.Api.PostAsync($"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/freeze/lift",
                new System.Text.Json.Nodes.JsonObject { ["reason"] = s.Parse.GetValue(reason), ["project"] = s.Parse.GetValue(frozenProject) }, ct).ConfigureAwait(false);
            return s.Show(f, () => s.Out.WriteLine($"Lifted the freeze on {f.Str("environment")}" + (f.Str("project") is { } p ? $" for project {p}." : ".")));
        }));
        // Drift of the live state and holds on auto-promotion (release-admins of the model's project).
        var model2 = new Option<string>("--model") { Description = "The model", Required = true };
        var action = new Option<string>("--action") { Description = "restore (put the recorded config back) or adopt (record what the endpoint serves)", Required = true };
        var reconcile = new Command("reconcile", "Reconcile an endpoint changed outside Release Center: restore the recorded config, or adopt what it serves")
        {
            name, model2, action, reason,
        };
        reconcile.SetAction(Session.Run(context, async (s, ct) =>
        {
            var r = await s.Api.PostAsync(
                $"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/out-of-band/{Uri.EscapeDataString(s.Parse.GetValue(model2)!)}/reconcile",
                new System.Text.Json.Nodes.JsonObject { ["action"] = s.Parse.GetValue(action), ["reason"] = s.Parse.GetValue(reason) }, ct).ConfigureAwait(false);
            return s.Show(r, () => s.Out.WriteLine($"Reconciled {r.Str("endpointName")} ({s.Parse.GetValue(action)}); releases into {r.Str("environment")} go on."));
        }));
        var liftHold = new Command("lift-hold", "Lift the hold a manual rollback put on a model's auto-promotion into the environment") { name, model2, reason };
        liftHold.SetAction(Session.Run(context, async (s, ct) =>
        {
            var h = await s.Api.PostAsync(
                $"/v1/environments/{Uri.EscapeDataString(s.Parse.GetValue(name)!)}/holds/{Uri.EscapeDataString(s.Parse.GetValue(model2)!)}/lift",
                new System.Text.Json.Nodes.JsonObject { ["reason"] = s.Parse.GetValue(reason) }, ct).ConfigureAwait(false);
            return s.Show(h, () => s.Out.WriteLine($"Lifted the hold on {h.Str("model")} in {h.Str("environment")}: its releases enter automatically again."));
        }));
        env.Subcommands.Add(list);
        env.Subcommands.Add(history);
        env.Subcommands.Add(freeze);
        env.Subcommands.Add(unfreeze);
        env.Subcommands.Add(reconcile);
        env.Subcommands.Add(liftHold);
        return env;
    }

    public static Command Audit(CliContext context)
    {
        var audit = new Command("audit", "The audit log: list, verify, export");
        var project = new Option<string>("--project") { Description = "One project's chain" };
        var actor = new Option<string>("--actor") { Description = "Only this actor's entries" };
        var action = new Option<string>("--action") { Description = "Only this action (release.approved, …)" };
        var since = new Option<string>("--since") { Description = "From this time (ISO-8601)" };
        var until = new Option<string>("--until") { Description = "Until this time (ISO-8601)" };
        var limit = new Option<int>("--limit") { Description = "How many (1-100)", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "Audit entries, newest first") { project, actor, action, since, until, limit };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = ReleaseCommands.Query(("project", s.Parse.GetValue(project)), ("actor", s.Parse.GetValue(actor)), ("action", s.Parse.GetValue(action)),
                ("since", s.Parse.GetValue(since)), ("until", s.Parse.GetValue(until)), ("limit", s.Parse.GetValue(limit).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var page = await s.Api.GetAsync("/v1/audit" + query, ct).ConfigureAwait(false);
            return s.Show(page, () => Render.Table(s.Out, page.Items("items"), ("At", e => J.Time(e.Str("at"))), ("Project", e => e.Str("project")),
                ("Seq", e => e.Str("seq")), ("Actor", e => e.Str("actor")), ("Action", e => e.Str("action")), ("Subject", e => e.Str("subject"))));
        }));

        var verify = new Command("verify", "Verify the hash chain against the anchors kept outside the table (a long chain runs as an export job)") { project };
        verify.SetAction(Session.Run(context, async (s, ct) =>
        {
            JsonElement report;
            try
            {
                report = await s.Api.GetAsync("/v1/audit/verify" + ReleaseCommands.Query(("project", s.Parse.GetValue(project))), ct).ConfigureAwait(false);
            }
            catch (ApiException ex) when (JobOf(ex) is { } job)
            {
                var done = await RunJobAsync(s, job, ex.Detail, ct).ConfigureAwait(false);
                report = done.At("verification") ?? throw new ApiException(0, "The verification job failed", done.Str("error"), [], null);
            }
            s.Show(report, () => s.Out.MarkupLine(report.At("valid") is { ValueKind: JsonValueKind.True }
                ? $"[green]Valid[/]: {Count(report.Int("entriesChecked"), "entry", "entries")} checked; " +
                  (report.Int("anchorsChecked") == 0 ? "no anchor yet to check it against." : $"it agrees with {Count(report.Int("anchorsChecked"), "anchor", "anchors")} kept outside the table.")
                : $"[red]Broken[/]{Markup.Escape(report.Str("project") is { } p ? $" in {p}" : "")}" +
                  Markup.Escape(report.Str("firstInvalidSeq") is { } seq ? $" at entry {seq}" : "") + Markup.Escape(report.Str("anchor") is { } a ? $" (contradicts anchor {a})" : "") +
                  $": {Markup.Escape(report.Str("reason") ?? "")}"));
            return report.At("valid") is { ValueKind: JsonValueKind.True } ? ExitCodes.Ok : ExitCodes.Error;
        }));

        var format = new Option<string>("--format") { Description = "csv or jsonl", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var output = new Option<FileInfo>("--out") { Description = "Where to save it (default: the server's file name, in the current directory)" };
        var export = new Command("export", "Save the audit log (filtered) as CSV or JSON Lines; a large one runs as an export job") { project, actor, action, since, until, format, output };
        export.SetAction(Session.Run(context, async (s, ct) =>
        {
            var query = ReleaseCommands.Query(("format", s.Parse.GetValue(format)), ("project", s.Parse.GetValue(project)), ("actor", s.Parse.GetValue(actor)),
                ("action", s.Parse.GetValue(action)), ("since", s.Parse.GetValue(since)), ("until", s.Parse.GetValue(until)));
            string path;
            try
            {
                var (body, name) = await s.Api.DownloadAsync("/v1/audit/export" + query, ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    path = await SaveAsync(body, s.Parse.GetValue(output)?.FullName ?? name ?? $"audit.{s.Parse.GetValue(format)}", ct).ConfigureAwait(false);
                }
            }
            catch (ApiException ex) when (JobOf(ex) is { } job)
            {
                var done = await RunJobAsync(s, job, ex.Detail, ct).ConfigureAwait(false);
                if (done.Str("downloadUrl") is not { } link)
                {
                    throw new ApiException(0, "The export job failed", done.Str("error"), [], null);
                }
                var body = await s.Api.DownloadLinkAsync(new Uri(link), ct).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    path = await SaveAsync(body, s.Parse.GetValue(output)?.FullName ?? done.Str("fileName")!, ct).ConfigureAwait(false);
                }
            }
            var saved = JsonSerializer.SerializeToElement(new Dictionary<string, object> { ["file"] = path, ["bytes"] = new FileInfo(path).Length });
            return s.Show(saved, () => s.Out.WriteLine($"Saved {path} ({new FileInfo(path).Length} bytes)."));
        }));
        audit.Subcommands.Add(list);
        audit.Subcommands.Add(verify);
        audit.Subcommands.Add(export);
        return audit;
    }

    private static string Count(int n, string one, string many) => $"{n} {(n == 1 ? one : many)}";

    private static JsonElement? JobOf(ApiException ex) => ex.Status == System.Net.HttpStatusCode.RequestEntityTooLarge ? ex.Body?.At("job") : null;

    /// <summary>Starts the export job a 413 asked for and follows it to its end.</summary>
    private static async Task<JsonElement> RunJobAsync(Session s, JsonElement request, string? why, CancellationToken ct)
    {
        if (!s.Json)
        {
            await s.Context.Error.WriteLineAsync($"{why?.Split(". Request it", 2)[0].TrimEnd('.')}. Running it as an export job…").ConfigureAwait(false);
        }
        var job = await s.Api.PostAsync("/v1/exports", JsonNode.Parse(request.GetRawText()), ct).ConfigureAwait(false);
        while (job.Str("status") is "Queued" or "Running")
        {
            await Task.Delay(s.Context.PollInterval, ct).ConfigureAwait(false);
            job = await s.Api.GetAsync($"/v1/exports/{Uri.EscapeDataString(job.Str("id")!)}", ct).ConfigureAwait(false);
        }
        return job;
    }

    private static async Task<string> SaveAsync(Stream body, string path, CancellationToken ct)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        await using (file.ConfigureAwait(false))
        {
            await body.CopyToAsync(file, ct).ConfigureAwait(false);
        }
        return path;
    }

    public static Command Drift(CliContext context)
    {
        var drift = new Command("drift", "Drift reports: submit one, list a model's");
        var model = new Option<string>("--model") { Description = "The model", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The report as JSON (the body of POST /v1/models/{model}/drift-reports)", Required = true };
        var submit = new Command("submit", "Submit a drift report; drift past the model's thresholds starts its governed retraining") { model, file };
        submit.SetAction(Session.Run(context, async (s, ct) =>
        {
            var body = JsonNode.Parse(await File.ReadAllTextAsync(s.Parse.GetValue(file)!.FullName, ct).ConfigureAwait(false));
            var report = await s.Api.PostAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/drift-reports", body, ct).ConfigureAwait(false);
            return s.Show(report, () => s.Out.WriteLine($"Recorded drift report {report.Str("id")}: " +
                (report.At("drifted") is { ValueKind: JsonValueKind.True } ? $"drift in {string.Join(", ", report.Items("driftedFeatures").Select(f => f.GetString()))}." : "no drift.")));
        }));
        var list = new Command("list", "A model's drift reports, newest first") { model };
        list.SetAction(Session.Run(context, async (s, ct) =>
        {
            var page = await s.Api.GetAsync($"/v1/models/{Uri.EscapeDataString(s.Parse.GetValue(model)!)}/drift-reports", ct).ConfigureAwait(false);
            return s.Show(page, () => Render.Table(s.Out, page.Items("items"), ("Report", r => r.Str("id")), ("Environment", r => r.Str("environment")),
                ("Received", r => J.Time(r.Str("receivedAt"))), ("Drifted", r => r.Str("drifted")),
                ("Features", r => string.Join(", ", r.Items("driftedFeatures").Select(f => f.GetString())))));
        }));
        drift.Subcommands.Add(submit);
        drift.Subcommands.Add(list);
        return drift;
    }

    /// <summary>Shell completion through System.CommandLine's [suggest] directive: the script asks rc itself what may come next.</summary>
    public static Command Completion(CliContext context)
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var completion = new Command("completion", "Print a completion script: eval \"$(rc completion bash)\" in ~/.bashrc") { shell };
        completion.SetAction(parse =>
        {
            var bash = """
                _rc_complete() {
                  local IFS=$'\n'
                  COMPREPLY=( $(rc "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
                }
                complete -o default -F _rc_complete rc
                """;
            var zsh = """
                autoload -U +X bashcompinit && bashcompinit
                """ + "\n" + bash;
            context.OutText.WriteLine(parse.GetValue(shell) == "zsh" ? zsh : bash);
            return ExitCodes.Ok;
        });
        return completion;
    }
}
