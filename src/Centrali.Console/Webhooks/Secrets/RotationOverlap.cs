using System.Text.RegularExpressions;
using System.Xml;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>How long a rotated-out secret keeps signing beside the new one: the choices the console offers, the limit, and how the API reads one.</summary>
public static partial class RotationOverlap
{
    /// <summary>The overlaps the console's rotate dialog offers.</summary>
    public static readonly (string Label, TimeSpan Overlap)[] Choices =
        [("None: the current secret stops at once", TimeSpan.Zero), ("1 hour", TimeSpan.FromHours(1)), ("24 hours", TimeSpan.FromHours(24)), ("7 days", TimeSpan.FromDays(7))];

    /// <summary>The longest rotation overlap: a week is enough to roll a secret out to every receiver.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(7);

    /// <summary>Reads an overlap as an ISO 8601 duration ("PT24H", "P7D") or a time span ("24:00:00"); null or "" is none.</summary>
    public static TimeSpan Parse(string? overlap)
    {
        if (string.IsNullOrWhiteSpace(overlap)) return TimeSpan.Zero;
        var text = overlap.Trim();
        TimeSpan value;
        try
        {
            value = text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal) ? XmlConvert.ToTimeSpan(text)
                // TimeSpan.Parse refuses "24:00:00" (hours above 23), which people write for a day.
                : HoursMinutes().Match(text) is { Success: true } m
                    ? new TimeSpan(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                        m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0)
                    : TimeSpan.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw ServiceException.Invalid("overlap", $"'{text}' is not a duration; use ISO 8601 such as PT24H or P7D, or 24:00:00.");
        }
        return Check(value) is { } problem ? throw ServiceException.Invalid("overlap", problem) : value;
    }

    public static string? Check(TimeSpan overlap) =>
        overlap < TimeSpan.Zero ? "The overlap cannot be negative."
        : overlap > Max ? $"The overlap is at most 7 days (P7D)."
        : null;

    [GeneratedRegex("^([0-9]{1,4}):([0-5][0-9])(?::([0-5][0-9]))?$")]
    private static partial Regex HoursMinutes();
}
