using System.Text.Json;
using ReleaseCenter.Domain.Evaluation;
using ReleaseCenter.Domain.Policies;
using ReleaseCenter.Domain.Releases;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Tests;

/// <summary>Policy documents (their parsing, field by field) and the layering environment → project → model, with each setting's source.</summary>
public sealed class PolicyLayerTests
{
    private static readonly EnvironmentPolicies Defaults = EnvironmentPolicies.Parse(File.ReadAllText(Path.Combine(RepoRoot(), "config", "environments.json")));
    private static readonly DateTimeOffset At = new(2026, 12, 1, 18, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, PolicyOverride> Parse(string json, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        using var doc = JsonDocument.Parse(json);
        return PolicyDocuments.Parse(doc.RootElement, Defaults, errors);
    }

    private static PolicyDocument Document(PolicyScope scope, string name, int version, string json)
    {
        var environments = Parse(json, out var errors);
        Assert.True(errors.IsValid, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return new PolicyDocument(scope, name, version, environments, "lena", At, "test");
    }

    [Fact]
    public void AModelLayer_ReplacesTheGateWhole_AndEachSettingComesFromTheHighestLayerThatSetsIt()
    {
        var project = Document(PolicyScope.Project, "retail", 2, """
            {"prod":{"requiredMetrics":["coverage"],"approval":{"required":1,"groups":["retail:approvers-prod"],"timeoutSeconds":600},"bakeSeconds":30}}
            """);
        var model = Document(PolicyScope.Model, "forecaster", 5, """
            {"prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":0.1}],"bakeSeconds":90}}
            """);

        var effective = EffectivePolicy.Resolve(Defaults.Get("prod"), project, model, MetricDirections.Defaults);

        Assert.Equal(["mape", "coverage"], effective.Policy.Gate.Rules.Select(r => r.Metric));
        Assert.Equal(90, effective.Policy.BakeSeconds);
        Assert.Equal((1, "retail:approvers-prod"), (effective.Policy.Approval.Required, effective.Policy.Approval.Groups.Single()));
        Assert.Equal(Defaults.Get("prod").RollbackApproval, effective.Policy.RollbackApproval);
        Assert.Equal("model forecaster v5", effective.Sources[PolicyDocuments.Gate].Describe());
        Assert.Equal("model forecaster v5", effective.Sources[PolicyDocuments.BakeSeconds].Describe());
        Assert.Equal("project retail v2", effective.Sources[PolicyDocuments.Approval].Describe());
        Assert.Equal("environment prod", effective.Sources[PolicyDocuments.Deployment].Describe());
        Assert.Equal(new PolicyPin("retail", 2, 5), effective.Pin);
        Assert.Equal("model policy v5 over project retail policy v2", effective.Pin.Describe());

        // The gate passes a forecaster's metrics; a required metric it does not report fails it.
        Assert.True(effective.Policy.Gate.Evaluate(new Dictionary<string, double> { ["mape"] = 0.08, ["coverage"] = 0.9 }, null, null).Passed);
        var missing = effective.Policy.Gate.Evaluate(new Dictionary<string, double> { ["mape"] = 0.08 }, null, null);
        Assert.False(missing.Passed);
        Assert.Contains("metric 'coverage' is missing from the candidate", missing.Metrics.Single(m => m.Metric == "coverage").Reasons);
    }

    [Fact]
    public void WithoutDocuments_TheEnvironmentsDefaultsHold()
    {
        var effective = EffectivePolicy.Resolve(Defaults.Get("staging"), null, null, MetricDirections.Defaults);
        Assert.Equal(Defaults.Get("staging").Gate.Rules, effective.Policy.Gate.Rules);
        Assert.All(effective.Sources.Values, s => Assert.Equal("environment", s.Layer));
        Assert.Equal("the environments' defaults", effective.Pin.Describe());
    }

    [Theory]
    [InlineData("""{"qa":{}}""", "environments.qa")]
    [InlineData("""{"prod":{"gates":[]}}""", "environments.prod.gates")]
    [InlineData("""{"prod":{"gate":[{"metric":"mape"}]}}""", "environments.prod.gate[0].direction")]
    [InlineData("""{"prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","threshold":"low"}]}}""", "environments.prod.gate[0].threshold")]
    [InlineData("""{"prod":{"gate":[{"metric":"mape","direction":"LowerIsBetter","maxRegression":-1}]}}""", "environments.prod.gate[0].maxRegression")]
    [InlineData("""{"prod":{"gate":[{"metric":"m","direction":"LowerIsBetter"},{"metric":"m","direction":"HigherIsBetter"}]}}""", "environments.prod.gate[1].metric")]
    [InlineData("""{"prod":{"requiredMetrics":["a b"]}}""", "environments.prod.requiredMetrics[0]")]
    [InlineData("""{"prod":{"approval":{"required":2,"timeoutSeconds":60}}}""", "environments.prod.approval.groups")]
    [InlineData("""{"prod":{"approval":{"required":1,"groups":[],"timeoutSeconds":60}}}""", "environments.prod.approval.groups")]
    [InlineData("""{"prod":{"approval":{"required":1,"groups":["g"],"timeoutSeconds":60,"onRejection":"shrug"}}}""", "environments.prod.approval.onRejection")]
    [InlineData("""{"prod":{"bakeSeconds":1.5}}""", "environments.prod.bakeSeconds")]
    [InlineData("""{"prod":{"deployment":{"strategy":"canary","canaryPercent":90}}}""", "environments.prod.deployment")]
    [InlineData("""{"prod":{"rollback":{"approvals":1}}}""", "environments.prod.rollback")]
    [InlineData("""{"prod":{"requiredSoakSeconds":-60}}""", "environments.prod.requiredSoakSeconds")]
    [InlineData("""[]""", "environments")]
    public void ABadSetting_IsNamedByItsPath(string json, string field)
    {
        Parse(json, out var errors);
        Assert.False(errors.IsValid);
        Assert.Contains(field, errors.ToDictionary().Keys);
    }

    [Fact]
    public void TheDiff_SaysEachChangedSettingOnce_AndWhatItWas()
    {
        var v1 = Document(PolicyScope.Model, "m", 1, """{"prod":{"bakeSeconds":60,"requiredSoakSeconds":600},"staging":{"bakeSeconds":5}}""");
        var v2 = Document(PolicyScope.Model, "m", 2, """{"prod":{"bakeSeconds":120, "requiredSoakSeconds":600}}""");
        Assert.Equal(["prod.bakeSeconds: 60 → 120", "staging.bakeSeconds: 5 → (inherited)"], PolicyDocuments.Diff(v1.Environments, v2.Environments));
        Assert.Empty(PolicyDocuments.Diff(v2.Environments, v2.Environments));
        Assert.Equal("""{"prod":{"bakeSeconds":120,"requiredSoakSeconds":600}}""", PolicyDocuments.Write(v2.Environments));
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Serverless.sln not found above the test binaries.");
    }
}

/// <summary>Recurring promotion windows in a time zone: deny and allow, across midnight, and when the door opens.</summary>
public sealed class PromotionWindowTests
{
    private static IReadOnlyList<ReleaseCenter.Domain.Environments.PromotionWindow> Parse(string json)
    {
        var errors = new ValidationErrors();
        using var doc = JsonDocument.Parse(json);
        var windows = ReleaseCenter.Domain.Environments.PromotionWindow.Parse(doc.RootElement, errors, "windows");
        Assert.True(errors.IsValid, string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        return windows!;
    }

    [Fact]
    public void ADenyWindow_InItsTimeZone_ClosesTheDoorUntilItEnds()
    {
        // Weekends in Berlin (UTC+1 in December): from Saturday 00:00 to Sunday 24:00 local time.
        var weekend = Parse("""[{"kind":"deny","days":["Sat","Sun"],"start":"00:00","end":"24:00","timeZone":"Europe/Berlin","reason":"weekend"}]""");
        var saturdayNoonUtc = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        var (closed, reason, opens) = ReleaseCenter.Domain.Environments.PromotionWindow.Check(weekend, "prod", saturdayNoonUtc);
        Assert.True(closed);
        Assert.Equal("prod is closed to releases now: deny Sat, Sun 00:00–24:00 Europe/Berlin (weekend)", reason);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 23, 0, 0, TimeSpan.Zero), opens); // Monday 00:00 in Berlin
        Assert.False(ReleaseCenter.Domain.Environments.PromotionWindow.Check(weekend, "prod", new DateTimeOffset(2026, 12, 4, 22, 59, 0, TimeSpan.Zero)).Closed);
        Assert.True(ReleaseCenter.Domain.Environments.PromotionWindow.Check(weekend, "prod", new DateTimeOffset(2026, 12, 4, 23, 0, 0, TimeSpan.Zero)).Closed);
    }

    [Fact]
    public void AllowWindows_OpenTheDoorOnlyDuringThem_IncludingOneAcrossMidnight()
    {
        var windows = Parse("""
            [{"kind":"allow","days":["Mon","Tue","Wed","Thu"],"start":"09:00","end":"16:00","timeZone":"UTC"},
             {"kind":"allow","days":["Fri"],"start":"22:00","end":"02:00","timeZone":"UTC"}]
            """);
        var monday = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
        Assert.True(ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddHours(8)).Closed);
        Assert.Equal(monday.AddHours(9), ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddHours(8)).OpensAt);
        Assert.False(ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddHours(15).AddMinutes(59)).Closed);
        Assert.False(ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddDays(4).AddHours(23)).Closed);     // Friday 23:00
        Assert.False(ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddDays(5).AddHours(1)).Closed);      // Saturday 01:00
        Assert.True(ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddDays(5).AddHours(2)).Closed);       // Saturday 02:00
        Assert.Equal(monday.AddDays(7).AddHours(9), ReleaseCenter.Domain.Environments.PromotionWindow.Check(windows, "prod", monday.AddDays(5).AddHours(2)).OpensAt);
    }

    [Theory]
    [InlineData("""[{"kind":"maybe","days":["Mon"],"start":"09:00","end":"10:00","timeZone":"UTC"}]""", "windows[0].kind")]
    [InlineData("""[{"kind":"deny","days":["Monday"],"start":"09:00","end":"10:00","timeZone":"UTC"}]""", "windows[0].days")]
    [InlineData("""[{"kind":"deny","days":["Mon"],"start":"9am","end":"10:00","timeZone":"UTC"}]""", "windows[0].start")]
    [InlineData("""[{"kind":"deny","days":["Mon"],"start":"09:00","end":"25:00","timeZone":"UTC"}]""", "windows[0].end")]
    [InlineData("""[{"kind":"deny","days":["Mon"],"start":"09:00","end":"10:00","timeZone":"Mars/Olympus"}]""", "windows[0].timeZone")]
    [InlineData("""[{"kind":"deny","days":["Mon"],"start":"09:00","end":"10:00","timeZone":"UTC","every":"week"}]""", "windows[0].every")]
    public void ABadWindow_IsNamedByItsField(string json, string field)
    {
        var errors = new ValidationErrors();
        using var doc = JsonDocument.Parse(json);
        ReleaseCenter.Domain.Environments.PromotionWindow.Parse(doc.RootElement, errors, "windows");
        Assert.Contains(field, errors.ToDictionary().Keys);
    }
}

