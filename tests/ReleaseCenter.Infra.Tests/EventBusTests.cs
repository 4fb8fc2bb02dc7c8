using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class EventBusTests(SynthesizedStackFixture stack)
{
    private readonly ResourceNames _names = new(SynthesizedStackFixture.Stage);

    [Fact]
    public void EventBus_IsNamedFromResourceNames()
    {
        var (_, bus) = stack.Single("AWS::Events::EventBus");
        Assert.Equal(_names.EventBusName, (string)bus["Name"]!);
    }

    [Fact]
    public void EventArchive_KeepsEveryEventOfTheOwnBusForAYear()
    {
        var (busId, _) = stack.Single("AWS::Events::EventBus");
        var (_, archive) = stack.Single("AWS::Events::Archive");

        Assert.Equal(_names.EventArchiveName, (string)archive["ArchiveName"]!);
        Assert.Equal(365, (int)archive["RetentionDays"]!);
        Assert.Equal([busId], TemplateJson.ReferencedIds(archive["SourceArn"]));
        Assert.Equal("""{"account":[{"Ref":"AWS::AccountId"}]}""", archive["EventPattern"]!.ToJsonString());
    }
}
