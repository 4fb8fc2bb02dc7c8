using System.Globalization;
using System.Text.Json;
using ReleaseCenter.Domain.Validation;

namespace ReleaseCenter.Domain.Environments;

/// <summary>
/// A recurring promotion window in a time zone (policies issue, item 5): "deny" closes the environment's door during
/// it (no releases on weekends), "allow" opens it only during it and the other allow windows (Mon–Thu 09:00–16:00). An
/// end at or before the start spans midnight (22:00–06:00). Rollbacks are not held by windows: getting back is what they
/// protect.
/// </summary>
public sealed record PromotionWindow(string Kind, IReadOnlySet<DayOfWeek> Days, TimeOnly Start, TimeOnly End, bool EndsAtMidnight, string TimeZone, string? Reason)
{
    public const string Allow = "allow";
    public const string Deny = "deny";

    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>Whether <paramref name="at"/> falls in the window (its local time in the window's time zone).</summary>
    public bool Contains(DateTimeOffset at)
    {
        var local = TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var day = local.DayOfWeek;
        if (!EndsAtMidnight && End <= Start)
        {
            // Spans midnight: the evening of a listed day, and the morning after it.
            return (Days.Contains(day) && time >= Start) || (Days.Contains((DayOfWeek)(((int)day + 6) % 7)) && time < End);
        }
        return Days.Contains(day) && time >= Start && (EndsAtMidnight || time < End);
    }

    /// <summary>"deny Sat, Sun 00:00–24:00 Europe/Berlin (weekend)".</summary>
    public string Describe() =>
        $"{Kind} {string.Join(", ", Enumerable.Range(0, 7).Select(i => (DayOfWeek)((i + 1) % 7)).Where(Days.Contains).Select(d => DayNames[(int)d]))} "
        + $"{Start:HH\\:mm}–{(EndsAtMidnight ? "24:00" : End.ToString("HH\\:mm", CultureInfo.InvariantCulture))} {TimeZone}" + (Reason is null ? "" : $" ({Reason})");

    /// <summary>
    /// Whether the windows keep the door closed at <paramref name="now"/>: by a deny window that holds, or because allow
    /// windows exist and none holds. Returns the reason and when the door opens (null past a week: no window opens it).
    /// </summary>
    public static (bool Closed, string? Reason, DateTimeOffset? OpensAt) Check(IReadOnlyList<PromotionWindow> windows, string environment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(windows);
        string? ClosedBy(DateTimeOffset t)
        {
            if (windows.FirstOrDefault(w => w.Kind == Deny && w.Contains(t)) is { } deny)
            {
                return $"{environment} is closed to releases now: {deny.Describe()}";
            }
            var allows = windows.Where(w => w.Kind == Allow).ToArray();
            return allows.Length > 0 && !allows.Any(w => w.Contains(t))
                ? $"{environment} takes releases only in its windows: {string.Join("; ", allows.Select(a => a.Describe()))}"
                : null;
        }
        if (ClosedBy(now) is not { } reason)
        {
            return (false, null, null);
        }
        // The next minute at which the door opens, within a week (windows recur weekly).
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, now.Offset).AddMinutes(1);
        for (var t = start; t < now.AddDays(8); t = t.AddMinutes(1))
        {
            if (ClosedBy(t) is null)
            {
                return (true, reason, t);
            }
        }
        return (true, reason, null);
    }

    /// <summary>Parses a policy's or the configuration's "windows": [{"kind", "days", "start", "end", "timeZone", "reason"?}].</summary>
    public static IReadOnlyList<PromotionWindow>? Parse(JsonElement value, ValidationErrors errors, string field)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 20)
        {
            errors.Add(field, "must be a list of at most 20 windows, each {\"kind\": \"allow\" or \"deny\", \"days\", \"start\", \"end\", \"timeZone\", \"reason\"?}.");
            return null;
        }
        var windows = new List<PromotionWindow>();
        var index = 0;
        foreach (var w in value.EnumerateArray())
        {
            var at = $"{field}[{index++}]";
            if (w.ValueKind != JsonValueKind.Object)
            {
                errors.Add(at, "must be an object {\"kind\", \"days\", \"start\", \"end\", \"timeZone\", \"reason\"?}.");
                continue;
            }
            string? Text(string name) => w.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            foreach (var property in w.EnumerateObject().Where(p => p.Name is not ("kind" or "days" or "start" or "end" or "timeZone" or "reason")))
            {
                errors.Add($"{at}.{property.Name}", "is not a window field (kind, days, start, end, timeZone, reason).");
            }
            var before = errors.IsValid;
            var kind = Text("kind");
            if (kind is not (Allow or Deny))
            {
                errors.Add($"{at}.kind", "must be 'allow' or 'deny'.");
            }
            var days = new HashSet<DayOfWeek>();
            if (!w.TryGetProperty("days", out var dayList) || dayList.ValueKind != JsonValueKind.Array || dayList.GetArrayLength() is 0 or > 7)
            {
                errors.Add($"{at}.days", "must list 1 to 7 days: Mon, Tue, Wed, Thu, Fri, Sat, Sun.");
            }
            else
            {
                foreach (var d in dayList.EnumerateArray())
                {
                    var i = d.ValueKind == JsonValueKind.String ? Array.IndexOf(DayNames, d.GetString()) : -1;
                    if (i < 0)
                    {
                        errors.Add($"{at}.days", $"has {d.GetRawText()}; days are Mon, Tue, Wed, Thu, Fri, Sat, Sun.");
                    }
                    else
                    {
                        days.Add((DayOfWeek)i);
                    }
                }
            }
            var start = ParseTime(Text("start"), allowMidnight: false);
            if (start is null)
            {
                errors.Add($"{at}.start", "must be a time of day, HH:mm (00:00 to 23:59).");
            }
            var endText = Text("end");
            var end = endText == "24:00" ? TimeOnly.MinValue : ParseTime(endText, allowMidnight: false);
            if (end is null)
            {
                errors.Add($"{at}.end", "must be a time of day, HH:mm (00:01 to 24:00); at or before the start, the window spans midnight.");
            }
            var zone = Text("timeZone");
            TimeZoneInfo? tz = null;
            try
            {
                tz = zone is null ? null : TimeZoneInfo.FindSystemTimeZoneById(zone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                tz = null;
            }
            if (tz is null)
            {
                errors.Add($"{at}.timeZone", "must be an IANA time zone, e.g. Europe/Berlin or UTC.");
            }
            var reason = Text("reason");
            errors.Check($"{at}.reason", Rules.OptionalText(reason, 200));
            if (before && errors.IsValid)
            {
                windows.Add(new PromotionWindow(kind!, days, start!.Value, end!.Value, endText == "24:00", zone!, reason));
            }
        }
        return windows;
    }

    private static TimeOnly? ParseTime(string? text, bool allowMidnight) =>
        text is { Length: 5 } && TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;
}
