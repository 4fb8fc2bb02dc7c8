using ReleaseCenter.Domain.Notifications;

namespace ReleaseCenter.Domain.Tests.Notifications;

public sealed class NotificationPolicyTests
{
    [Fact]
    public void RepositoryConfig_Parses()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        var policy = NotificationPolicy.Parse(File.ReadAllText(Path.Combine(dir!.FullName, "config", "notifications.json")));

        Assert.NotEmpty(policy.Destinations);
        Assert.All(policy.Destinations, d => Assert.NotEmpty(d.Events));
    }

    [Fact]
    public void ValidPolicy_GivesEachDestinationItsProjectAndEvents()
    {
        var policy = NotificationPolicy.Parse("""
            {"links":{"baseUrl":"https://rc.example.com/"},"projects":[{"project":"payments","destinations":[
              {"name":"payments-slack","type":"webhook","url":"https://hooks.example.com/T1/B2/secret","events":["release.approval-requested.v1"]},
              {"name":"payments-email","type":"email","email":"oncall@example.com","events":["release.released.v1","rollback.completed.v1"]}]}]}
            """);

        Assert.Equal("https://rc.example.com", policy.BaseUrl);
        var slack = Assert.Single(policy.Destinations, d => d.Type == DestinationType.Webhook);
        Assert.Equal(("payments", "payments-slack"), (slack.Project, slack.Name));
        Assert.Equal(["release.released.v1", "rollback.completed.v1"], policy.Destinations.Single(d => d.Type == DestinationType.Email).Events);
    }

    [Fact]
    public void InvalidPolicy_ReportsEveryProblemWithItsPath_AndNeverTheWebhookUrl()
    {
        var ex = Assert.Throws<NotificationPolicyException>(() => NotificationPolicy.Parse("""
            {"links":{},"projects":[{"project":"Payments","destinations":[
              {"name":"slack","type":"pager","events":[]},
              {"name":"hook","type":"webhook","url":"ftp://hooks.example.com/secret-token","events":["approval requested"]},
              {"name":"hook","type":"email","email":"not-an-address","events":["release.released.v1"]}]}]}
            """));

        Assert.Contains(ex.Errors, e => e.StartsWith("links.baseUrl:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].project:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].destinations[0].type:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].destinations[0].events:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].destinations[1].url:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].destinations[1].events[0]:", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.StartsWith("projects[0].destinations[2].email:", StringComparison.Ordinal));
        Assert.DoesNotContain("secret-token", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateDestinationNames_AreRefused()
    {
        var ex = Assert.Throws<NotificationPolicyException>(() => NotificationPolicy.Parse("""
            {"links":{"baseUrl":"http://127.0.0.1:5080"},"projects":[
              {"project":"payments","destinations":[{"name":"team-mail","type":"email","email":"a@example.com","events":["release.released.v1"]}]},
              {"project":"lending","destinations":[{"name":"team-mail","type":"email","email":"b@example.com","events":["release.released.v1"]}]}]}
            """));

        Assert.Contains(ex.Errors, e => e.Contains("'team-mail' is used 2 times", StringComparison.Ordinal));
    }
}
