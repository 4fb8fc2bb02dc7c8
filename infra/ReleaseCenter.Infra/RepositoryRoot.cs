using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra;

/// <summary>
/// The repository's root folder, which holds cdk.json and the files the stack is built from
/// (statemachines/, config/). `cdk synth` runs the app from there; tests run it from their bin
/// folder; both find the root by walking up.
/// </summary>
public static class RepositoryRoot
{
    /// <summary>Walks up from the working directory, then from the app's own folder, to the first folder with cdk.json and the workflow definition.</summary>
    public static string Find()
    {
        string[] starts = [Directory.GetCurrentDirectory(), AppContext.BaseDirectory];
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "cdk.json")) &&
                    File.Exists(Path.Combine(dir.FullName, ReleaseWorkflow.DefinitionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Cannot find the repository root (a folder with cdk.json and {ReleaseWorkflow.DefinitionFile}) above " +
            $"'{starts[0]}' or '{starts[1]}'. Run cdk from the repository root.");
    }

    /// <summary>A context path as given if absolute, else relative to the repository root (where cdk.json is), not to wherever cdk was started.</summary>
    public static string Resolve(string root, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
}
