using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace ReleaseCenter.Cli.Commands;

/// <summary>
/// rc approve / rc reject: the same vote as the console's side panel. It shows the evidence first (bundle digest,
/// evaluation against thresholds and what is live, votes so far), asks for confirmation unless --yes, and sends the
/// digests it showed, so a vote on evidence that changed meanwhile is refused (409) rather than counted.
/// </summary>
internal static class ApprovalCommands
{
    public static Command Approve(CliContext context, string decision)
    {
        var id = new Argument<string>("id") { Description = "The release id (rel-…)" };
        var comment = new Option<string>("--comment") { Description = "Why (recorded with the vote)" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation (needed when not in an interactive terminal)" };
        var command = new Command(decision, decision == "approve"
            ? "Approve the stage of a release that waits for approval, after seeing its evidence"
            : "Reject the stage of a release that waits for approval, after seeing its evidence")
        {
            id, comment, yes,
        };
        command.SetAction(Session.Run(context, async (s, ct) =>
        {
            var releaseId = s.Parse.GetValue(id)!;
            var path = $"/v1/releases/{Uri.EscapeDataString(releaseId)}";
            var release = await s.Api.GetAsync(path, ct).ConfigureAwait(false);
            var stage = release.Items("stages").FirstOrDefault(x => x.Str("status") == "AwaitingApproval");
            if (stage.ValueKind != JsonValueKind.Object)
            {
                await context.Error.WriteLineAsync($"Error: release {releaseId} has no stage waiting for approval (it is {release.Str("status")}).").ConfigureAwait(false);
                return ExitCodes.Error;
            }
            var eligibility = await s.Api.GetAsync(path + "/approvals/eligibility", ct).ConfigureAwait(false);
            if (!s.Json)
            {
                ShowEvidence(s.Out, release, stage, eligibility);
            }
            if (eligibility.At("canVote") is { ValueKind: JsonValueKind.False })
            {
                await context.Error.WriteLineAsync($"Error: you cannot vote on {stage.Str("environment")}:").ConfigureAwait(false);
                foreach (var reason in eligibility.Items("reasons"))
                {
                    await context.Error.WriteLineAsync($"  {reason.Str("message")}").ConfigureAwait(false);
                }
                return ExitCodes.Error;
            }
            var verb = decision == "approve" ? "Approve" : "Reject";
            if (!s.Parse.GetValue(yes))
            {
                if (!context.Interactive)
                {
                    throw new UsageException($"{verb} needs --yes when it cannot ask (no interactive terminal).");
                }
                if (!s.Out.Confirm($"{verb} {Markup.Escape($"{release.Str("model")} v{release.Str("version")}")} for {Markup.Escape(stage.Str("environment") ?? "")}?", defaultValue: false))
                {
                    s.Out.WriteLine("Nothing was sent.");
                    return ExitCodes.Ok;
                }
            }
            var body = new JsonObject
            {
                ["decision"] = decision,
                ["comment"] = s.Parse.GetValue(comment),
                ["bundleDigest"] = release.Str("bundle", "digest"),
                ["evaluationDigest"] = stage.Str("evaluationDigest"),
            };
            var state = await s.Api.PostAsync(path + "/approvals", body, ct).ConfigureAwait(false);
            return s.Show(state, () =>
            {
                var environment = state.Str("environment");
                var remaining = state.Int("remaining");
                s.Out.WriteLine(state.Str("decision") switch
                {
                    "approve" or "approved" or "Approved" => $"Approved {environment}: the release proceeds.",
                    "reject" or "rejected" or "Rejected" => $"Rejected {environment}: the release stops there.",
                    _ => remaining > 0
                        ? $"Your vote is recorded; {environment} needs {remaining} more approval{(remaining == 1 ? "" : "s")}."
                        : $"Your vote is recorded for {environment}.",
                });
            });
        }));
        return command;
    }

    private static void ShowEvidence(IAnsiConsole console, JsonElement release, JsonElement stage, JsonElement eligibility)
    {
        console.MarkupLineInterpolated($"[bold]{release.Str("model")} v{release.Str("version")}[/] → [bold]{stage.Str("environment")}[/]  ({release.Str("id")})");
        Render.Pairs(console,
            ("Requested by", release.Str("requestedBy")),
            ("Notes", release.Str("notes")),
            ("Bundle", release.Str("bundle", "digest")),
            ("Evaluation", stage.Str("evaluationDigest")),
            ("Approvals", $"{eligibility.Int("required") - eligibility.Int("remaining")} of {eligibility.Int("required")}" +
                (stage.Items("approvals").Any() ? $" (by {string.Join(", ", stage.Items("approvals").Select(a => $"{a.Str("by")}: {a.Str("decision")}"))})" : "")),
            ("Approver groups", string.Join(", ", eligibility.Items("approverGroups").Select(g => g.GetString()))),
            ("Expires", eligibility.Str("expiresAt") is { } at ? J.Time(at) : null));
        Render.Table(console, stage.Items("evaluation", "metrics"),
            ("Metric", m => m.Str("metric")), ("Value", m => m.Str("value")), ("Threshold", m => m.Str("threshold")),
            ("Live", m => m.Str("liveValue")), ("Better than live by", m => m.At("delta") is { } d ? (d.GetDouble() > 0 ? "+" : "") + J.Number(d.GetDouble()) : null),
            ("Verdict", m => m.Str("verdict")));
    }
}
