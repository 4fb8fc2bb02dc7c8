using Microsoft.AspNetCore.Http.HttpResults;

namespace ReleaseCenter.Api.Exports;

/// <summary>
/// A streamed route's answer when it fits one response: the export is rendered into a buffer of at most
/// <see cref="ExportLimits.InlineBytes"/> and then sent. Past the bound the rendering stops at once (nothing has
/// been sent yet), and the route answers 413 pointing at an export job instead.
/// </summary>
internal static class InlineExport
{
    /// <returns>The whole file, or null when it is larger than <paramref name="limit"/>.</returns>
    public static async Task<FileContentHttpResult?> RenderAsync(long limit, string contentType, string fileName, Func<Stream, Task> write)
    {
        using var buffer = new BoundedBuffer(limit);
        try
        {
            await write(buffer).ConfigureAwait(false);
        }
        catch (BoundExceededException)
        {
            return null;
        }
        return TypedResults.File(buffer.ToArray(), contentType, fileName);
    }

    private sealed class BoundExceededException : Exception;

    private sealed class BoundedBuffer(long limit) : MemoryStream
    {
        private void Check(int count)
        {
            if (Length + count > limit)
            {
                throw new BoundExceededException();
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Check(count);
            base.Write(buffer, offset, count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Check(buffer.Length);
            base.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Check(count);
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Check(buffer.Length);
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override void WriteByte(byte value)
        {
            Check(1);
            base.WriteByte(value);
        }
    }
}
