using Amazon.Runtime;

namespace ReleaseCenter.Aws.Clients;

/// <summary>
/// Describe calls that answer null for a resource that does not exist. SageMaker reports a
/// missing endpoint, config or model as ValidationException (there is no ResourceNotFound for
/// them); for a well-formed name, that code means "not found". Names we generate are well-formed
/// by construction (<see cref="Resources.SageMakerNames"/>).
/// </summary>
public static class SageMakerLookups
{
    public static Task<DescribeEndpointResponse?> FindEndpointAsync(this ISageMaker client, string name, CancellationToken ct) =>
        OrNullAsync(() => client.DescribeEndpointAsync(name, ct));

    public static Task<DescribeEndpointConfigResponse?> FindEndpointConfigAsync(this ISageMaker client, string name, CancellationToken ct) =>
        OrNullAsync(() => client.DescribeEndpointConfigAsync(name, ct));

    public static Task<DescribeModelResponse?> FindModelAsync(this ISageMaker client, string name, CancellationToken ct) =>
        OrNullAsync(() => client.DescribeModelAsync(name, ct));

    private static async Task<T?> OrNullAsync<T>(Func<Task<T>> describe) where T : class
    {
        try
        {
            return await describe().ConfigureAwait(false);
        }
        catch (AmazonServiceException ex) when (ex.ErrorCode == SageMakerErrors.Validation)
        {
            return null;
        }
    }
}
