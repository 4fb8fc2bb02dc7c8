using ReleaseCenter.Benchmarks;

// dotnet run -c Release --project tests/ReleaseCenter.Benchmarks -- <suite|all> [--smoke] [--no-write]
// Each suite prints its tables and appends them, with the date and the machine, to docs/benchmarks.md.
var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var flags = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
var unknown = flags.Except(["--smoke", "--no-write", "--no-publish"]).ToList();
if (names.Count != 1 || unknown.Count > 0 || (names[0] != "all" && SuiteRunner.Find(names[0]) is null))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project tests/ReleaseCenter.Benchmarks -- <{string.Join('|', SuiteRunner.All.Select(s => s.Name))}|all> [--smoke] [--no-write]");
    Console.Error.WriteLine("  --smoke     each suite at its smallest size, once (what CI runs); figures are not written to docs/benchmarks.md");
    Console.Error.WriteLine("  --no-write  print the tables only");
    Console.Error.WriteLine("  --no-publish  coldstart: measure the builds the last full run published in artifacts/benchmarks");
    return 2;
}
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var options = new BenchmarkOptions(Smoke: flags.Contains("--smoke"), Write: !flags.Contains("--smoke") && !flags.Contains("--no-write"), Repo.Root(), Console.Out)
{
    Publish = !flags.Contains("--no-publish"),
};
var failed = await SuiteRunner.RunAsync(names[0] == "all" ? SuiteRunner.All : [SuiteRunner.Find(names[0])!], options, stop.Token);
return failed == 0 ? 0 : 1;