/// <summary>Project-scoped roles, and what a template may change of a policy's approval.</summary>
public sealed class ProjectRoleAndTemplateTests
{
    [Fact]
    public void AProjectScopedGroup_CountsInItsProjectOnly_AsItsRoleAndByItsOwnName()
    {
        var groups = new HashSet<string>(StringComparer.Ordinal) { "retail:approvers-prod", "ml-engineers" };
        var inRetail = ReleaseCenter.Domain.Access.ProjectRoles.In(groups, "retail");
        var inPayments = ReleaseCenter.Domain.Access.ProjectRoles.In(groups, "payments");
        Assert.Contains("approvers-prod", inRetail);
        Assert.Contains("retail:approvers-prod", inRetail); // a policy may name the scoped group itself
        Assert.Contains("ml-engineers", inPayments);
        Assert.DoesNotContain("approvers-prod", inPayments);
        Assert.DoesNotContain("retail:approvers-prod", inPayments);
        Assert.True(ReleaseCenter.Domain.Access.ProjectRoles.Anywhere(groups, "approvers-prod"));
        Assert.False(ReleaseCenter.Domain.Access.ProjectRoles.Anywhere(groups, "release-admins"));
    }

    [Fact]
    public void ATemplate_MayTightenApprovals_NeverLoosenThem_AndIsNotSkippedByAutoPromotion()
    {
        var environment = new EnvironmentPolicy("prod", new ApprovalPolicy(2, ["approvers-prod"], 3600), 0, "ml.m5.large", new GatePolicy([]))
        {
            AutoPromote = true,
        };
        var effective = EffectivePolicy.Resolve(environment, null, null, MetricDirections.Defaults);
        TemplateUse Use(ApprovalPolicy approval) => new("t", 1, new Dictionary<string, ApprovalPolicy> { ["prod"] = approval }, []);

        var tighter = effective.WithTemplate(Use(new ApprovalPolicy(3, ["approvers-prod"], 3600)), "prod");
        Assert.Equal((3, false, "template"), (tighter.Policy.Approval.Required, tighter.Policy.AutoPromote, tighter.Sources[PolicyDocuments.Approval].Layer));

        Assert.Same(effective, effective.WithTemplate(Use(new ApprovalPolicy(1, ["approvers-prod"], 3600)), "prod"));            // fewer approvers
        Assert.Same(effective, effective.WithTemplate(Use(new ApprovalPolicy(2, ["ml-engineers"], 3600)), "prod"));              // other groups
        Assert.Same(effective, effective.WithTemplate(Use(new ApprovalPolicy(2, ["approvers-prod"], 3600) { OnRejection = ApprovalPolicy.RecordOnly }), "prod"));
    }
}
