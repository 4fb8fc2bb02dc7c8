using Amazon.Runtime;

namespace ReleaseCenter.Functions.Tests.Fakes;

/// <summary>Errors as the AWS clients raise them: AmazonServiceException with the service's error code.</summary>
public static class AwsErrors
{
    public static AmazonServiceException Of(string code, string message, System.Net.HttpStatusCode status = System.Net.HttpStatusCode.BadRequest) =>
        new(message, null, ErrorType.Sender, code, "fake-request", status);

    public static AmazonServiceException Throttling(string operation) =>
        Of("ThrottlingException", $"Rate exceeded ({operation})");
}

/// <summary>
/// Faults to inject into a fake: the next calls of an operation fail with the given exception.
/// Every fake records each call it answered, so a test can assert what reached "AWS".
/// </summary>
public abstract class FakeService
{
    private readonly Dictionary<string, Queue<Exception>> _faults = new(StringComparer.Ordinal);
    private readonly List<string> _calls = [];

    /// <summary>Operations called, in order (failed calls included).</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The next <paramref name="times"/> calls of <paramref name="operation"/> throw <paramref name="error"/>.</summary>
    public void Fail(string operation, Exception error, int times = 1)
    {
        lock (_faults)
        {
            if (!_faults.TryGetValue(operation, out var queue))
            {
                _faults[operation] = queue = new Queue<Exception>();
            }
            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(error);
            }
        }
    }

    /// <summary>Records the call and throws an armed fault, if any.</summary>
    protected void Enter(string operation)
    {
        lock (_calls)
        {
            _calls.Add(operation);
        }
        lock (_faults)
        {
            if (_faults.TryGetValue(operation, out var queue) && queue.Count > 0)
            {
                throw queue.Dequeue();
            }
        }
    }
}
