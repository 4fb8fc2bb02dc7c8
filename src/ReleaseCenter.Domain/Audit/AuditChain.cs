using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Audit;

/// <summary>
/// The hash chain's rules, pure so that anyone can re-check an export.
/// <para>Canonical form of an entry: the JSON object of every member but the hash,
/// <c>{"action","actor","at","details","previousHash","project","seq","subject"}</c>, keys sorted by
/// ordinal at every level, no whitespace, <c>at</c> as <c>yyyy-MM-ddTHH:mm:ss.fffZ</c>, <c>seq</c> an
/// integer, strings escaping only <c>"</c>, <c>\</c> and control characters (RFC 8785 for this shape;
/// Python's <c>json.dumps(e, sort_keys=True, separators=(",", ":"), ensure_ascii=False)</c> gives the same text).</para>
/// <para><c>hash = "sha256:" + hex(SHA-256(UTF-8(previousHash + "\n" + canonical)))</c>; the first
/// entry's previousHash is <see cref="GenesisHash"/>.</para>
/// </summary>
public static partial class AuditChain
{
    public const string HashPrefix = "sha256:";
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
    public const int MaxDetails = 50;
    public const int MaxDetailValueLength = 2048;
    public const int MaxTextLength = 256;
    public const int MaxIdempotencyKeyLength = 512;

    public static readonly string GenesisHash = HashPrefix + new string('0', 64);

    [GeneratedRegex(@"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")]
    private static partial Regex ActionPattern();

    /// <summary>Rejects a record the chain cannot hold faithfully (sizes bound the item; lone surrogates have no UTF-8 form).</summary>
    /// <exception cref="DomainValidationException">with one entry per offending field.</exception>
    public static void Validate(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var errors = new ValidationErrors();
        errors.Check("project", Rules.ResourceName(record.Project));
        errors.Check("actor", Text(record.Actor, MaxTextLength));
        errors.Check("action", Action(record.Action));
        errors.Check("subject", Text(record.Subject, MaxTextLength));
        if (record.Details is { } details)
        {
            if (details.Count > MaxDetails)
            {
                errors.Add("details", $"must have at most {MaxDetails} entries.");
            }
            foreach (var (key, value) in details)
            {
                var field = $"details.{key}";
                errors.Check(field, Rules.Key(key));
                errors.Check(field, value is null ? "is required." : value.Length > MaxDetailValueLength
                    ? $"must be at most {MaxDetailValueLength} characters." : !IsWellFormed(value) ? "must be valid Unicode text." : null);
            }
        }
        if (record.IdempotencyKey is not null)
        {
            errors.Check("idempotencyKey", Text(record.IdempotencyKey, MaxIdempotencyKeyLength));
        }
        if (!errors.IsValid)
        {
            throw new DomainValidationException(errors);
        }
    }

    /// <summary>An action such as "release.approved": lowercase dot-separated words, at most 64 characters. Null when fine.</summary>
    public static string? Action(string? value) => value switch
    {
        null or "" => "is required.",
        { Length: > 64 } => "must be at most 64 characters.",
        _ when !ActionPattern().IsMatch(value) => "must be lowercase words separated by dots, such as 'release.approved'.",
        _ => null,
    };

    /// <summary>Required single-line text of at most <paramref name="maxLength"/> characters. Null when fine.</summary>
    public static string? Text(string? value, int maxLength) => value switch
    {
        null or "" => "is required.",
        _ when value.Length > maxLength => $"must be at most {maxLength} characters.",
        _ when value.Any(char.IsControl) => "must not contain control characters.",
        _ when !IsWellFormed(value) => "must be valid Unicode text.",
        _ => null,
    };

    /// <summary>The next link after <paramref name="head"/>: numbered, timestamped (to the millisecond) and hashed.</summary>
    public static AuditEntry Seal(AuditRecord record, AuditHead head, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(head);
        var details = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in record.Details ?? new Dictionary<string, string>())
        {
            details[key] = value;
        }
        var entry = new AuditEntry(record.Project, head.Seq + 1, TruncateToMilliseconds(now), record.Actor, record.Action, record.Subject, details,
            head.Hash, "");
        return entry with { Hash = ComputeHash(entry) };
    }

    /// <summary>The hash <paramref name="entry"/> must carry, from its own content and previous hash (its <c>Hash</c> is ignored).</summary>
    public static string ComputeHash(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var input = Encoding.UTF8.GetBytes(entry.PreviousHash + "\n" + Canonical(entry));
        return HashPrefix + Convert.ToHexStringLower(SHA256.HashData(input));
    }

    public static string FormatTime(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTimeOffset TruncateToMilliseconds(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
    }

    /// <summary>The canonical JSON text of everything in <paramref name="entry"/> but its hash (see the class summary).</summary>
    public static string Canonical(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var members = new SortedDictionary<string, Action<StringBuilder>>(StringComparer.Ordinal)
        {
            ["action"] = sb => WriteString(sb, entry.Action),
            ["actor"] = sb => WriteString(sb, entry.Actor),
            ["at"] = sb => WriteString(sb, FormatTime(entry.At)),
            ["details"] = sb =>
            {
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in entry.Details.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        sb.Append(',');
                    }
                    first = false;
                    WriteString(sb, key);
                    sb.Append(':');
                    WriteString(sb, value);
                }
                sb.Append('}');
            },
            ["previousHash"] = sb => WriteString(sb, entry.PreviousHash),
            ["project"] = sb => WriteString(sb, entry.Project),
            ["seq"] = sb => sb.Append(entry.Seq.ToString(CultureInfo.InvariantCulture)),
            ["subject"] = sb => WriteString(sb, entry.Subject),
        };
        var text = new StringBuilder(256);
        text.Append('{');
        var firstMember = true;
        foreach (var (name, write) in members)
        {
            if (!firstMember)
            {
                text.Append(',');
            }
            firstMember = false;
            WriteString(text, name);
            text.Append(':');
            write(text);
        }
        return text.Append('}').ToString();
    }

    /// <summary>RFC 8785 string escaping: the short escapes where JSON has them, \u00xx for other control characters, everything else as is.</summary>
    private static void WriteString(StringBuilder sb, string value)
    {
        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    private static bool IsWellFormed(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }
        return true;
    }
}
