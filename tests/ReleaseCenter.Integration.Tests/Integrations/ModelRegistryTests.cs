using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Aws.Clients;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Functions.Registry;
using ReleaseCenter.Integration.Tests.Clients;
using ReleaseCenter.Integration.Tests.Correctness;
using ReleaseCenter.Local;

namespace ReleaseCenter.Integration.Tests.Integrations;

/// <summary>
/// SageMaker Model Registry (issue 14), on the emulator: moto keeps the model packages; the launcher's patch 10 puts
/// SageMaker's "Model Package State Change" on the default bus, as SageMaker does. A new package of a mapped group
/// becomes a version through the import rule; a release live in prod sets the package Approved, a rollback Rejected
/// with the release named; a package can also be imported by hand through the API, once.
/// </summary>
[Collection(EmulatorCollections.Second)]
public sealed class ModelRegistryTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string Image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgb:1";
    private readonly string _model = emulator.UniqueName("mr");
    private readonly string _group = emulator.UniqueName("mrg");
    private readonly string _releasedGroup = emulator.UniqueName("mrr");
    private readonly string _unmappedGroup = emulator.UniqueName("mru");
    private readonly string _manualGroup = emulator.UniqueName("mrm");
    private ReleaseDriver _driver = null!;
    private SageMakerClient _sageMaker = null!;

    public async Task InitializeAsync()
    {
        emulator.RequireLocal();
        _driver = await ReleaseDriver.StartAsync(emulator, configure: s => s.AddSingleton(new ModelRegistryConfig(
            new Dictionary<string, ModelPackageGroupMapping>
            {
                [_group] = new(_group, _model, null),
                [_releasedGroup] = new(_releasedGroup, _model + "-r", ["dev"]),
                [_manualGroup] = new(_manualGroup, _model + "-u", null) { Auto = false },
            },
            [LocalHost.ModelsBucket])));
        _sageMaker = new SageMakerClient(emulator.ClientOptions());
        foreach (var model in new[] { _model, _model + "-r", _model + "-u" })
        {
            var created = await _driver.Alice.PostAsJsonAsync("/v1/models", new { name = model, project = "payments" });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }
    }

    public async Task DisposeAsync()
    {
        _sageMaker.Dispose();
        await _driver.Api.DisposeAsync();
    }

    /// <summary>Registers a package through the local stand-in (what a pipeline's RegisterModel step does): its ARN.</summary>
    private async Task<string> RegisterPackageAsync(string group, double auc, string approval = "PendingManualApproval")
    {
        var response = await _driver.Alice.PostAsJsonAsync("/v1/local/model-packages", new
        {
            modelPackageGroupName = group, image = Image, approvalStatus = approval,
            metrics = new Dictionary<string, double> { ["auc"] = auc, ["latency_p95_ms"] = 80 },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("modelPackageArn").GetString()!;
    }

    private async Task<JsonElement[]> VersionsAsync(string model) =>
        [.. (await _driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/models/{model}/versions")).GetProperty("items").EnumerateArray()];

    private async Task<DescribeModelPackageResponse> PackageWhenAsync(string arn, string status) =>
        await Poll.UntilAsync(() => _sageMaker.DescribeModelPackageAsync(arn), p => p.ModelApprovalStatus == status, attempts: 200, delayMilliseconds: 100);

    [Fact]
    public async Task APackageStateChange_RegistersAVersion_ProdApprovesThePackage_ARollbackRejectsIt()
    {
        var first = await RegisterPackageAsync(_group, 0.93);

        // The state change event reaches the import rule: the package is version 1, with its report's metrics and lineage.
        var versions = await Poll.UntilAsync(() => VersionsAsync(_model), v => v.Length >= 1, attempts: 200, delayMilliseconds: 100);
        var v1 = Assert.Single(versions);
        Assert.Equal(first, v1.GetProperty("lineage").GetProperty("modelPackage").GetString());
        Assert.Equal(_group, v1.GetProperty("lineage").GetProperty("modelPackageGroup").GetString());
        Assert.Equal(0.93, v1.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal(Image, v1.GetProperty("image").GetString());
        Assert.Equal(ModelPackageImporter.Actor, v1.GetProperty("createdBy").GetString());
        Assert.StartsWith($"s3://{LocalHost.ModelsBucket}/{_group}/", v1.GetProperty("artifactUri").GetString());

        // Live in prod: SageMaker's Model Registry says Approved, naming the release.
        var release1 = await _driver.ReleaseToProdAsync(_model, 1);
        var approved = await PackageWhenAsync(first, ModelApprovalStatus.Approved);
        Assert.Equal(ModelApprovalStatus.Approved, approved.ModelApprovalStatus);
        Assert.Contains(release1, approved.ApprovalDescription);
        // Our own status change comes back as another state change event: it registers nothing new.
        var second = await RegisterPackageAsync(_group, 0.935);
        versions = await Poll.UntilAsync(() => VersionsAsync(_model), v => v.Length >= 2, attempts: 200, delayMilliseconds: 100);
        Assert.Equal(2, versions.Length);
        Assert.Equal(second, versions[1].GetProperty("lineage").GetProperty("modelPackage").GetString());

        // v2 goes live in prod, then is rolled back: its package is Rejected with the release named; v1's stays Approved.
        var release2 = await _driver.ReleaseToProdAsync(_model, 2);
        await PackageWhenAsync(second, ModelApprovalStatus.Approved);
        var requested = await _driver.Alice.PostAsync("/v1/environments/prod/rollback",
            ReleaseDriver.Json($$"""{"model":"{{_model}}","reason":"p95 latency over budget"}"""));
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        var rollbackId = (await requested.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rollbackId").GetString()!;
        await Poll.UntilAsync(() => _driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/rollbacks/{rollbackId}"),
            r => r.GetProperty("status").GetString() == "AwaitingApproval", attempts: 200, delayMilliseconds: 100);
        using (var pat = await _driver.Api.As("pat", "approvers-prod"))
        {
            Assert.True((await pat.PostAsync($"/v1/rollbacks/{rollbackId}/approvals", ReleaseDriver.Json("""{"decision":"approve"}"""))).IsSuccessStatusCode);
        }
        var rejected = await PackageWhenAsync(second, ModelApprovalStatus.Rejected);
        Assert.Equal(ModelApprovalStatus.Rejected, rejected.ModelApprovalStatus);
        Assert.Contains(release2, rejected.ApprovalDescription);
        Assert.Contains(rollbackId, rejected.ApprovalDescription);
        Assert.Equal(ModelApprovalStatus.Approved, (await _sageMaker.DescribeModelPackageAsync(first)).ModelApprovalStatus);

        // Each status change is in the audit trail of the model's project (the step writes it after updating the package,
        // so the last one may still be on its way when the package shows the change).
        foreach (var (action, version) in new[] { ("model.package-approved", 1), ("model.package-approved", 2), ("model.package-rejected", 2) })
        {
            var audit = await Poll.UntilAsync(
                () => _driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/audit?project=payments&action={action}&subject=model/{_model}/versions/{version}"),
                a => a.GetProperty("items").GetArrayLength() > 0);
            Assert.Single(audit.GetProperty("items").EnumerateArray());
        }
    }

    [Fact]
    public async Task AMappingWithReleaseTo_OpensARelease_AFailedVerificationRejectsThePackage_AnUnmappedGroupIsIgnored()
    {
        var model = _model + "-r";
        using (var faults = await _driver.Api.As("lena", "release-admins"))
        {
            (await faults.PostAsJsonAsync("/v1/local/faults/verification", new { environment = "dev", model, version = 1 })).EnsureSuccessStatusCode();
        }
        var unmapped = await RegisterPackageAsync(_unmappedGroup, 0.93);
        var arn = await RegisterPackageAsync(_releasedGroup, 0.93);

        // The mapping opens a release to dev; its verification fails, it rolls back, and the package says why.
        var releases = await Poll.UntilAsync(() => _driver.Alice.GetFromJsonAsync<JsonElement>($"/v1/releases?model={model}"),
            r => r.GetProperty("items").GetArrayLength() > 0, attempts: 200, delayMilliseconds: 100);
        var release = Assert.Single(releases.GetProperty("items").EnumerateArray());
        Assert.Equal(ModelPackageImporter.Actor, release.GetProperty("requestedBy").GetString());
        var id = release.GetProperty("id").GetString()!;
        await _driver.WaitAsync(id, ReleaseDriver.Status("RolledBack"), seconds: 90);
        var rejected = await PackageWhenAsync(arn, ModelApprovalStatus.Rejected);
        Assert.Contains(id, rejected.ApprovalDescription);
        Assert.Contains("failed verification in dev", rejected.ApprovalDescription);

        // The unmapped group's package became nothing here, and was left as it was.
        Assert.Empty(await VersionsAsync(_model + "-u"));
        Assert.Equal(ModelApprovalStatus.PendingManualApproval, (await _sageMaker.DescribeModelPackageAsync(unmapped)).ModelApprovalStatus);
    }

    [Fact]
    public async Task ImportByHand_RegistersOnce_AndRefusesWhatCannotBeAVersion_ChangingNothing()
    {
        // A group mapped with "auto": false: only the explicit import registers its package.
        var arn = await RegisterPackageAsync(_manualGroup, 0.91);
        var model = _model + "-u";
        var first = await _driver.Alice.PostAsJsonAsync($"/v1/models/{model}/versions/import", new { modelPackageArn = arn });
        Assert.True(first.StatusCode == HttpStatusCode.Created, await first.Content.ReadAsStringAsync());
        var version = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal("alice", version.GetProperty("createdBy").GetString());
        Assert.Equal(0.91, version.GetProperty("metrics").GetProperty("auc").GetDouble());
        Assert.Equal($"/v1/models/{model}/versions/1", first.Headers.Location?.OriginalString);

        // The same package again: the same version, 200, nothing added.
        var before = await _driver.Api.SnapshotAsync();
        var again = await _driver.Alice.PostAsJsonAsync($"/v1/models/{model}/versions/import", new { modelPackageArn = arn });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());

        // Bad input: a clear problem naming the field, and the table as it was.
        var rejectedArn = await RegisterPackageAsync(_manualGroup, 0.9, approval: "Rejected");
        var unmapped = await RegisterPackageAsync(_unmappedGroup, 0.9);
        foreach (var (body, reason) in new (object Body, string Reason)[]
        {
            (new { modelPackageArn = "arn:aws:s3:::not-a-package" }, "must be a model package ARN"),
            (new { modelPackageArn = arn[..arn.LastIndexOf('/')] + "/99" }, "names no model package SageMaker knows"),
            (new { modelPackageArn = rejectedArn }, "is Rejected in SageMaker's Model Registry"),
            (new { modelPackageArn = unmapped }, "which config/model-registry.json does not map to"),
            (new { modelPackageArn = (string?)null }, "is required"),
        })
        {
            var response = await _driver.Alice.PostAsJsonAsync($"/v1/models/{model}/versions/import", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(reason, problem.GetProperty("errors").GetProperty("modelPackageArn")[0].GetString());
        }
        Assert.Equal(HttpStatusCode.NotFound,
            (await _driver.Alice.PostAsJsonAsync($"/v1/models/{model}-nope/versions/import", new { modelPackageArn = arn })).StatusCode);
        // Only a registrar may import.
        using (var viewer = await _driver.Api.As("vic", "viewers"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsJsonAsync($"/v1/models/{model}/versions/import", new { modelPackageArn = arn })).StatusCode);
        }
        Assert.Equal(before, await _driver.Api.SnapshotAsync());
    }

    [Fact]
    public async Task Rc_RegistersFromAModelPackage_AndSaysWhatItBecame()
    {
        var arn = await RegisterPackageAsync(_manualGroup, 0.92);
        var home = Path.Combine(Path.GetTempPath(), $"rc-mr-{Guid.NewGuid():N}");
        try
        {
            var alice = new Cli.RcTerminal(home, _driver.Api.Client.BaseAddress!.ToString().TrimEnd('/'));
            Assert.Equal(0, await alice.RunAsync("login", "--local", "--user", "alice", "--groups", "ml-engineers"));
            Assert.Equal(0, await alice.RunAsync("versions", "register", "--model", _model + "-u", "--from-model-package", arn));
            Assert.Contains($"{_model}-u v1 is model package {arn} (auc 0.92, latency_p95_ms 80).", alice.Out.ToString());
            // Mixed with options the package decides, it is a usage error (2) and registers nothing.
            Assert.Equal(2, await alice.RunAsync("versions", "register", "--model", _model + "-u", "--from-model-package", arn, "--image", Image));
            Assert.Single(await VersionsAsync(_model + "-u"));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
