using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace ReleaseCenter.Aws.Store;

/// <summary>Small, explicit conversions between CLR values and DynamoDB attribute values.</summary>
internal static class Attr
{
    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    /// <summary>"R" round-trips every finite double exactly.</summary>
    public static AttributeValue N(double value) => new() { N = value.ToString("R", CultureInfo.InvariantCulture) };

    public static AttributeValue Time(DateTimeOffset value) => S(FormatTime(value));

    /// <summary>ISO-8601 UTC with fixed width, so string order is time order (sort keys rely on it).</summary>
    public static string FormatTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static void PutIfNotNull(this Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (value is not null)
        {
            item[name] = S(value);
        }
    }

    public static string GetS(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.S is not null ? v.S : throw new InvalidDataException($"Item lacks string attribute '{name}'.");

    public static string? GetSOrNull(this Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) ? v.S : null;

    public static long GetLong(this Dictionary<string, AttributeValue> item, string name) =>
        long.Parse(item.TryGetValue(name, out var v) && v.N is not null ? v.N : throw new InvalidDataException($"Item lacks number attribute '{name}'."),
            CultureInfo.InvariantCulture);

    public static double ParseDouble(AttributeValue v) =>
        double.Parse(v.N ?? throw new InvalidDataException("Expected a number attribute."), CultureInfo.InvariantCulture);

    public static DateTimeOffset GetTime(this Dictionary<string, AttributeValue> item, string name) =>
        DateTimeOffset.Parse(item.GetS(name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
