using Amazon.CDK;

namespace ReleaseCenter.Infra;

/// <summary>What Program does, callable from tests so they exercise the same context handling.</summary>
public static class ReleaseCenterApp
{
    public static ReleaseCenterStack AddStacks(App app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var props = ReleaseCenterStackProps.FromContext(app);
        props.StackName = $"{Aws.Resources.ResourceNames.Service}-{props.Stage}";
        return new ReleaseCenterStack(app, $"ReleaseCenter-{props.Stage}", props);
    }
}
