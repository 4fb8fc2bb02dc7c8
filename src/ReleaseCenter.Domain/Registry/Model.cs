using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Registry;

/// <summary>A registered model: a name under a project, and a counter of its versions.</summary>
public sealed record Model(
    string Name,
    string Project,
    string? Description,
    string? Owner,
    IReadOnlyDictionary<string, string> Tags,
    int LatestVersion,
    DateTimeOffset CreatedAt,
    string CreatedBy)
{
    public const int MaxTags = 50;

    /// <summary>Validates a request to register a model and builds it; throws <see cref="DomainValidationException"/>.</summary>
    public static Model Create(ModelDraft draft, string actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new ValidationErrors();
        errors.Check("name", Rules.ModelName(draft.Name));
        errors.Check("project", Rules.ResourceName(draft.Project)
            ?? (draft.Project == Audit.AuditChains.Organization ? $"'{Audit.AuditChains.Organization}' is reserved for changes that belong to no project (freezes)." : null));
        errors.Check("description", Rules.OptionalText(draft.Description, 2000));
        errors.Check("owner", Rules.OptionalText(draft.Owner, 256));
        var tags = draft.Tags ?? new Dictionary<string, string>();
        if (tags.Count > MaxTags)
        {
            errors.Add("tags", $"must have at most {MaxTags} entries.");
        }
        foreach (var (key, value) in tags)
        {
            errors.Check($"tags.{key}", Rules.Key(key));
            errors.Check($"tags.{key}", value is null ? "must be a string." : Rules.OptionalText(value, 256));
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
        return new Model(draft.Name!, draft.Project!, draft.Description, draft.Owner ?? actor,
            new SortedDictionary<string, string>(tags.ToDictionary(), StringComparer.Ordinal), 0, now, actor);
    }
}

/// <summary>What a caller asks for when registering a model; fields are unchecked until <see cref="Model.Create"/>.</summary>
public sealed record ModelDraft(
    string? Name,
    string? Project,
    string? Description = null,
    string? Owner = null,
    IReadOnlyDictionary<string, string>? Tags = null);
