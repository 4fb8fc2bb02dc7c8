using System.Globalization;
using System.Text;

namespace ReleaseCenter.Benchmarks;

/// <summary>A table of figures as printed: a title, column headers, rows of formatted cells.</summary>
public sealed class Table(string title, params string[] headers)
{
    public string Title { get; } = title;

    public IReadOnlyList<string> Headers { get; } = headers;

    public List<string[]> Rows { get; } = [];

    public Table Add(params string[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != Headers.Count)
        {
            throw new ArgumentException($"The table '{Title}' has {Headers.Count} columns, not {cells.Length}.", nameof(cells));
        }
        Rows.Add(cells);
        return this;
    }
}

/// <summary>A target from the issue, what was measured against it, and whether it holds.</summary>
public sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>What one suite found: its tables, its targets, and notes that explain the figures.</summary>
public sealed class SuiteReport(string name, string title)
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<Table> Tables { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    public List<string> Notes { get; } = [];

    public TimeSpan Duration { get; set; }

    public Table Table(string title, params string[] headers)
    {
        var table = new Table(title, headers);
        Tables.Add(table);
        return table;
    }

    public void Target(string target, string measured, bool met) => Targets.Add(new TargetCheck(target, measured, met));

    public void WriteText(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(Title);
        foreach (var table in Tables)
        {
            output.WriteLine();
            output.WriteLine(table.Title);
            var widths = table.Headers.Select((h, i) => Math.Max(h.Length, table.Rows.Count == 0 ? 0 : table.Rows.Max(r => r[i].Length))).ToArray();
            output.WriteLine("  " + string.Join("  ", table.Headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
            output.WriteLine("  " + string.Join("  ", widths.Select(w => new string('-', w))));
            foreach (var row in table.Rows)
            {
                // Text left, figures right, as a reader scans them.
                output.WriteLine("  " + string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
            }
        }
        if (Targets.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Targets");
            foreach (var t in Targets)
            {
                output.WriteLine($"  [{(t.Met ? "met" : "MISSED")}] {t.Target}: {t.Measured}");
            }
        }
        foreach (var note in Notes)
        {
            output.WriteLine($"  note: {note}");
        }
        output.WriteLine($"({Name} took {Duration.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)");
    }

    public string ToMarkdown(string machine, DateTimeOffset at)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### {Title}: {at:yyyy-MM-dd HH:mm} UTC\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Machine: {machine}. The suite took {Duration.TotalSeconds:0} s.\n");
        foreach (var table in Tables)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n{table.Title}\n\n");
            md.Append("| ").Append(string.Join(" | ", table.Headers.Select(Escape))).Append(" |\n");
            md.Append('|').Append(string.Join('|', table.Headers.Select((_, i) => i == 0 ? "---" : "---:"))).Append("|\n");
            foreach (var row in table.Rows)
            {
                md.Append("| ").Append(string.Join(" | ", row.Select(Escape))).Append(" |\n");
            }
        }
        if (Targets.Count > 0)
        {
            md.Append("\n| target | measured | met |\n|---|---|---|\n");
            foreach (var t in Targets)
            {
                md.Append(CultureInfo.InvariantCulture, $"| {Escape(t.Target)} | {Escape(t.Measured)} | {(t.Met ? "yes" : "**no**")} |\n");
            }
        }
        foreach (var note in Notes)
        {
            md.Append(CultureInfo.InvariantCulture, $"\n- {note}");
        }
        return md.Append(Notes.Count > 0 ? "\n" : "").ToString();
    }

    private static string Escape(string cell) => cell.Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>docs/benchmarks.md: the text above "## Runs" is written by hand; each suite run appends its figures below it.</summary>
public static class BenchmarksFile
{
    public const string RunsHeading = "## Runs";

    public static void Append(string path, SuiteReport report, string machine, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = File.Exists(path) ? File.ReadAllText(path) : $"# Benchmarks\n\n{RunsHeading}\n";
        if (!text.Contains(RunsHeading, StringComparison.Ordinal))
        {
            text = text.TrimEnd() + $"\n\n{RunsHeading}\n";
        }
        File.WriteAllText(path, text.TrimEnd() + "\n\n" + report.ToMarkdown(machine, at));
    }
}

/// <summary>Order statistics and the number formats the tables use (fixed decimals: no 0.038999999999999924).</summary>
public static class Stats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return double.NaN;
        }
        var sorted = values.Order().ToArray();
        // Nearest rank: p99 of 100 samples is the 99th value, never an interpolation between two requests.
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double Median(IReadOnlyList<double> values) => Percentile(values, 50);

    public static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture) + " ms" : ms < 100 ? ms.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : ms.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB";

    public static string Count(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Dollars(decimal value) => "$" + value.ToString(value < 0.01m ? "0.0000000" : "0.0000", CultureInfo.InvariantCulture);

    public static string Ratio(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + "×";

    public static string Fixed(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
