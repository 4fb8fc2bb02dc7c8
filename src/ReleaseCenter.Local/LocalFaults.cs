using System.Collections.Concurrent;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Functions.Workflow;

namespace ReleaseCenter.Local;

/// <summary>
/// The local SageMaker stand-in's fault switch: verification of a model version in an
/// environment can be told to fail, so the automatic rollback path can be seen and tested.
/// </summary>
public sealed class LocalFaults
{
    private readonly ConcurrentDictionary<(string Environment, string Model, int Version), string> _failVerification = new();

    public void FailVerification(string environment, string model, int version, string reason) =>
        _failVerification[(environment, model, version)] = reason;

    public bool TryGetVerificationFault(string environment, string model, int version, out string reason) =>
        _failVerification.TryGetValue((environment, model, version), out reason!);

    public IReadOnlyList<(string Environment, string Model, int Version, string Reason)> All =>
        _failVerification.Select(f => (f.Key.Environment, f.Key.Model, f.Key.Version, f.Value)).ToArray();
}

/// <summary>Verification as in AWS, unless a fault was injected for this version and environment.</summary>
public sealed class LocalEndpointVerifier(SageMakerEndpointVerifier real, LocalFaults faults) : IEndpointVerifier
{
    public Task<(bool Healthy, string Reason)> VerifyAsync(Release release, string environment, string endpointName, string expectedConfig, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(release);
        return faults.TryGetVerificationFault(environment, release.Model, release.Version, out var reason)
            ? Task.FromResult((false, $"{endpointName}: {reason}"))
            : real.VerifyAsync(release, environment, endpointName, expectedConfig, ct);
    }
}
