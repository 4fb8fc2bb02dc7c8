using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class ScheduledFunctionTests(SynthesizedStackFixture stack)
{
    [Fact]
    public void EachScheduledHandler_HasItsFunction_AndARuleThatInvokesItOnItsSchedule()
    {
        Assert.NotEmpty(ReleaseWorkflow.ScheduledFunctions);
        foreach (var (task, schedule) in ReleaseWorkflow.ScheduledFunctions)
        {
            var (functionId, function) = stack.Function(stack.Names.FunctionName(task.Handler));
            Assert.Equal(task.Handler, (string)function["Handler"]!);

            var rule = Assert.Single(stack.Resources("AWS::Events::Rule"),
                r => TemplateJson.ReferencedIds(r.Resource["Properties"]!["Targets"]?[0]?["Arn"]).Contains(functionId)).Resource["Properties"]!;
            Assert.Equal(schedule, (string?)rule["ScheduleExpression"]);
            Assert.Single(rule["Targets"]!.AsArray());
            Assert.Contains(stack.Resources("AWS::Lambda::Permission"), p =>
                (string?)p.Resource["Properties"]!["Principal"] == "events.amazonaws.com"
                && TemplateJson.ReferencedIds(p.Resource["Properties"]!["FunctionName"]).Contains(functionId));
        }
    }
}
