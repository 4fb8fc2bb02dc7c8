using System.Text.Json;
using System.Text.RegularExpressions;
using ReleaseCenter.Domain.Events;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Rollbacks;

namespace ReleaseCenter.Integration.Tests.Events;

/// <summary>
/// docs/events.md is the contract consumers build rules on. Events are typed (one record per detail-type,
/// ReleaseCenter.Domain.Events): every detail-type a type can take must be in the catalog table with an example
/// whose fields are exactly the type's, and the table must not promise one that no type declares.
/// </summary>
public sealed partial class EventCatalogTests
{
    private static readonly string Root = FindRepositoryRoot();

    [Fact]
    public void EveryEventType_IsDocumented_AndEveryDocumentedOneIsATypedEvent()
    {
        var emitted = EmittedDetailTypes();
        var markdown = File.ReadAllText(Path.Combine(Root, "docs", "events.md"));
        var (documented, problems) = DocumentedDetailTypes(markdown);
        var strays = StrayTableRows(markdown);

        var undocumented = emitted.Keys.Except(documented).Order(StringComparer.Ordinal).ToList();
        var unemitted = documented.Except(emitted.Keys).Order(StringComparer.Ordinal).ToList();
        problems.AddRange(undocumented.Select(t => $"{t} ({emitted[t].Type.Name}) is missing from the table in docs/events.md"
            + (strays.Contains(t) ? " (it is on a table row after a blank line: a blank line ends a markdown table)" : "")));
        problems.AddRange(unemitted.Select(t => $"{t} is documented in docs/events.md but no event type in ReleaseCenter.Domain.Events declares it"));

        Assert.True(problems.Count == 0, "The event catalog and the code disagree:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void EveryDocumentedExample_HasExactlyTheFieldsOfItsType()
    {
        var markdown = File.ReadAllText(Path.Combine(Root, "docs", "events.md"));
        var examples = Examples(markdown);
        var problems = new List<string>();
        foreach (var (detailType, (type, sample)) in EmittedDetailTypes())
        {
            var fields = JsonDocument.Parse(EventJsonContext.ToOutbox(sample).Detail).RootElement.EnumerateObject().Select(p => p.Name)
                .Append("project") // present whenever the event names a model, so the example shows it
                .ToHashSet(StringComparer.Ordinal);
            if (!examples.TryGetValue(detailType, out var example))
            {
                problems.Add($"{detailType}: no \"## \" section of docs/events.md shows an example of it");
                continue;
            }
            var shown = example.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            var missing = fields.Except(shown).Order(StringComparer.Ordinal).ToList();
            var extra = shown.Except(fields).Order(StringComparer.Ordinal).ToList();
            if (missing.Count > 0 || extra.Count > 0)
            {
                problems.Add($"{detailType} ({type.Name}): the example lacks [{string.Join(", ", missing)}] and shows [{string.Join(", ", extra)}] that the type does not have");
            }
        }
        Assert.True(problems.Count == 0, "docs/events.md's examples and the event types disagree:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void OutcomeFamilies_CoverEveryWayAReleaseOrRollbackEnds()
    {
        // FinishStep announces every terminal status but Cancelled (cancelling stops the execution; the API announces it).
        Assert.Equal(Enum.GetValues<ReleaseStatus>().Where(s => s.IsTerminal() && s != ReleaseStatus.Cancelled).Select(s => s.ToString()).Order(),
            ReleaseEnded.Outcomes.Order());
        Assert.Equal(Enum.GetValues<RollbackStatus>().Where(s => IsFinal(s) && s != RollbackStatus.Completed).Select(s => s.ToString()).Order(),
            RollbackEnded.Outcomes.Order());
    }

    [Fact]
    public void EventIds_AreStablePerChange_AndDifferPerDetailType()
    {
        var first = new ReleaseCancelled("rel-1", "m", "alice").Keyed("release/rel-1/-/cancelled", "payments");
        var again = new ReleaseCancelled("rel-1", "m", "alice").Keyed("release/rel-1/-/cancelled", "payments");
        var other = new ReleaseRequested("rel-1", "m", "1", "dev", "alice", "sha256:x").Keyed("release/rel-1/-/cancelled", "payments");
        Assert.Equal(first.Id, again.Id);
        Assert.NotEqual(first.Id, other.Id);
        Assert.Matches("^evt-[0-9a-f]{32}$", first.Id);
        var detail = JsonDocument.Parse(EventJsonContext.ToOutbox(first).Detail).RootElement;
        Assert.Equal(first.Id, detail.GetProperty("id").GetString());
        Assert.Equal("payments", detail.GetProperty("project").GetString());
        Assert.Throws<InvalidOperationException>(() => EventJsonContext.ToOutbox(new ReleaseCancelled("rel-1", "m", "alice")));
    }

    /// <summary>
    /// Detail-type -> its type and a sample, from every event type in the domain assembly: a type whose detail-type depends on
    /// a value (an outcome, a stage) takes each value its static list names.
    /// </summary>
    private static Dictionary<string, (Type Type, ReleaseCenterEvent Sample)> EmittedDetailTypes()
    {
        var emitted = new Dictionary<string, (Type, ReleaseCenterEvent)>(StringComparer.Ordinal);
        var types = typeof(ReleaseCenterEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ReleaseCenterEvent)) && !t.IsAbstract).ToList();
        Assert.True(types.Count >= 15, $"found only {types.Count} event types: the reflection is broken");
        foreach (var type in types)
        {
            var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            var parameters = ctor.GetParameters();
            var familyParameter = parameters.FirstOrDefault(p => p.Name is "Outcome" or "Stage");
            var values = familyParameter is null ? [null]
                : ((IEnumerable<string>)type.GetProperty(familyParameter.Name == "Outcome" ? "Outcomes" : "Stages")!.GetValue(null)!).Cast<string?>();
            foreach (var value in values)
            {
                var args = parameters.Select(p => p == familyParameter ? value : (object?)$"sample-{p.Name}").ToArray();
                var sample = ((ReleaseCenterEvent)ctor.Invoke(args)).Keyed("sample", "payments");
                Assert.Matches(DetailTypePattern(), sample.DetailType);
                Assert.True(emitted.TryAdd(sample.DetailType, (type, sample)), $"{sample.DetailType} is declared twice ({type.Name}, {emitted.GetValueOrDefault(sample.DetailType).Item1?.Name})");
            }
        }
        return emitted;
    }

    /// <summary>Each "## heading" names detail-types (comma-separated, braces expanded); its first indented block is their JSON example.</summary>
    private static Dictionary<string, JsonElement> Examples(string markdown)
    {
        var examples = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var sections = markdown.Split("\n## ").Skip(1);
        foreach (var section in sections)
        {
            var lines = section.Split('\n');
            var names = TopLevelParts(lines[0]).SelectMany(n => ExpandBraces(n.Trim().Trim('`'))).Where(n => DetailTypePattern().IsMatch(n)).ToList();
            var block = string.Join('\n', lines.Skip(1).SkipWhile(l => !l.StartsWith("    ", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("    ", StringComparison.Ordinal)));
            if (names.Count == 0 || block.Length == 0)
            {
                continue;
            }
            var json = JsonDocument.Parse(block).RootElement.Clone();
            foreach (var name in names)
            {
                examples[name] = json;
            }
        }
        return examples;
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

    /// <summary>"a.b.v1, c.{d,e}.v1" -> "a.b.v1", "c.{d,e}.v1": commas inside braces stay.</summary>
    private static IEnumerable<string> TopLevelParts(string heading)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < heading.Length; i++)
        {
            depth += heading[i] switch { '{' => 1, '}' => -1, _ => 0 };
            if (heading[i] == ',' && depth == 0)
            {
                yield return heading[start..i];
                start = i + 1;
            }
        }
        yield return heading[start..];
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

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpanPattern();
}
