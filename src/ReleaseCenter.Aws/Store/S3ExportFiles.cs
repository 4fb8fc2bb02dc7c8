using Amazon.S3;
using Amazon.S3.Model;

namespace ReleaseCenter.Aws.Store;

/// <summary>
/// Export files in the export bucket (architecture.md, "Exports"): written under <c>exports/{job id}/{file}</c> by
/// <see cref="S3UploadStream"/>, handed out as presigned GET links. The bucket's lifecycle rule deletes files after a
/// day and abandoned multipart uploads after a day.
/// </summary>
public sealed class S3ExportFiles(IAmazonS3 s3, string bucket)
{
    public const string Prefix = "exports/";

    public string Bucket => bucket;

    public static string KeyOf(string jobId, string fileName) => $"{Prefix}{jobId}/{fileName}";

    /// <param name="fileName">What a download saves it as (the object's Content-Disposition).</param>
    public S3UploadStream OpenWrite(string key, string contentType, string? fileName = null) =>
        new(s3, bucket, key, contentType, fileName is null ? null : $"attachment; filename=\"{fileName}\"");

    /// <summary>A GET link valid until <paramref name="expires"/>, signed by this function's role.</summary>
    public async Task<string> PresignGetAsync(string key, DateTimeOffset expires)
    {
        var request = new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = expires.UtcDateTime,
        };
        // The emulator listens on plain HTTP; the SDK signs for HTTPS unless told otherwise.
        if (s3.Config.ServiceURL is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            request.Protocol = Protocol.HTTP;
        }
        return await s3.GetPreSignedURLAsync(request).ConfigureAwait(false);
    }
}

/// <summary>
/// A write-only stream that uploads to S3 as it is written, holding at most one part in memory: bytes collect
/// in a buffer, each full buffer (<see cref="PartSize"/>) is uploaded as the next part of a multipart upload, and
/// <see cref="CompleteAsync"/> uploads the rest and completes it. A file smaller than one part is one PutObject.
/// Disposing without completing aborts the upload, so a failed export leaves no object.
/// </summary>
public sealed class S3UploadStream(IAmazonS3 s3, string bucket, string key, string contentType, string? contentDisposition = null) : Stream
{
    /// <summary>S3's smallest part (but the last) is 5 MiB; 8 MiB keeps a 1 GB file under 130 parts.</summary>
    public const int PartSize = 8 * 1024 * 1024;

    private readonly MemoryStream _buffer = new();
    private readonly List<PartETag> _parts = [];
    private string? _uploadId;
    private bool _completed;

    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => BytesWritten;

    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (buffer.Length > 0)
        {
            var room = PartSize - (int)_buffer.Length;
            var take = Math.Min(room, buffer.Length);
            _buffer.Write(buffer.Span[..take]);
            buffer = buffer[take..];
            BytesWritten += take;
            if (_buffer.Length == PartSize)
            {
                await UploadPartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Parts go up when full, not on flush: S3 parts cannot be smaller than 5 MiB.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    /// <summary>Uploads what is buffered and makes the object visible.</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_uploadId is null)
        {
            using var whole = new MemoryStream(_buffer.GetBuffer(), 0, (int)_buffer.Length, writable: false);
            var put = new PutObjectRequest { BucketName = bucket, Key = key, InputStream = whole, ContentType = contentType };
            put.Headers.ContentDisposition = contentDisposition;
            await s3.PutObjectAsync(put, ct).ConfigureAwait(false);
        }
        else
        {
            if (_buffer.Length > 0)
            {
                await UploadPartAsync(ct).ConfigureAwait(false);
            }
            await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId, PartETags = _parts }, ct)
                .ConfigureAwait(false);
        }
        _completed = true;
    }

    private async Task UploadPartAsync(CancellationToken ct)
    {
        if (_uploadId is null)
        {
            var initiate = new InitiateMultipartUploadRequest { BucketName = bucket, Key = key, ContentType = contentType };
            initiate.Headers.ContentDisposition = contentDisposition;
            _uploadId = (await s3.InitiateMultipartUploadAsync(initiate, ct).ConfigureAwait(false)).UploadId;
        }
        var number = _parts.Count + 1;
        // A read-only view of the buffer: the SDK may dispose the stream it is given once the part is sent.
        using var part = new MemoryStream(_buffer.GetBuffer(), 0, (int)_buffer.Length, writable: false);
        var response = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = _uploadId,
            PartNumber = number,
            InputStream = part,
            PartSize = part.Length,
        }, ct).ConfigureAwait(false);
        _parts.Add(new PartETag(number, response.ETag));
        _buffer.SetLength(0);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_completed && _uploadId is not null)
        {
            try
            {
                await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = bucket, Key = key, UploadId = _uploadId }).ConfigureAwait(false);
            }
            catch (AmazonS3Exception)
            {
                // the bucket's lifecycle rule removes an abandoned upload after a day
            }
        }
        _completed = true;
        await _buffer.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Write asynchronously: each full part is an upload.");
}
