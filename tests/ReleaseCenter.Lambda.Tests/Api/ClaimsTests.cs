using System.Text.Json;
using ReleaseCenter.Lambda.Api;

namespace ReleaseCenter.Lambda.Tests.Api;

public sealed class ClaimsTests
{
    [Theory]
    [InlineData("\"[a b]\"")]                  // API Gateway's flattening of a JSON array claim
    [InlineData("\"[a,b]\"")]
    [InlineData("\"a,b\"")]
    [InlineData("\"a, b\"")]
    [InlineData("\"[\\\"a\\\",\\\"b\\\"]\"")]  // a JSON array inside the string
    [InlineData("[\"a\",\"b\"]")]              // a real JSON array
    public void Groups_InEveryForm_AreOneNameEach(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(["a", "b"], ApiGatewayAuthenticationHandler.Groups(document.RootElement));
    }

    [Theory]
    [InlineData("\"a\"")]
    [InlineData("\"[a]\"")]
    public void Groups_WithOneName_IsThatName(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(["a"], ApiGatewayAuthenticationHandler.Groups(document.RootElement));
    }

    [Theory]
    [InlineData("\"[]\"")]
    [InlineData("\"\"")]
    public void Groups_Empty_IsNone(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Empty(ApiGatewayAuthenticationHandler.Groups(document.RootElement));
    }

    [Fact]
    public void OtherClaims_KeepTheirValue_NumbersAsText()
    {
        var claims = new Dictionary<string, JsonElement>
        {
            ["sub"] = JsonSerializer.SerializeToElement("u-1"),
            ["exp"] = JsonSerializer.SerializeToElement(1767225600),
            ["scope"] = JsonSerializer.SerializeToElement("a b"),
        };

        var result = ApiGatewayAuthenticationHandler.ToClaims(claims).Select(c => (c.Type, c.Value));

        Assert.Equal([("sub", "u-1"), ("exp", "1767225600"), ("scope", "a b")], result);
    }
}
