using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ReleaseCenter.Domain.Audit;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Audit chain anchors in an S3 bucket with Object Lock: one object per anchor,
/// <c>audit-anchors/{project}/{seq, 12 digits}.json</c> holding {project, seq, hash, at}, written in
/// compliance mode with a retention date, so that nobody (root included) can overwrite or delete it
/// before then. Keys sort by seq, so a listing is oldest first.
/// </summary>
public sealed class S3AuditAnchors(IAmazonS3 s3, string bucket, TimeSpan retention) : IAuditAnchors
{
    public const string Prefix = "audit-anchors/";

    /// <summary>
    /// Lists object versions, not objects: in a versioned bucket a plain delete only hides an object behind a delete marker
    /// (the locked version stays), and hiding an anchor must not make verification forget it. One anchor per key and seq.
    /// </summary>
    public async Task<IReadOnlyList<AuditAnchor>> ListAsync(string? project, CancellationToken ct)
    {
        var anchors = new SortedDictionary<string, AuditAnchor>(StringComparer.Ordinal);
        string? keyMarker = null;
        string? versionMarker = null;
        do
        {
            var page = await s3.ListVersionsAsync(new ListVersionsRequest
            {
                BucketName = bucket,
                Prefix = project is null ? Prefix : $"{Prefix}{project}/",
                KeyMarker = keyMarker,
                VersionIdMarker = versionMarker,
            }, ct).ConfigureAwait(false);
            foreach (var version in (page.Versions ?? []).Where(v => v.IsDeleteMarker != true && !anchors.ContainsKey(v.Key)))
            {
                using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = version.Key, VersionId = version.VersionId }, ct)
                    .ConfigureAwait(false);
                using var doc = await JsonDocument.ParseAsync(response.ResponseStream, cancellationToken: ct).ConfigureAwait(false);
                var root = doc.RootElement;
                anchors[version.Key] = new AuditAnchor(root.GetProperty("project").GetString()!, root.GetProperty("seq").GetInt64(), root.GetProperty("hash").GetString()!,
                    DateTimeOffset.Parse(root.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal), version.Key);
            }
            (keyMarker, versionMarker) = page.IsTruncated == true ? (page.NextKeyMarker, page.NextVersionIdMarker) : (null, null);
        }
        while (keyMarker is not null);
        return [.. anchors.Values.OrderBy(a => a.Project, StringComparer.Ordinal).ThenBy(a => a.Seq)];
    }

    public async Task<AuditAnchor> WriteAsync(string project, AuditHead head, DateTimeOffset at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(head);
        var key = $"{Prefix}{project}/{head.Seq:D12}.json";
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("project", project);
            json.WriteNumber("seq", head.Seq);
            json.WriteString("hash", head.Hash);
            json.WriteString("at", AuditChain.FormatTime(at));
            json.WriteEndObject();
        }
        body.Position = 0;
        await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = body,
            ContentType = "application/json",
            ObjectLockMode = ObjectLockMode.Compliance,
            ObjectLockRetainUntilDate = (at + retention).UtcDateTime,
        }, ct).ConfigureAwait(false);
        return new AuditAnchor(project, head.Seq, head.Hash, at, key);
    }
}

/// <summary>Where no anchor bucket is configured (a function that neither anchors nor verifies): no anchors, and writing one is an error.</summary>
public sealed class NoAuditAnchors : IAuditAnchors
{
    public Task<IReadOnlyList<AuditAnchor>> ListAsync(string? project, CancellationToken ct) => Task.FromResult<IReadOnlyList<AuditAnchor>>([]);

    public Task<AuditAnchor> WriteAsync(string project, AuditHead head, DateTimeOffset at, CancellationToken ct) =>
        throw new InvalidOperationException($"No audit anchor bucket is configured ({Resources.FunctionVariables.AuditAnchorBucket}): the chain of {project} cannot be anchored.");
}
