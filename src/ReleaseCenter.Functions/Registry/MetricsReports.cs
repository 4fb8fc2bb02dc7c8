using System.Globalization;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ReleaseCenter.Aws.Resources;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Functions.Registry;

/// <summary>Reads a model package's metrics report (ModelMetrics.ModelQuality.Statistics): name to value.</summary>
public interface IMetricsReports
{
    /// <exception cref="DomainValidationException">the report cannot be read or has no metrics (field modelPackageArn).</exception>
    Task<IReadOnlyDictionary<string, double>> ReadAsync(string s3Uri, CancellationToken ct);
}

/// <summary>
/// The report in S3, in SageMaker's model quality format: <c>{"binary_classification_metrics": {"auc": {"value": 0.93,
/// "standard_deviation": 0.01}, ...}}</c> (also regression_ and multiclass_classification_metrics). Only buckets the
/// model registry mapping lists are read, and at most 1 MiB of a report.
/// </summary>
/// <remarks>The S3 client is made on the first read: most functions never read a report, and need no S3 client to start.</remarks>
public sealed class S3MetricsReports(Lazy<IAmazonS3> s3, ModelRegistryConfig config) : IMetricsReports
{
    public const int MaxBytes = 1 << 20;

    public async Task<IReadOnlyDictionary<string, double>> ReadAsync(string s3Uri, CancellationToken ct)
    {
        if (!Uri.TryCreate(s3Uri, UriKind.Absolute, out var uri) || uri.Scheme != "s3" || uri.AbsolutePath.Length < 2)
        {
            throw Refused(s3Uri, "is not an s3:// object URI");
        }
        if (!config.ReportBuckets.Contains(uri.Host, StringComparer.Ordinal))
        {
            throw Refused(s3Uri, $"is in bucket '{uri.Host}', which config/model-registry.json's reportBuckets does not list");
        }
        byte[] body;
        try
        {
            using var response = await s3.Value.GetObjectAsync(new GetObjectRequest { BucketName = uri.Host, Key = Uri.UnescapeDataString(uri.AbsolutePath[1..]) }, ct)
                .ConfigureAwait(false);
            if (response.ContentLength > MaxBytes)
            {
                throw Refused(s3Uri, $"is {response.ContentLength} bytes; a metrics report may have at most {MaxBytes}");
            }
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (AmazonS3Exception ex)
        {
            throw Refused(s3Uri, $"cannot be read ({ex.ErrorCode ?? ex.StatusCode.ToString()})");
        }
        return Parse(body, s3Uri);
    }

    /// <summary>Every <c>{"value": number}</c> under a top-level object (the report's metric families), by metric name.</summary>
    public static IReadOnlyDictionary<string, double> Parse(ReadOnlySpan<byte> report, string source)
    {
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(report.ToArray());
            foreach (var family in doc.RootElement.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var metric in family.Value.EnumerateObject())
                {
                    if (metric.Value.ValueKind == JsonValueKind.Object && metric.Value.TryGetProperty("value", out var value)
                        && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
                    {
                        metrics[metric.Name] = number;
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            throw Refused(source, $"is not JSON ({ex.Message})");
        }
        catch (InvalidOperationException)
        {
            throw Refused(source, "is not a JSON object");
        }
        return metrics.Count > 0 ? metrics : throw Refused(source, "has no metric with a numeric \"value\"");
    }

    private static DomainValidationException Refused(string uri, string why) =>
        DomainValidationException.For("modelPackageArn", string.Create(CultureInfo.InvariantCulture, $"names a metrics report {uri} that {why}."));
}
