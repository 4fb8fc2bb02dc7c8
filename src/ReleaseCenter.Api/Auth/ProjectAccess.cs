using System.Security.Claims;
using ReleaseCenter.Domain.Access;
using ReleaseCenter.Domain.Errors;
using ReleaseCenter.Functions;

namespace ReleaseCenter.Api.Auth;

/// <summary>
/// The project check of a write (api.md, "Roles"): a route lets in whoever holds the role in some project; the write then
/// needs it in the project that owns what it changes, globally or as "{project}:{role}".
/// </summary>
public sealed class ProjectAccess(ModelProjects projects)
{
    /// <summary>Who may change a project's models, releases, rollbacks, consumers, drift settings and templates.</summary>
    public static readonly IReadOnlyList<string> Writers = [Roles.Engineers, Roles.Admins];

    /// <summary>Who may change a project's or a model's policy.</summary>
    public static readonly IReadOnlyList<string> Admins = [Roles.Admins];

    /// <exception cref="RequestRefusedException">403: the caller holds none of <paramref name="roles"/> in <paramref name="project"/>.</exception>
    public static void Require(ClaimsPrincipal user, string project, IReadOnlyList<string> roles, string action)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var held = ProjectRoles.In(Roles.GroupsOf(user), project);
        if (!roles.Any(held.Contains))
        {
            throw new RequestRefusedException(RefusalKind.Forbidden, "Forbidden",
                $"To {action} in project {project} you need one of the groups {ProjectRoles.Describe(project, roles)}.");
        }
    }

    /// <summary>As <see cref="Require"/>, for the project of <paramref name="model"/>; a model that does not exist is left to the write, which says so.</summary>
    public async Task RequireForModelAsync(ClaimsPrincipal user, string? model, IReadOnlyList<string> roles, string action, CancellationToken ct)
    {
        if (Domain.Validation.Rules.ResourceName(model) is null && await projects.FindAsync(model!, ct).ConfigureAwait(false) is { } project)
        {
            Require(user, project, roles, action);
        }
    }

    /// <summary>Whether the caller holds any role at all in <paramref name="project"/> (who may see its consumers' contacts).</summary>
    public static bool HoldsAnyRole(ClaimsPrincipal user, string project) =>
        ProjectRoles.In(Roles.GroupsOf(user), project).Any(g => g is Roles.Engineers or Roles.Admins || g.StartsWith(Roles.ApproverPrefix, StringComparison.Ordinal));
}
