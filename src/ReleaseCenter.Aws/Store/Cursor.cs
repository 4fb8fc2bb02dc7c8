using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using ReleaseCenter.Domain.Ports;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Encodes DynamoDB's LastEvaluatedKey as an opaque, URL-safe cursor. Our keys are all strings,
/// so the cursor is a flat JSON object of strings. A cursor is only accepted back if it carries
/// exactly the key attributes of the query it is used with.
/// </summary>
internal static class Cursor
{
    public static string? Encode(Dictionary<string, AttributeValue>? lastEvaluatedKey)
    {
        if (lastEvaluatedKey is null || lastEvaluatedKey.Count == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in lastEvaluatedKey.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                writer.WriteString(name, value.S);
            }
            writer.WriteEndObject();
        }
        return Convert.ToBase64String(buffer.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static Dictionary<string, AttributeValue>? Decode(string? cursor, IReadOnlyCollection<string> expectedAttributes)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(base64)));
            var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidCursorException("The cursor is not valid.");
                }
                key[property.Name] = Attr.S(property.Value.GetString()!);
            }
            if (key.Count != expectedAttributes.Count || !expectedAttributes.All(key.ContainsKey))
            {
                throw new InvalidCursorException("The cursor does not belong to this listing.");
            }
            return key;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidCursorException("The cursor is not valid.");
        }
    }
}
