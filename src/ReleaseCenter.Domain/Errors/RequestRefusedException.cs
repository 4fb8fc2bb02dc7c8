namespace ReleaseCenter.Domain.Errors;

/// <summary>What kind of refusal a use case reports; the API alone decides what each means in HTTP.</summary>
public enum RefusalKind
{
    /// <summary>The thing asked about does not exist.</summary>
    NotFound,

    /// <summary>The request clashes with the current state (already exists, already finished, locked, not waiting).</summary>
    Conflict,

    /// <summary>The caller is known but may not do this (not an approver, self-approval, admins only).</summary>
    Forbidden,

    /// <summary>A service the use case needs did not answer; nothing changed and the caller may try again.</summary>
    Unavailable,
}

/// <summary>
/// A request a use case refused, with a short title, the reason, and the request field it names (if any).
/// Invalid input is <see cref="Validation.DomainValidationException"/> instead.
/// </summary>
public class RequestRefusedException(RefusalKind kind, string title, string detail, string? field = null) : Exception(detail)
{
    public RefusalKind Kind { get; } = kind;

    public string Title { get; } = title;

    public string? Field { get; } = field;
}
