using Amazon.Runtime;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Functions;
using ReleaseCenter.Lambda.Api;

namespace ReleaseCenter.Lambda.Tests;

/// <summary>Settings and events for tests that never reach AWS.</summary>
internal static class TestHost
{
    /// <summary>The repository's own environment policy (config/environments.json), as the CDK app passes it.</summary>
    public static ReleaseCenterSettings Settings() =>
        new("test", "release-center-registry-test", "release-center-events-test", null, EnvironmentsJson.Value, "");

    private static readonly Lazy<string> EnvironmentsJson = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "config", "environments.json");
            if (File.Exists(file))
            {
                return File.ReadAllText(file);
            }
        }
        throw new FileNotFoundException("config/environments.json was not found above the test's directory.");
    });

    /// <summary>Nothing listens on port 9: a test that reached AWS would fail, not silently pass.</summary>
    public static AwsClientOptions Aws { get; } = new()
    {
        ServiceUrl = "http://127.0.0.1:9",
        Region = "us-east-1",
        Credentials = new BasicAWSCredentials("test", "test"),
    };

    public static HttpApiV2Request Event(
        string method, string rawPath, string rawQueryString = "", IReadOnlyDictionary<string, string>? claims = null,
        string? body = null, bool base64 = false, IReadOnlyDictionary<string, string>? headers = null,
        IReadOnlyList<string>? cookies = null, string stage = "$default") => new()
        {
            RawPath = rawPath,
            RawQueryString = rawQueryString,
            Headers = headers ?? new Dictionary<string, string> { ["host"] = "api.example.test", ["user-agent"] = "tests" },
            Cookies = cookies,
            Body = body,
            IsBase64Encoded = base64,
            RequestContext = new HttpApiV2RequestContext
            {
                RequestId = "req-" + Guid.NewGuid().ToString("N"),
                Stage = stage,
                Http = new HttpApiV2Http { Method = method, Protocol = "HTTP/1.1", SourceIp = "203.0.113.7" },
                Authorizer = claims is null ? null : new HttpApiV2Authorizer
                {
                    Jwt = new HttpApiV2Jwt
                    {
                        Claims = claims.ToDictionary(c => c.Key, c => System.Text.Json.JsonSerializer.SerializeToElement(c.Value)),
                    },
                },
            },
        };
}
