namespace ReleaseCenter.Domain.Validation;

/// <summary>
/// Field-level validation failures, keyed by the JSON path of the offending field
/// (for example "datasets[1].digest"). Serialized as the problem+json "errors" member.
/// </summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            messages = [];
            _errors[field] = messages;
        }
        messages.Add(message);
    }

    public IDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}

/// <summary>Thrown when a domain rule rejects input; carries the field-level reasons.</summary>
public sealed class DomainValidationException(ValidationErrors errors)
    : Exception("The request is not valid.")
{
    public ValidationErrors Errors { get; } = errors;

    /// <summary>Every field and its reasons in one line, for logs and workflow errors: "'artifactDigest' is required."</summary>
    public string Reasons => string.Join(" ", Errors.ToDictionary().Select(e => $"'{e.Key}' {string.Join(" ", e.Value)}"));

    public static DomainValidationException For(string field, string message)
    {
        var errors = new ValidationErrors();
        errors.Add(field, message);
        return new DomainValidationException(errors);
    }
}
