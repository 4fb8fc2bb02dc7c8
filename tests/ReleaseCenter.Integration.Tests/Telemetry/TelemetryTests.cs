using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Telemetry;

/// <summary>
/// What an operator finds in the logs of the local stack (its stand-in for CloudWatch Logs): every line of a release's
/// steps carries the release id, the execution, the model and the environment, and each metric point is one line in
/// embedded metric format that CloudWatch would turn into that metric.
/// </summary>
[Collection("emulator")]
public sealed class TelemetryTests(EmulatorFixture emulator) : DriverTestBase(emulator)
{
    [Fact]
    public async Task AReleasesLogLines_AreFoundByItsId_AndItsMetricsAreEmfLines()
    {
        var model = await Driver.RegisterAsync(Emulator.UniqueName("telemetry"), (0.93, 80), (0.5, 80));
        var released = await Driver.ReleaseAsync(model, 1, """["dev","staging"]""");
        await Driver.WaitAsync(released, ReleaseDriver.StageStatus("staging", "AwaitingApproval"), seconds: 90);
        await Driver.ApproveAsync(released, "sam", "approvers-staging");
        await Driver.WaitAsync(released, ReleaseDriver.Status("Released"), seconds: 90);
        var rejected = await Driver.ReleaseAsync(model, 2, """["dev"]""");
        await Driver.WaitAsync(rejected, ReleaseDriver.Status("Rejected"), seconds: 90);
        var execution = (await Driver.EndedExecutionAsync(released)).ExecutionArn;

        var path = Driver.Api.App.Services.GetRequiredService<LocalLogFile>().Path;
        // Metric lines are written when the step commits; the last (the relay's) may trail the release's end by a pass.
        var lines = await Poll.UntilAsync(() => Task.FromResult(ReadLines(path)),
            all => all.Any(l => Metric(l) == ProductMetrics.EventsRelayed) && OfRelease(all, rejected).Any(l => Metric(l) == ProductMetrics.ReleasesEnded),
            attempts: 300);

        var story = OfRelease(lines, released).Where(l => Metric(l) is null).ToList();
        // One line per step invocation, tagged by the scope of the invocation: handler, execution, model, environment.
        var handlers = story.Where(l => l.TryGetProperty("handler", out _)).Select(l => l.GetProperty("handler").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "evaluate", "request-approval", "acquire-lock", "deploy", "verify", "record-deployment", "finish" }, handlers);
        Assert.All(story.Where(l => l.TryGetProperty("handler", out _)), l =>
        {
            Assert.Equal(execution, l.GetProperty("executionArn").GetString());
            Assert.Equal(model, l.GetProperty("model").GetString());
        });
        var deploy = story.First(l => l.GetProperty("handler").GetString() == "deploy" && l.GetProperty("environment").GetString() == "staging");
        Assert.Equal("Information", deploy.GetProperty("level").GetString());
        Assert.StartsWith("Step deploy done in ", deploy.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The approval wait task's payload carries a task token; the scope takes named fields only, so none reaches a line.
        Assert.DoesNotContain(lines, l => l.GetRawText().Contains("taskToken", StringComparison.OrdinalIgnoreCase));

        var metrics = OfRelease(lines, released).Concat(OfRelease(lines, rejected)).Concat(lines.Where(l => l.TryGetProperty("EventsRelayed", out _)))
            .Where(l => Metric(l) is not null).ToList();
        foreach (var line in metrics)
        {
            AssertEmf(line);
        }
        var seen = metrics.Select(l => (Metric(l), Dimension(l, "Outcome") ?? Dimension(l, "Gate") ?? Dimension(l, "Decision") ?? Dimension(l, "Environment"))).ToHashSet();
        Assert.Contains((ProductMetrics.ReleasesStarted, null), seen);
        Assert.Contains((ProductMetrics.ReleasesEnded, "Released"), seen);
        Assert.Contains((ProductMetrics.ReleasesEnded, "Rejected"), seen);
        Assert.Contains((ProductMetrics.GateRejections, "evaluation"), seen);
        Assert.Contains((ProductMetrics.ApprovalWaitSeconds, "approved"), seen);
        Assert.Contains((ProductMetrics.DeployDurationSeconds, "staging"), seen);
        Assert.Contains((ProductMetrics.EventsRelayed, null), seen);
        // Once per release, however often the steps were retried.
        Assert.Single(OfRelease(lines, released), l => Metric(l) == ProductMetrics.ReleasesStarted);
        Assert.Equal(2, OfRelease(lines, released).Count(l => Metric(l) == ProductMetrics.DeployDurationSeconds));
    }

    /// <summary>The shape CloudWatch requires of an EMF line; a line that breaks it would be kept as a log line and make no metric.</summary>
    private static void AssertEmf(JsonElement line)
    {
        var aws = line.GetProperty("_aws");
        Assert.InRange(aws.GetProperty("Timestamp").GetInt64(), DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var directive = Assert.Single(aws.GetProperty("CloudWatchMetrics").EnumerateArray());
        Assert.Equal(ProductMetrics.Namespace, directive.GetProperty("Namespace").GetString());
        var dimensions = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray()).EnumerateArray().Select(d => d.GetString()!).ToList();
        Assert.Equal("Stage", dimensions[0]);
        Assert.All(dimensions, d => Assert.Equal(JsonValueKind.String, line.GetProperty(d).ValueKind));
        var metric = Assert.Single(directive.GetProperty("Metrics").EnumerateArray());
        var name = metric.GetProperty("Name").GetString()!;
        var catalog = Assert.Single(ProductMetrics.Catalog, m => m.Name == name);
        Assert.Equal(catalog.Unit, metric.GetProperty("Unit").GetString());
        Assert.Equal(["Stage", .. catalog.Dimensions], dimensions);
        Assert.Equal(JsonValueKind.Number, line.GetProperty(name).ValueKind);
        Assert.True(line.GetProperty(name).GetDouble() >= 0);
    }

    private static string? Metric(JsonElement line) =>
        line.TryGetProperty("_aws", out var aws) ? aws.GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics")[0].GetProperty("Name").GetString() : null;

    private static string? Dimension(JsonElement line, string name) => line.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static List<JsonElement> OfRelease(IEnumerable<JsonElement> lines, string releaseId) =>
        lines.Where(l => Dimension(l, "releaseId") == releaseId).ToList();

    private static IReadOnlyList<JsonElement> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<JsonElement>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(JsonDocument.Parse(line).RootElement.Clone()); // every line is one JSON object, or this throws
            }
        }
        return lines;
    }
}
