using System.Text.Json.Serialization;

namespace ReleaseCenter.Aws.Clients;

public sealed record GetSecretValueRequest(string SecretId);

public sealed record GetSecretValueResponse(string? ARN, string? Name, string? SecretString);

public sealed record CreateSecretRequest(string Name, string SecretString, string? Description = null);

public sealed record CreateSecretResponse(string? ARN, string? Name);

public sealed record PutSecretValueRequest(string SecretId, string SecretString);

public sealed record PutSecretValueResponse(string? ARN, string? Name);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GetSecretValueRequest))]
[JsonSerializable(typeof(GetSecretValueResponse))]
[JsonSerializable(typeof(CreateSecretRequest))]
[JsonSerializable(typeof(CreateSecretResponse))]
[JsonSerializable(typeof(PutSecretValueRequest))]
[JsonSerializable(typeof(PutSecretValueResponse))]
internal sealed partial class SecretsManagerJsonContext : JsonSerializerContext;

/// <summary>The Secrets Manager calls we make (the SDK package is not on our mirror): read a secret; locally, create one.</summary>
public sealed class SecretsManagerClient(AwsClientOptions? options = null) : AwsJsonServiceClient(AwsJsonService.SecretsManager, options)
{
    private static SecretsManagerJsonContext Json => SecretsManagerJsonContext.Default;

    public Task<GetSecretValueResponse> GetSecretValueAsync(string secretId, CancellationToken ct = default) =>
        InvokeJsonAsync("GetSecretValue", new GetSecretValueRequest(secretId), Json.GetSecretValueRequest, Json.GetSecretValueResponse, ct);

    /// <summary>Creates the secret, or gives an existing one of that name the new value; returns its ARN.</summary>
    public async Task<string> PutSecretAsync(string name, string value, string description, CancellationToken ct = default)
    {
        try
        {
            var created = await InvokeJsonAsync("CreateSecret", new CreateSecretRequest(name, value, description), Json.CreateSecretRequest,
                Json.CreateSecretResponse, ct).ConfigureAwait(false);
            return created.ARN!;
        }
        catch (Amazon.Runtime.AmazonServiceException ex) when (ex.ErrorCode == "ResourceExistsException")
        {
            var put = await InvokeJsonAsync("PutSecretValue", new PutSecretValueRequest(name, value), Json.PutSecretValueRequest, Json.PutSecretValueResponse, ct)
                .ConfigureAwait(false);
            return put.ARN!;
        }
    }
}
