using System.Text.Json;
using Spectre.Console;

namespace ReleaseCenter.Cli.Commands;

/// <summary>Tables and key-value panels for people; every dynamic text is escaped (a model name is not markup).</summary>
internal static class Render
{
    public static void Table(IAnsiConsole console, IEnumerable<JsonElement> rows, params (string Header, Func<JsonElement, string?> Cell)[] columns)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var (header, _) in columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(header)));
        }
        var count = 0;
        foreach (var row in rows)
        {
            table.AddRow(columns.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c.Cell(row) ?? "-")).ToArray());
            count++;
        }
        if (count == 0)
        {
            console.WriteLine("Nothing matches.");
            return;
        }
        console.Write(table);
    }

    public static void Pairs(IAnsiConsole console, params (string Key, string? Value)[] pairs)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (key, value) in pairs.Where(p => p.Value is not null))
        {
            grid.AddRow(new Markup($"[grey]{Markup.Escape(key)}[/]"), new Text(value!));
        }
        console.Write(grid);
    }

    /// <summary>A release or stage status with its colour: green released, red for the endings that are not, yellow waiting.</summary>
    public static string Status(string? status) => status switch
    {
        "Released" => "[green]Released[/]",
        "Rejected" or "Expired" or "Failed" or "RolledBack" or "Cancelled" => $"[red]{status}[/]",
        "AwaitingApproval" => "[yellow]AwaitingApproval[/]",
        "Queued" or "Pending" => $"[grey]{status}[/]",
        null => "-",
        _ => $"[blue]{Markup.Escape(status)}[/]",
    };

    public static string ShortDigest(string? digest) => digest is { Length: > 19 } ? digest[..19] + "…" : digest ?? "-";
}
