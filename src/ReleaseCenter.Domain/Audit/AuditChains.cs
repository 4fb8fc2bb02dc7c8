namespace ReleaseCenter.Domain.Audit;

/// <summary>Which chain an audit entry goes to: its model's project, or, for a change that belongs to no project, the organization's.</summary>
public static class AuditChains
{
    /// <summary>The chain of changes that belong to no project (an environment's freeze); no project may take the name.</summary>
    public const string Organization = "release-center";
}
