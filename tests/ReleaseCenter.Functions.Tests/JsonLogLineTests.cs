using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ReleaseCenter.Functions.Telemetry;

namespace ReleaseCenter.Functions.Tests;

/// <summary>The log line format the functions write in Lambda and the local stack writes to its log file.</summary>
public sealed class JsonLogLineTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void ALineCarriesTheTaskScopesFields_Flat_AndNeverTheTaskToken()
    {
        var scopes = new LoggerExternalScopeProvider();
        var logger = new ScopeOnlyLogger(scopes);
        using var payload = JsonDocument.Parse("""
            {"releaseId":"rel-1","environment":"prod","executionArn":"arn:aws:states:us-east-1:1:execution:sm:rel-1","taskToken":"AAAA-secret-token","extra":"x"}
            """);
        using (scopes.Push(new KeyValuePair<string, object?>[] { new("awsRequestId", "req-9") }))
        using (LogScopes.BeginTask(logger, "request-approval", payload.RootElement))
        {
            LogScopes.Add("model", "fraud-detector");
            var line = Parse(Format("Step {Handler} done in {DurationMs} ms", ["request-approval", 12.34567], null, scopes));

            Assert.Equal("2026-12-01T09:30:15.123Z", line.GetProperty("timestamp").GetString());
            Assert.Equal("Information", line.GetProperty("level").GetString());
            Assert.Equal("Step request-approval done in 12.34567 ms", line.GetProperty("message").GetString());
            Assert.Equal("req-9", line.GetProperty("awsRequestId").GetString());
            Assert.Equal("rel-1", line.GetProperty("releaseId").GetString());
            Assert.Equal("prod", line.GetProperty("environment").GetString());
            Assert.Equal("fraud-detector", line.GetProperty("model").GetString()); // added after the scope began
            Assert.Equal("arn:aws:states:us-east-1:1:execution:sm:rel-1", line.GetProperty("executionArn").GetString());
            Assert.Equal(12.346, line.GetProperty("durationMs").GetDouble()); // a number, rounded: never 12.345670000000001
            Assert.False(line.TryGetProperty("taskToken", out _));
            Assert.False(line.TryGetProperty("extra", out _));
            Assert.DoesNotContain("secret-token", line.GetRawText(), StringComparison.Ordinal);
        }
        // Outside the scope, nothing of it remains.
        Assert.False(Parse(Format("after", [], null, scopes)).TryGetProperty("releaseId", out _));
    }

    [Fact]
    public void AnErrorsLine_HasTheStackTrace()
    {
        Exception thrown;
        try
        {
            throw new InvalidOperationException("the table is gone");
        }
        catch (InvalidOperationException ex)
        {
            thrown = ex;
        }
        var line = Parse(Format("Step {Handler} failed", ["deploy"], thrown, null, LogLevel.Error));

        Assert.Equal("Error", line.GetProperty("level").GetString());
        var exception = line.GetProperty("exception").GetString()!;
        Assert.StartsWith("System.InvalidOperationException: the table is gone", exception, StringComparison.Ordinal);
        Assert.Contains(" at ", exception, StringComparison.Ordinal);
        Assert.Contains(nameof(AnErrorsLine_HasTheStackTrace), exception, StringComparison.Ordinal);
    }

    private static string Format(string template, object?[] args, Exception? exception, IExternalScopeProvider? scopes, LogLevel level = LogLevel.Information)
    {
        var state = new TemplateState(template, args);
        return JsonLogLine.Format(new LogEntry<TemplateState>(level, "Test", default, state, exception, (s, _) => s.ToString()), scopes, At);
    }

    private static JsonElement Parse(string line) => JsonDocument.Parse(line).RootElement.Clone();

    /// <summary>A message template with its values, as LoggerMessage's generated state carries them.</summary>
    private sealed class TemplateState(string template, object?[] args) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _pairs = Pairs(template, args);

        public int Count => _pairs.Count;

        public KeyValuePair<string, object?> this[int index] => _pairs[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _pairs.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString()
        {
            var text = template;
            foreach (var (key, value) in _pairs.Where(p => p.Key[0] != '{'))
            {
                text = text.Replace("{" + key + "}", Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            }
            return text;
        }

        private static List<KeyValuePair<string, object?>> Pairs(string template, object?[] args)
        {
            var names = System.Text.RegularExpressions.Regex.Matches(template, @"\{(\w+)\}").Select(m => m.Groups[1].Value).ToList();
            var pairs = names.Select((n, i) => new KeyValuePair<string, object?>(n, args[i])).ToList();
            pairs.Add(new("{OriginalFormat}", template));
            return pairs;
        }
    }

    /// <summary>A logger whose only job is to push scopes where the line formatter reads them.</summary>
    private sealed class ScopeOnlyLogger(IExternalScopeProvider scopes) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }
    }
}
