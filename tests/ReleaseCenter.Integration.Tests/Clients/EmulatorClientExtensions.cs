using Amazon.SQS;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Integration.Tests.Clients;

internal static class EmulatorClientExtensions
{
    public static AwsClientOptions ClientOptions(this EmulatorFixture emulator) =>
        new() { ServiceUrl = emulator.ServiceUrl, Region = emulator.Region, Credentials = emulator.Credentials };

    public static AmazonSQSClient SqsClient(this EmulatorFixture emulator) =>
        new(emulator.Credentials, new AmazonSQSConfig { ServiceURL = emulator.ServiceUrl, AuthenticationRegion = emulator.Region });

    public static string RoleArn(this EmulatorFixture emulator, string name) => $"arn:aws:iam::{emulator.AccountId}:role/{name}";
}

internal static class Poll
{
    /// <summary>Reads until <paramref name="done"/> holds, at most <paramref name="attempts"/> times; returns the last read.</summary>
    /// <remarks>The default allows 30 seconds: the emulator is shared by a collection's tests, and two collections run side by side.</remarks>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, int attempts = 600, int delayMilliseconds = 50)
    {
        var value = await read();
        for (var attempt = 1; attempt < attempts && !done(value); attempt++)
        {
            await Task.Delay(delayMilliseconds);
            value = await read();
        }
        return value;
    }
}

/// <summary>A clock ahead of the real one, for a step that decides by elapsed time (the state machine's own calls keep the real clock).</summary>
internal sealed class AheadClock(TimeSpan ahead) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
}
