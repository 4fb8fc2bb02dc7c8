using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Environments;

/// <summary>
/// A system that calls a model's endpoint in an environment (a service, a batch job, a team's
/// dashboard). Registered so that a rollback preview can say who is affected.
/// </summary>
public sealed record Consumer(string Environment, string Model, string Name, string? Contact, string? Description, string RegisteredBy, DateTimeOffset RegisteredAt)
{
    /// <summary>Checks a registration's fields; throws <see cref="DomainValidationException"/> naming each bad field.</summary>
    public static Consumer Create(string environment, string? model, string? name, string? contact, string? description, string actor, DateTimeOffset now)
    {
        var errors = new ValidationErrors();
        errors.Check("model", Rules.ResourceName(model));
        errors.Check("name", Rules.ResourceName(name));
        if (contact is { Length: > 256 })
        {
            errors.Add("contact", "must be at most 256 characters.");
        }
        if (description is { Length: > 1024 })
        {
            errors.Add("description", "must be at most 1024 characters.");
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        return new Consumer(environment, model!, name!, contact, description, actor, now);
    }
}
