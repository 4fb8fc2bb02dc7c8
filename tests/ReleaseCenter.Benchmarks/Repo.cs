namespace ReleaseCenter.Benchmarks;

internal static class Repo
{
    /// <summary>The repository's root: the first directory above the working directory, then above this assembly, holding Serverless.sln.</summary>
    public static string Root()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Serverless.sln was not found above the working directory: run from the repository.");
    }
}
