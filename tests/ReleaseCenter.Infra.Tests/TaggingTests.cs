using ReleaseCenter.Aws.Resources;

namespace ReleaseCenter.Infra.Tests;

[Collection(SynthesizedStackCollection.Name)]
public sealed class TaggingTests(SynthesizedStackFixture stack)
{
    /// <summary>Resource types in this stack whose CloudFormation schema has Tags.</summary>
    private static readonly HashSet<string> Taggable =
    [
        "AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::Lambda::Function", "AWS::Logs::LogGroup",
        "AWS::IAM::Role", "AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::StepFunctions::StateMachine",
        "AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::S3::Bucket", "AWS::CloudFront::Distribution", "AWS::Cognito::UserPool",
        "AWS::SQS::Queue", "AWS::Lambda::EventSourceMapping", "AWS::SecretsManager::Secret",
    ];

    /// <summary>Types CloudFormation cannot tag; listed so a new resource type forces a decision here.</summary>
    private static readonly HashSet<string> Untaggable =
    [
        "AWS::CloudWatch::Dashboard", "AWS::Events::Archive", "AWS::Events::Rule", "AWS::IAM::Policy", "AWS::Lambda::Permission",
        "AWS::ApiGatewayV2::Route", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer",
        "AWS::CDK::Metadata", "AWS::Events::Connection", "AWS::Events::ApiDestination", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy",
        "AWS::S3::BucketPolicy", "AWS::CloudFront::Function", "AWS::CloudFront::OriginAccessControl", "AWS::Cognito::UserPoolDomain",
        "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup", "AWS::Cognito::UserPoolResourceServer", "AWS::SQS::QueuePolicy",
    ];

    [Fact]
    public void Stack_TagsEveryTaggableResourceWithServiceStageAndVersion()
    {
        var resources = stack.Resources().ToList();
        var unknown = resources.Select(r => (string)r.Resource["Type"]!).Where(t => !Taggable.Contains(t) && !Untaggable.Contains(t)).Distinct().ToList();
        Assert.True(unknown.Count == 0, $"Decide whether these types take tags and list them in {nameof(TaggingTests)}: {string.Join(", ", unknown)}");

        var taggable = resources.Where(r => Taggable.Contains((string)r.Resource["Type"]!)).ToList();
        Assert.Equal(Taggable.Order(StringComparer.Ordinal), taggable.Select(r => (string)r.Resource["Type"]!).Distinct().Order(StringComparer.Ordinal));

        foreach (var (logicalId, resource) in taggable)
        {
            var tags = TemplateJson.Tags(resource["Properties"]!.AsObject());
            Assert.True(tags.GetValueOrDefault("service") == ResourceNames.Service, $"{logicalId} service tag: {tags.GetValueOrDefault("service")}");
            Assert.True(tags.GetValueOrDefault("stage") == SynthesizedStackFixture.Stage, $"{logicalId} stage tag: {tags.GetValueOrDefault("stage")}");
            Assert.True(tags.GetValueOrDefault("version") == SynthesizedStackFixture.Version, $"{logicalId} version tag: {tags.GetValueOrDefault("version")}");
        }
    }
}
