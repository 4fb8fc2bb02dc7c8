using System.Text.Json.Nodes;

namespace ReleaseCenter.Infra.Tests;

/// <summary>Small helpers for reading CloudFormation JSON, where many fields are "a value or a list of values".</summary>
internal static class TemplateJson
{
    public static IEnumerable<JsonNode?> OneOrMany(JsonNode? node) =>
        node switch
        {
            null => Array.Empty<JsonNode?>(),
            JsonArray array => array,
            _ => new[] { node },
        };

    public static IEnumerable<string> Strings(JsonNode? node) =>
        OneOrMany(node).OfType<JsonValue>().Select(v => v.GetValue<string>());

    /// <summary>Logical ids a fragment points at through Ref or Fn::GetAtt (pseudo parameters excluded).</summary>
    public static IEnumerable<string> ReferencedIds(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "Ref" && value is JsonValue v && !v.GetValue<string>().StartsWith("AWS::", StringComparison.Ordinal))
                    {
                        yield return v.GetValue<string>();
                    }
                    else if (key == "Fn::GetAtt" && value is JsonArray att)
                    {
                        yield return att[0]!.GetValue<string>();
                    }
                    else
                    {
                        foreach (var id in ReferencedIds(value))
                        {
                            yield return id;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var id in array.SelectMany(ReferencedIds))
                {
                    yield return id;
                }

                break;
        }
    }

    /// <summary>Tags as a dictionary, whether the type uses [{Key, Value}] or a plain map (ApiGatewayV2; Cognito's UserPoolTags).</summary>
    public static Dictionary<string, string> Tags(JsonObject properties) =>
        (properties["Tags"] ?? properties["UserPoolTags"]) switch
        {
            JsonArray list => list.Select(t => t!.AsObject()).ToDictionary(t => (string)t["Key"]!, t => (string)t["Value"]!),
            JsonObject map => map.ToDictionary(t => t.Key, t => (string)t.Value!),
            _ => [],
        };

    /// <summary>
    /// A value as one string, with intrinsics written the way Fn::Sub would: {"Ref":"X"} as ${X},
    /// {"Fn::GetAtt":["X","Arn"]} as ${X.Arn}, Fn::Join joined. For asserting on ARNs.
    /// </summary>
    public static string Text(JsonNode? node) =>
        node switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonObject o when o["Ref"] is JsonValue r => $"${{{r.GetValue<string>()}}}",
            JsonObject o when o["Fn::GetAtt"] is JsonArray a => $"${{{a[0]!.GetValue<string>()}.{a[1]!.GetValue<string>()}}}",
            JsonObject o when o["Fn::Join"] is JsonArray j => string.Join(j[0]!.GetValue<string>(), j[1]!.AsArray().Select(Text)),
            JsonObject o when o["Fn::Sub"] is JsonValue sub => sub.GetValue<string>(),
            _ => throw new InvalidOperationException($"Cannot render {node?.ToJsonString()} as text."),
        };

    /// <summary>Each (action, resource) a statement allows, resources rendered by <see cref="Text"/>.</summary>
    public static IEnumerable<(string Action, string Resource)> Grants(JsonObject statement) =>
        from action in Strings(statement["Action"])
        from resource in OneOrMany(statement["Resource"])
        select (action, Text(resource));
}
