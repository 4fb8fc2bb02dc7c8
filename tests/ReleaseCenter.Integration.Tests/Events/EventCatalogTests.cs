using System.Text.RegularExpressions;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Integration.Tests.Events;

/// <summary>
/// docs/events.md is the contract consumers build rules on: every detail-type the code can emit must be in its table,
/// and the table must not promise one that nobody emits. Reads the sources, so no emulator is needed.
/// </summary>
public sealed partial class EventCatalogTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void EveryEmittedDetailType_IsDocumented_AndEveryDocumentedOneIsEmitted()
    {
        var (emitted, codeProblems) = EmittedDetailTypes(Root);
        var markdown = File.ReadAllText(Path.Combine(Root, "docs", "events.md"));
        var (documented, docProblems) = DocumentedDetailTypes(markdown);
        var strays = StrayTableRows(markdown);

        var problems = codeProblems.Concat(docProblems).ToList();
        var undocumented = emitted.Keys.Except(documented).Order(StringComparer.Ordinal).ToList();
        var unemitted = documented.Except(emitted.Keys).Order(StringComparer.Ordinal).ToList();
        problems.AddRange(undocumented.Select(t => $"{t} is emitted ({emitted[t]}) but missing from the table in docs/events.md"
            + (strays.Contains(t) ? " (it is on a table row after a blank line: a blank line ends a markdown table)" : "")));
        problems.AddRange(unemitted.Select(t => $"{t} is documented in docs/events.md but nothing in src/ emits it"));

        Assert.True(problems.Count == 0, "The event catalog and the code disagree:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void Scanner_FindsLiteralsConstantsAndOutcomeFamilies()
    {
        // Guards the scanner itself: a scanner that finds nothing would make the catalog test pass vacuously.
        var dir = Directory.CreateTempSubdirectory("event-catalog-");
        try
        {
            var src = Directory.CreateDirectory(Path.Combine(dir.FullName, "src", "X"));
            File.WriteAllText(Path.Combine(src.FullName, "A.cs"), """
                class A
                {
                    const string Drift = "drift.detected.v1";
                    async Task Go()
                    {
                        await announcer.AnnounceAsync("model.registered.v2", new() { ["a"] = "b" }, ct);
                        await announcer.AnnounceAsync(Drift, detail, ct);
                        await announcer.AnnounceAsync($"rollback.{outcome.ToLowerInvariant()}.v1", detail, ct);
                        await announcer.AnnounceAsync($"mystery.{thing}.v1", detail, ct);
                        await announcer.AnnounceAsync(Unknown, detail, ct);
                    }
                }
                """);
            File.WriteAllText(Path.Combine(src.FullName, "B.cs"), """return new FinishResult(x, $"release.{Kebab(final.ToString())}.v1", detail);""");

            var (emitted, problems) = EmittedDetailTypes(dir.FullName);

            Assert.Contains("model.registered.v2", emitted.Keys);
            Assert.Contains("drift.detected.v1", emitted.Keys);
            Assert.Contains("rollback.expired.v1", emitted.Keys);
            Assert.Contains("release.rolled-back.v1", emitted.Keys);
            Assert.Contains(problems, p => p.Contains("mystery.{thing}.v1", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("Unknown", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void DocsParser_ExpandsBraceListsAndCommaSeparatedCells()
    {
        const string Doc = """
            | detail-type | emitted by | when |
            |---|---|---|
            | `a.b.v1` | x | y |
            | `c.d.v1`, `c.e.v1` | x | y |
            | `retrain.{started,failed}.v1` | x | y |
            | `release.{outcome}.v1` | x | y |

            | other table | x |
            |---|---|
            | `not.an-event.v1` | x |
            """;

        var (documented, problems) = DocumentedDetailTypes(Doc);

        Assert.Equal(["a.b.v1", "c.d.v1", "c.e.v1", "retrain.failed.v1", "retrain.started.v1"], documented.Order(StringComparer.Ordinal));
        Assert.Contains(problems, p => p.Contains("release.{outcome}.v1", StringComparison.Ordinal));
        Assert.Equal(["not.an-event.v1"], StrayTableRows(Doc));
    }

    /// <summary>Detail-type -> where it comes from (for the failure message), plus what the scanner could not resolve.</summary>
    private static (Dictionary<string, string> Emitted, List<string> Problems) EmittedDetailTypes(string root)
    {
        var emitted = new Dictionary<string, string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var files = Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .Select(f => (Name: Path.GetRelativePath(root, f), Text: File.ReadAllText(f)))
            .ToList();
        var constants = files.SelectMany(f => ConstantPattern().Matches(f.Text))
            .GroupBy(m => m.Groups["name"].Value, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(m => m.Groups["value"].Value).Distinct(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

        foreach (var (name, text) in files)
        {
            foreach (Match call in AnnounceCallPattern().Matches(text))
            {
                var argument = call.Groups["arg"].Value.Trim();
                var where = $"{name}:{LineOf(text, call.Index)}";
                if (argument.StartsWith("$\"", StringComparison.Ordinal))
                {
                    continue; // interpolated: handled with every other interpolated detail-type below
                }
                if (argument.StartsWith('"'))
                {
                    var literal = argument.Trim('"');
                    if (DetailTypePattern().IsMatch(literal))
                    {
                        emitted.TryAdd(literal, where);
                    }
                    else
                    {
                        problems.Add($"{where}: AnnounceAsync(\"{literal}\") is not a versioned detail-type (noun.verb.vN)");
                    }
                    continue;
                }
                var identifier = argument.Split('.')[^1];
                if (constants.TryGetValue(identifier, out var values) && values.Count == 1)
                {
                    emitted.TryAdd(values[0], $"{where} via {identifier}");
                }
                else
                {
                    problems.Add($"{where}: cannot tell which detail-type AnnounceAsync({argument}) emits; use a string literal or a const string");
                }
            }

            // Interpolated detail-types: the outcome families. Anywhere, not only in AnnounceAsync: FinishResult
            // carries release.{outcome}.v1 to the state machine, which puts the event itself.
            foreach (Match family in InterpolatedDetailTypePattern().Matches(text))
            {
                var where = $"{name}:{LineOf(text, family.Index)}";
                var prefix = family.Groups["prefix"].Value;
                var version = family.Groups["version"].Value;
                IEnumerable<string>? outcomes = prefix switch
                {
                    // FinishAsync announces the release's final status: every terminal status, kebab-cased.
                    "release" => Enum.GetValues<ReleaseStatus>().Where(s => s.IsTerminal()).Select(s => Kebab(s.ToString())),
                    // StopAsync announces the rollback's final status, lower-cased.
                    "rollback" => Enum.GetValues<RollbackStatus>().Where(IsFinal).Select(s => s.ToString().ToLowerInvariant()),
                    _ => null,
                };
                if (outcomes is null)
                {
                    problems.Add($"{where}: unknown interpolated detail-type {family.Value}; teach {nameof(EventCatalogTests)} which values it takes");
                    continue;
                }
                foreach (var outcome in outcomes)
                {
                    emitted.TryAdd($"{prefix}.{outcome}.{version}", $"{where} ({prefix} outcome)");
                }
            }
        }
        return (emitted, problems);
    }

    /// <summary>The first column of every table whose header starts with "detail-type".</summary>
    private static (HashSet<string> Documented, List<string> Problems) DocumentedDetailTypes(string markdown)
    {
        var documented = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var inCatalog = false;
        foreach (var raw in markdown.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith('|'))
            {
                inCatalog = false;
                continue;
            }
            var firstCell = line.Split('|')[1].Trim();
            if (firstCell.Equals("detail-type", StringComparison.OrdinalIgnoreCase))
            {
                inCatalog = true;
                continue;
            }
            if (!inCatalog || firstCell.StartsWith("---", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (Match code in CodeSpanPattern().Matches(firstCell))
            {
                foreach (var expanded in ExpandBraces(code.Groups[1].Value))
                {
                    if (DetailTypePattern().IsMatch(expanded))
                    {
                        documented.Add(expanded);
                    }
                    else
                    {
                        problems.Add($"docs/events.md lists `{code.Groups[1].Value}`: write each outcome out (`a.{{x,y}}.v1` or `a.x.v1`, `a.y.v1`), not '{expanded}'");
                    }
                }
            }
        }
        return (documented, problems);
    }

    /// <summary>Detail-types on '|' rows that are not part of the catalog table, for a better failure message.</summary>
    private static HashSet<string> StrayTableRows(string markdown)
    {
        var all = markdown.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|'))
            .SelectMany(l => CodeSpanPattern().Matches(l.Split('|')[1]).Select(m => m.Groups[1].Value))
            .SelectMany(ExpandBraces);
        return all.Where(t => DetailTypePattern().IsMatch(t)).Except(DocumentedDetailTypes(markdown).Documented).ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> ExpandBraces(string text)
    {
        var open = text.IndexOf('{', StringComparison.Ordinal);
        var close = open < 0 ? -1 : text.IndexOf('}', open);
        if (close < 0 || !text[open..close].Contains(',', StringComparison.Ordinal))
        {
            return [text];
        }
        var head = text[..open];
        var tail = text[(close + 1)..];
        return text[(open + 1)..close].Split(',').SelectMany(choice => ExpandBraces(head + choice.Trim() + tail));
    }

    private static bool IsFinal(RollbackStatus status)
    {
        var side = new RollbackSide("r", 1, "c", "d");
        return new Rollback("rb", "env", "m", "e", side, side, "", "", DateTimeOffset.UnixEpoch, status, DateTimeOffset.UnixEpoch).IsFinal;
    }

    /// <summary>Like FinishStep: RolledBack -> rolled-back.</summary>
    private static string Kebab(string pascal) => PascalBoundary().Replace(pascal, "-$1").ToLowerInvariant();

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Serverless.sln above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"^[a-z-]+\.[a-z-]+\.v[0-9]+$")]
    private static partial Regex DetailTypePattern();

    /// <summary>A call's first argument, up to the first comma (detail-types hold no commas).</summary>
    [GeneratedRegex(@"\.AnnounceAsync\(\s*(?<arg>[^,()]+(?:\([^()]*\))?[^,]*),")]
    private static partial Regex AnnounceCallPattern();

    [GeneratedRegex(@"\bconst\s+string\s+(?<name>\w+)\s*=\s*""(?<value>[a-z-]+\.[a-z-]+\.v[0-9]+)""")]
    private static partial Regex ConstantPattern();

    [GeneratedRegex(@"\$""(?<prefix>[a-z-]+)\.\{[^""]*\}\.(?<version>v[0-9]+)""")]
    private static partial Regex InterpolatedDetailTypePattern();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpanPattern();

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex PascalBoundary();
}
