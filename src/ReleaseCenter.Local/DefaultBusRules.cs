using Microsoft.Extensions.Hosting;
using ReleaseCenter.Aws.Clients;

namespace ReleaseCenter.Local;

/// <summary>
/// Removes this host's rules from the emulator's default bus when the host stops. The default bus
/// outlives a host (the tests start hundreds against one emulator), and every SageMaker event would
/// otherwise go to the targets of every host that ever ran, long gone.
/// </summary>
internal sealed class DefaultBusRules(AwsClientOptions aws, IReadOnlyList<(string Rule, string Target)> rules) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        using var events = new EventBridgeClient(aws);
        foreach (var (rule, target) in rules)
        {
            try
            {
                await events.RemoveTargetsAsync(rule, [target], cancellationToken: cancellationToken).ConfigureAwait(false);
                await events.DeleteRuleAsync(rule, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or HttpRequestException or OperationCanceledException)
            {
                // The emulator may be going away too; nothing is left to clean then.
            }
        }
    }
}
