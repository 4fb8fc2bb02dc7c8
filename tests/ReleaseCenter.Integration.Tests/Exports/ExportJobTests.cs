using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.DependencyInjection;
using ReleaseCenter.Api.Exports;
using ReleaseCenter.Aws.Store;
using ReleaseCenter.Domain.Audit;
using ReleaseCenter.Domain.Exports;
using ReleaseCenter.Functions;
using ReleaseCenter.Integration.Tests.Api;
using ReleaseCenter.Integration.Tests.Audit;

namespace ReleaseCenter.Integration.Tests.Exports;

/// <summary>
/// Exports too large for one response (issue 13, item 4), on the real host with the emulator's S3: the streamed route
/// answers 413 with a ready job request, the job runs (in-process here, from the stream in AWS), writes its file to
/// the export bucket, and its status route hands out a presigned link that downloads the same rows.
/// The limits are lowered so that a few dozen entries are "large".
/// </summary>
[Collection("emulator")]
public sealed class ExportJobTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);
    private static readonly ExportLimits Small = new() { InlineBytes = 2048, InlineVerifyEntries = 5 };
    private ApiHost _api = null!;
    private HttpClient _carol = null!;

    public async Task InitializeAsync()
    {
        _api = await ApiHost.StartAsync(emulator, workflows: false, configure: s => s.AddSingleton(Small));
        _carol = await _api.As("carol", "approvers-prod");
    }

    public async Task DisposeAsync()
    {
        _carol.Dispose();
        await _api.DisposeAsync();
    }

    /// <summary>Appends <paramref name="count"/> entries to each of two projects, one second apart.</summary>
    private async Task<List<AuditEntry>> SeedAsync(int count)
    {
        var clock = new TestClock(T0);
        var log = new DynamoAuditLog(_api.Dynamo, _api.TableName, clock);
        var entries = new List<AuditEntry>();
        for (var i = 0; i < count * 2; i++)
        {
            clock.Now = T0.AddSeconds(i);
            entries.Add(await log.AppendAsync(new AuditRecord(i % 2 == 0 ? "payments" : "lending", "alice", "release.requested", $"release/rel-{i:D3}",
                new Dictionary<string, string> { ["note"] = $"entry {i}, said \"ok\"" }), CancellationToken.None));
        }
        return entries;
    }

    private async Task<JsonElement> FollowAsync(HttpClient client, string location)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(location);
            if (job.GetProperty("status").GetString() is "Succeeded" or "Failed")
            {
                return job;
            }
            Assert.True(DateTime.UtcNow < deadline, $"the export job stayed {job.GetProperty("status").GetString()} for 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends the 413's ready job request and follows the job to its end.</summary>
    private async Task<JsonElement> RunJobFromAsync(HttpResponseMessage tooLarge)
    {
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        var problem = await tooLarge.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("POST /v1/exports", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var created = await _carol.PostAsync("/v1/exports", new StringContent(problem.GetProperty("job").GetRawText(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var accepted = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Queued", accepted.GetProperty("status").GetString());
        Assert.Equal($"/v1/exports/{accepted.GetProperty("id").GetString()}", created.Headers.Location?.ToString());
        return await FollowAsync(_carol, created.Headers.Location!.ToString());
    }

    private static async Task<(string Body, HttpResponseMessage Response)> DownloadAsync(JsonElement job)
    {
        // A presigned link needs no token: it is what a browser or curl follows.
        using var anonymous = new HttpClient();
        var response = await anonymous.GetAsync(new Uri(job.GetProperty("downloadUrl").GetString()!));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Decoded by hand: ReadAsStringAsync would drop the CSV's byte order mark, which the test checks.
        return (Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync()), response);
    }

    [Fact]
    public async Task AuditExport_TooLargeForOneResponse_Is413_AndItsJob_DownloadsEveryEntry()
    {
        var seeded = await SeedAsync(30);
        var payments = seeded.Where(e => e.Project == "payments").ToList();

        var job = await RunJobFromAsync(await _carol.GetAsync("/v1/audit/export?format=jsonl&project=payments"));

        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal("audit", job.GetProperty("kind").GetString());
        Assert.Equal("payments", job.GetProperty("filters").GetProperty("project").GetString());
        Assert.Equal(payments.Count, job.GetProperty("rows").GetInt64());
        Assert.True(job.GetProperty("downloadExpiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(10));
        var (body, response) = await DownloadAsync(job);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), job.GetProperty("bytes").GetInt64());
        Assert.Contains(job.GetProperty("fileName").GetString()!, response.Content.Headers.ContentDisposition?.ToString() ?? "", StringComparison.Ordinal);
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(payments.Select(e => (e.Seq, e.Hash)), lines.Select(l => (l.GetProperty("seq").GetInt64(), l.GetProperty("hash").GetString()!)));

        // The same export as CSV: a header, then one row per entry.
        var csv = await RunJobFromAsync(await _carol.GetAsync("/v1/audit/export?format=csv&project=payments"));
        var (text, _) = await DownloadAsync(csv);
        Assert.StartsWith("\uFEFFproject,seq,at,actor,action,subject,details,previousHash,hash\r\n", text, StringComparison.Ordinal);
        Assert.Equal(payments.Count + 1, text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task SmallExports_AreStillAnsweredDirectly()
    {
        await SeedAsync(2);
        var response = await _carol.GetAsync("/v1/audit/export?format=jsonl&project=payments");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(HttpStatusCode.OK, (await _carol.GetAsync("/v1/audit/verify?project=payments")).StatusCode);
    }

    [Fact]
    public async Task LongChainVerification_Is413_AndItsJob_ReportsTheChain()
    {
        await SeedAsync(10);

        var job = await RunJobFromAsync(await _carol.GetAsync("/v1/audit/verify"));

        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        var verification = job.GetProperty("verification");
        Assert.True(verification.GetProperty("valid").GetBoolean());
        Assert.Equal(20, verification.GetProperty("entriesChecked").GetInt64());
        var (body, _) = await DownloadAsync(job);
        Assert.Equal(verification.GetProperty("entriesChecked").GetInt64(), JsonDocument.Parse(body).RootElement.GetProperty("entriesChecked").GetInt64());
    }

    [Fact]
    public async Task ReleaseExport_TooLarge_RunsAsAJob()
    {
        var tiny = await ApiHost.StartAsync(emulator, workflows: false, configure: s => s.AddSingleton(new ExportLimits { InlineBytes = 10 }));
        try
        {
            using var carol = await tiny.As("carol", "approvers-prod");
            var tooLarge = await carol.GetAsync("/v1/releases/export?format=csv&model=fraud&status=Released,Failed");
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            var request = (await tooLarge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job");
            Assert.Equal("releases", request.GetProperty("kind").GetString());
            Assert.Equal("Released,Failed", request.GetProperty("filters").GetProperty("status").GetString());
            var created = await carol.PostAsync("/v1/exports", new StringContent(request.GetRawText(), Encoding.UTF8, "application/json"));
            var job = await FollowAsync(carol, created.Headers.Location!.ToString());
            Assert.Equal("Succeeded", job.GetProperty("status").GetString());
            Assert.Equal(0, job.GetProperty("rows").GetInt64());
            var (body, _) = await DownloadAsync(job);
            Assert.StartsWith("\uFEFFid,model,version,status", body, StringComparison.Ordinal);
        }
        finally
        {
            await tiny.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("""{"kind":"everything"}""", "kind")]
    [InlineData("""{"kind":"audit","format":"xml"}""", "format")]
    [InlineData("""{"kind":"audit-verify","format":"csv"}""", "format")]
    [InlineData("""{"kind":"audit","filters":{"model":"fraud"}}""", "filters.model")]
    [InlineData("""{"kind":"audit","filters":{"since":"yesterday"}}""", "filters.since")]
    [InlineData("""{"kind":"releases","filters":{"status":"Live"}}""", "filters.status")]
    [InlineData("""{"kind":"audit-verify","filters":{"project":"Not A Name"}}""", "filters.project")]
    [InlineData("""{"kind":"audit","filters":{"actor":null}}""", "filters.actor")]
    [InlineData("""{"kind":"audit","extra":1}""", "extra")]
    public async Task BadJobRequests_Are400NamingTheField_AndWriteNothing(string body, string field)
    {
        var before = await _api.SnapshotAsync();

        var response = await _carol.PostAsync("/v1/exports", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var reasons), $"expected an error for '{field}': {problem}");
        // Named once, as the request's field: "'filters.since' must be …", not "'filters.since' 'since' must be …".
        Assert.StartsWith($"'{field}' ", reasons[0].GetString(), StringComparison.Ordinal);
        Assert.DoesNotMatch("^'[^']+' '[^']+' ", reasons[0].GetString()!);
        Assert.Equal(before, await _api.SnapshotAsync());
    }

    [Fact]
    public async Task AJob_IsSeenOnlyByWhoAskedForIt()
    {
        var created = await _carol.PostAsync("/v1/exports", JsonContent.Create(new { kind = "audit", format = "csv" }));
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        using var dave = await _api.As("dave", "ml-engineers");

        var theirs = await dave.GetAsync(created.Headers.Location);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _carol.GetAsync("/v1/exports/exp-none")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _carol.GetAsync(created.Headers.Location)).StatusCode);
    }

    /// <summary>
    /// What the export function gets in AWS: the job item's INSERT as a stream record. It runs the job once; the same
    /// record again (Lambda retries a batch, the stream delivers at least once) finds it finished and changes nothing.
    /// </summary>
    [Fact]
    public async Task TheExportFunction_RunsAJobFromItsStreamRecord_Once()
    {
        await SeedAsync(3);
        var jobs = _api.App.Services.GetRequiredService<DynamoExportJobs>();
        var job = new ExportJob("exp-stream-test", ExportKinds.Audit, "jsonl", new Dictionary<string, string> { ["project"] = "lending" }, "carol", DateTimeOffset.UtcNow);
        Assert.True(await jobs.CreateAsync(job, CancellationToken.None));
        Assert.False(await jobs.CreateAsync(job, CancellationToken.None)); // one job per id
        var record = """
            {"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"1","NewImage":{
              "PK":{"S":"EXPORT#JOB_ID"},"SK":{"S":"JOB"},"type":{"S":"ExportJob"},"id":{"S":"JOB_ID"},"status":{"S":"Queued"}}}}]}
            """.Replace("JOB_ID", job.Id, StringComparison.Ordinal);
        var handlers = _api.App.Services.GetRequiredService<ITaskHandlers>();

        Assert.Equal("""{"ran":1}""", await handlers.InvokeAsync(RunExportStep.Name, record, CancellationToken.None));
        var done = await jobs.GetAsync(job.Id, CancellationToken.None);
        Assert.Equal(ExportStatus.Succeeded, done!.Status);
        Assert.Equal(3, done.Rows);
        Assert.Equal(1, done.Attempts);

        Assert.Equal("""{"ran":0}""", await handlers.InvokeAsync(RunExportStep.Name, record, CancellationToken.None));
        var again = await jobs.GetAsync(job.Id, CancellationToken.None);
        Assert.Equal((done.Status, done.Attempts, done.FinishedAt, done.ObjectKey), (again!.Status, again.Attempts, again.FinishedAt, again.ObjectKey));
    }

    /// <summary>Files larger than one part go up as a multipart upload; one that is never completed leaves no object.</summary>
    [Fact]
    public async Task UploadStream_WritesMultipartFiles_AndLeavesNothingWhenAbandoned()
    {
        var files = _api.App.Services.GetRequiredService<S3ExportFiles>();
        var s3 = _api.App.Services.GetRequiredService<IAmazonS3>();
        var data = new byte[S3UploadStream.PartSize * 2 + 12345];
        new Random(7).NextBytes(data);

        await using (var upload = files.OpenWrite("exports/test/big.bin", "application/octet-stream"))
        {
            for (var offset = 0; offset < data.Length; offset += 1_000_000)
            {
                await upload.WriteAsync(data.AsMemory(offset, Math.Min(1_000_000, data.Length - offset)));
            }
            await upload.CompleteAsync(CancellationToken.None);
            Assert.Equal(data.Length, upload.BytesWritten);
        }
        using (var got = await s3.GetObjectAsync(files.Bucket, "exports/test/big.bin"))
        using (var copy = new MemoryStream())
        {
            await got.ResponseStream.CopyToAsync(copy);
            Assert.True(data.AsSpan().SequenceEqual(copy.ToArray()), "the multipart object differs from what was written");
        }

        await using (var abandoned = files.OpenWrite("exports/test/abandoned.bin", "application/octet-stream"))
        {
            await abandoned.WriteAsync(data.AsMemory(0, S3UploadStream.PartSize + 1));
        }
        var listed = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = files.Bucket, Prefix = "exports/test/abandoned" });
        Assert.Empty(listed.S3Objects ?? []);
        var uploads = await s3.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = files.Bucket, Prefix = "exports/test/abandoned" });
        Assert.Empty(uploads.MultipartUploads ?? []);
    }
}
