namespace ReleaseCenter.Domain.Access;

/// <summary>
/// Project-scoped roles (policies issue, item 3): a group may name a project, "payments:ml-engineers" or
/// "payments:approvers-prod", and then holds its role in that project only; a group without a project ("ml-engineers")
/// holds it in every project. Whatever checks a role in a project (a write's authorization, an approval policy's
/// groups) sees <see cref="In"/>: the caller's groups as they count there.
/// </summary>
public static class ProjectRoles
{
    public const char Separator = ':';

    /// <summary>The groups that count in <paramref name="project"/>: the global ones, and the project's own, both with and without their prefix.</summary>
    public static IReadOnlySet<string> In(IReadOnlySet<string> groups, string project)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(project);
        var prefix = project + Separator;
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            if (!group.Contains(Separator, StringComparison.Ordinal))
            {
                held.Add(group);
            }
            else if (group.StartsWith(prefix, StringComparison.Ordinal) && group.Length > prefix.Length)
            {
                // The role ("approvers-prod"), and the group itself, which a policy may name ("retail:approvers-prod").
                held.Add(group[prefix.Length..]);
                held.Add(group);
            }
        }
        return held;
    }

    /// <summary>Whether the caller holds <paramref name="role"/> in some project (or everywhere): enough to reach a write route, whose handler then checks the project.</summary>
    public static bool Anywhere(IReadOnlySet<string> groups, string role)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var suffix = Separator + role;
        return groups.Contains(role) || groups.Any(g => g.EndsWith(suffix, StringComparison.Ordinal) && g.IndexOf(Separator, StringComparison.Ordinal) == g.Length - suffix.Length
            && g.Length > suffix.Length);
    }

    /// <summary>The groups that would give <paramref name="role"/> in <paramref name="project"/>, for a refusal's words.</summary>
    public static string Describe(string project, IReadOnlyList<string> roles) =>
        string.Join(" or ", roles.SelectMany(r => new[] { r, $"{project}{Separator}{r}" }));
}
