using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// A resource tag. Step Functions spells the members key/value, EventBridge and SageMaker Key/Value:
/// each service's serializer context applies its own naming.
/// </summary>
public sealed record ResourceTag(string Key, string Value);

/// <summary>
/// AWS JSON protocols send timestamps as epoch seconds, a number that may carry a fraction.
/// Strings (ISO 8601 or numeric) are accepted too, as some emulators send them.
/// </summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            return FromSeconds(reader.GetDecimal());
        }
        var text = reader.GetString() ?? throw new JsonException("A timestamp was null.");
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? FromSeconds(seconds)
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000m);
    }

    private static DateTimeOffset FromSeconds(decimal seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Round(seconds * 1000m));
}

/// <summary>Body of operations that answer with an empty object.</summary>
internal sealed record EmptyResponse;
