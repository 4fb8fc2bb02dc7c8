using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace ReleaseCenter.Cli.Commands;

/// <summary>
/// Follows a release to its end (rc release watch, rc release create --wait). In a terminal it draws the stage pipeline
/// live: each environment's step, the approvals still needed and from which groups, the traffic shift, the verification.
/// Elsewhere (a CI log, a pipe) it prints one line per change. It ends with the outcome and the console's link; the exit
/// code is 0 when the release reached its last environment, 3 when it ended otherwise.
/// </summary>
internal sealed class ReleaseWatcher(Session session)
{
    public static readonly HashSet<string> Endings = new(StringComparer.Ordinal) { "Released", "Rejected", "Expired", "Failed", "RolledBack", "Cancelled" };

    /// <summary>A release as last read, with what the waiting stage needs and the traffic split of the deploying one.</summary>
    private sealed record Snapshot(JsonElement Release, JsonElement? Eligibility, JsonElement? Traffic)
    {
        public string Status => Release.Str("status") ?? "";

        public bool Ended => Endings.Contains(Status);
    }

    public async Task<int> WatchAsync(string id, CancellationToken ct)
    {
        Snapshot last;
        try
        {
            if (session.Json)
            {
                last = await FollowAsync(id, _ => { }, ct).ConfigureAwait(false);
                session.Context.OutText.WriteLine(J.Pretty(last.Release));
            }
            else if (session.Out.Profile.Capabilities.Interactive && session.Out.Profile.Capabilities.Ansi)
            {
                last = await ReadAsync(id, ct).ConfigureAwait(false);
                var shown = last;
                await session.Out.Live(View(last)).AutoClear(false).StartAsync(async live =>
                {
                    shown = await FollowAsync(id, s =>
                    {
                        live.UpdateTarget(View(s));
                        live.Refresh();
                    }, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
                last = shown;
            }
            else
            {
                var lines = new Dictionary<string, string>(StringComparer.Ordinal);
                last = await FollowAsync(id, s => PrintChanges(s, lines), ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await session.Context.Error.WriteLineAsync($"Stopped watching; the release goes on. Follow it again with: rc release watch {id}").ConfigureAwait(false);
            return ExitCodes.Error;
        }
        if (!session.Json)
        {
            session.Out.MarkupLine(Outcome(last));
            session.Out.MarkupLineInterpolated($"Console: [link]{session.Api.BaseUrl}/releases/{id}[/]");
        }
        return last.Status == "Released" ? ExitCodes.Ok : ExitCodes.NotReleased;
    }

    private async Task<Snapshot> FollowAsync(string id, Action<Snapshot> show, CancellationToken ct)
    {
        while (true)
        {
            var snapshot = await ReadAsync(id, ct).ConfigureAwait(false);
            show(snapshot);
            if (snapshot.Ended)
            {
                return snapshot;
            }
            await Task.Delay(session.Context.PollInterval, ct).ConfigureAwait(false);
        }
    }

    private async Task<Snapshot> ReadAsync(string id, CancellationToken ct)
    {
        var path = $"/v1/releases/{Uri.EscapeDataString(id)}";
        var release = await session.Api.GetAsync(path, ct).ConfigureAwait(false);
        var stages = release.Items("stages").ToList();
        JsonElement? eligibility = null;
        JsonElement? traffic = null;
        if (stages.Any(s => s.Str("status") == "AwaitingApproval"))
        {
            eligibility = await session.Api.GetAsync(path + "/approvals/eligibility", ct).ConfigureAwait(false);
        }
        if (stages.Any(s => s.Str("status") == "Deploying"))
        {
            traffic = await session.Api.GetAsync(path + "/traffic", ct).ConfigureAwait(false);
        }
        return new Snapshot(release, eligibility, traffic);
    }

    private IRenderable View(Snapshot s)
    {
        var r = s.Release;
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape($"{r.Str("model")} v{r.Str("version")}")}[/]  {Markup.Escape(r.Str("id") ?? "")}")
            .Caption($"bundle {Markup.Escape(Render.ShortDigest(r.Str("bundle", "digest")))} · requested by {Markup.Escape(r.Str("requestedBy") ?? "-")}")
            .AddColumn("Environment").AddColumn("Step").AddColumn("Detail");
        foreach (var stage in r.Items("stages"))
        {
            var status = StepOf(stage, r);
            var step = status is "Released" or "Rejected" or "Expired" or "Failed" or "RolledBack" or "Cancelled" or "Pending" or "Queued"
                ? Render.Status(status)
                : $"{Render.Status(status)} [grey]…[/]";
            table.AddRow(new Markup(Markup.Escape(stage.Str("environment") ?? "-")), new Markup(step), new Text(Detail(stage, s)));
        }
        return table;
    }

    private void PrintChanges(Snapshot s, Dictionary<string, string> lines)
    {
        foreach (var stage in s.Release.Items("stages"))
        {
            var environment = stage.Str("environment") ?? "-";
            var line = $"{environment}: {StepOf(stage, s.Release)}" + (Detail(stage, s) is { Length: > 0 } d ? $" ({d})" : "");
            if (!lines.TryGetValue(environment, out var before) || before != line)
            {
                lines[environment] = line;
                session.Out.WriteLine($"{DateTimeOffset.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
            }
        }
    }

    /// <summary>
    /// The stage's step as people read it. A later stage is evaluated early and stays "Evaluating" until its turn: while
    /// the release is elsewhere, it is "Queued" (as the console says).
    /// </summary>
    internal static string? StepOf(JsonElement stage, JsonElement release) =>
        stage.Str("status") == "Evaluating" && release.Str("status") != "Evaluating" ? "Queued" : stage.Str("status");

    /// <summary>What a stage is doing or why it ended, in words.</summary>
    internal static string Detail(JsonElement stage, JsonElement? eligibility, JsonElement? traffic, JsonElement? release = null)
    {
        switch (release is { } r ? StepOf(stage, r) : stage.Str("status"))
        {
            case "Queued":
                return "gate passed; waits for the environment before it";
            case "Pending":
                return "waits for the environment before it";
            case "Evaluating":
                return "checking the evaluation gate";
            case "AwaitingApproval":
            {
                var remaining = eligibility?.Int("remaining") ?? stage.Int("requiredApprovals");
                var groups = eligibility?.Items("approverGroups").Select(g => g.GetString()).ToList() ?? [];
                var votes = stage.Items("approvals").Where(a => a.Str("decision") == "approve").Select(a => a.Str("by")).ToList();
                var text = $"needs {remaining} more approval{(remaining == 1 ? "" : "s")}" + (groups.Count > 0 ? $" from {string.Join(" or ", groups)}" : "");
                if (votes.Count > 0)
                {
                    text += $"; approved by {string.Join(", ", votes)}";
                }
                if (eligibility?.Str("expiresAt") is { } expires)
                {
                    text += $"; expires {J.Time(expires)}";
                }
                return text;
            }
            case "Deploying":
                return traffic is { } t && t.At("shifting") is { ValueKind: JsonValueKind.True }
                    ? $"shifting traffic: {t.Str("newPercent")}% new, {t.Str("previousPercent")}% previous"
                    : $"deploying to {stage.Str("deployment", "endpointName") ?? "the endpoint"}";
            case "Verifying":
                return "verifying the endpoint after its bake time";
            case "Released":
                return $"live on {stage.Str("deployment", "endpointName") ?? "its endpoint"} since {J.Time(stage.Str("deployment", "completedAt"))}";
            case "Rejected":
            {
                if (stage.At("evaluation", "passed") is { ValueKind: JsonValueKind.False })
                {
                    var failing = stage.Items("evaluation", "metrics").Where(m => m.Str("verdict") == "Fail")
                        .Select(m => $"{m.Str("metric")} {m.Str("value")}").ToList();
                    return "the evaluation gate failed" + (failing.Count > 0 ? $": {string.Join(", ", failing)}" : "");
                }
                var no = stage.Items("approvals").FirstOrDefault(a => a.Str("decision") == "reject");
                return no.ValueKind == JsonValueKind.Object ? $"rejected by {no.Str("by")}" + (no.Str("comment") is { } c ? $": {c}" : "") : "rejected";
            }
            case "Expired":
                return "no decision before the approval expired";
            case "Failed":
            case "RolledBack":
                return (stage.Str("failure", "error") ?? "") + (stage.Str("failure", "cause") is { } cause ? $": {cause}" : "");
            case "Cancelled":
                return "cancelled";
            default:
                return "";
        }
    }

    private static string Detail(JsonElement stage, Snapshot s) => Detail(stage, s.Eligibility, s.Traffic, s.Release);

    private static string Outcome(Snapshot s)
    {
        var r = s.Release;
        var stages = r.Items("stages").ToList();
        var what = Markup.Escape($"{r.Str("model")} v{r.Str("version")}");
        if (s.Status == "Released")
        {
            return $"[green]Released[/] {what} to {Markup.Escape(string.Join(", ", stages.Select(x => x.Str("environment"))))}.";
        }
        var ended = stages.FirstOrDefault(x => Endings.Contains(x.Str("status") ?? "") && x.Str("status") != "Released");
        var where = ended.ValueKind == JsonValueKind.Object ? $" in {Markup.Escape(ended.Str("environment") ?? "-")}" : "";
        var why = ended.ValueKind == JsonValueKind.Object ? Detail(ended, s) : "";
        return $"{Render.Status(s.Status)} {what}{where}{(why.Length > 0 ? ": " + Markup.Escape(why) : "")}.";
    }
}
