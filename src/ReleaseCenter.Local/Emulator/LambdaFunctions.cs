namespace ReleaseCenter.Local.Emulator;

/// <summary>A Lambda function body as the local endpoint runs it: JSON payload in, JSON payload out.</summary>
public delegate Task<string> LambdaFunction(string payload, CancellationToken ct);

/// <summary>
/// The functions the local AWS endpoint answers for, by function name. The same handler dispatch
/// that the Lambda bootstrap uses in AWS is registered here, so state machines run our real code.
/// </summary>
public sealed class LambdaFunctions
{
    private readonly Dictionary<string, LambdaFunction> _functions = new(StringComparer.Ordinal);

    public LambdaFunctions Add(string name, LambdaFunction function)
    {
        lock (_functions)
        {
            _functions[name] = function;
        }
        return this;
    }

    public bool TryGet(string name, out LambdaFunction function)
    {
        lock (_functions)
        {
            return _functions.TryGetValue(name, out function!);
        }
    }

    /// <summary>The name part of what the Invoke path carries: a name, a partial or full ARN, with or without a qualifier.</summary>
    public static string NameFrom(string functionNameOrArn)
    {
        ArgumentNullException.ThrowIfNull(functionNameOrArn);
        var value = Uri.UnescapeDataString(functionNameOrArn);
        var parts = value.Split(':');
        // arn:aws:lambda:region:account:function:name[:qualifier]
        if (parts.Length >= 7 && parts[0] == "arn")
        {
            return parts[6];
        }
        // account:function:name or name:qualifier
        if (parts.Length >= 3 && parts[1] == "function")
        {
            return parts[2];
        }
        return parts[0];
    }
}
