using System.Xml;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// A subscription's own retry delays and attempt timeout where it has them, else the <c>Webhooks</c> section's. The limits
/// here apply to both: 0 to <see cref="MaxRetryDelays"/> delays of 1 s to 24 h each, a timeout of 1 to 60 s.
/// </summary>
public static class DeliveryPolicy
{
    public const int MaxRetryDelays = 20;
    public static readonly TimeSpan MinRetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(24);
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 60;

    /// <summary>The delays before attempt 2, 3, …: the subscription's, or the configured ones.</summary>
    public static TimeSpan[] RetryDelays(Subscription s, WebhookOptions o) => s.RetryDelays is { } own ? Parse(own) : o.RetryDelays;

    public static int MaxAttempts(Subscription s, WebhookOptions o) => RetryDelays(s, o).Length + 1;

    public static TimeSpan Timeout(Subscription s, WebhookOptions o) => s.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : o.Timeout;

    /// <summary>The stored form: time spans in invariant "c" format, comma-separated ("" is no retries).</summary>
    public static string Store(IEnumerable<TimeSpan> delays) => string.Join(',', delays.Select(Format));

    public static TimeSpan[] Parse(string stored) =>
        stored.Length == 0 ? [] : [.. stored.Split(',').Select(d => TimeSpan.Parse(d, CultureInfo.InvariantCulture))];

    /// <summary>How the API answers a delay: "00:00:30", "1.00:00:00" for a day (the configuration's form).</summary>
    public static string Format(TimeSpan delay) => delay.ToString("c", CultureInfo.InvariantCulture);

    /// <summary>Reads one delay as the configuration writes it ("00:00:30") or as an ISO 8601 duration ("PT30S"); null when it is neither.</summary>
    public static TimeSpan? ReadDelay(string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t)) return null;
        try
        {
            if (t.StartsWith('P')) return XmlConvert.ToTimeSpan(t);
        }
        catch (FormatException) { return null; }
        return TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    /// <summary>The problem with a list of retry delays, or null when it is within the limits.</summary>
    public static string? CheckRetryDelays(IReadOnlyList<string?> delays, out TimeSpan[] parsed)
    {
        parsed = [];
        if (delays.Count > MaxRetryDelays) return $"retryDelays has {delays.Count} items; at most {MaxRetryDelays}.";
        var read = new List<TimeSpan>();
        foreach (var raw in delays)
        {
            if (ReadDelay(raw) is not { } delay) return $"'{raw}' is not a delay; write it as 00:00:30 or PT30S.";
            if (delay < MinRetryDelay || delay > MaxRetryDelay) return $"'{raw}' is outside 1 second to 24 hours.";
            read.Add(delay);
        }
        parsed = [.. read];
        return null;
    }

    public static string? CheckTimeout(int seconds) => seconds is < MinTimeoutSeconds or > MaxTimeoutSeconds
        ? $"timeout is a number of seconds from {MinTimeoutSeconds} to {MaxTimeoutSeconds}." : null;
}
