namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>When the next attempt happens: the configured delay with jitter, or the receiver's Retry-After within bounds.</summary>
public sealed class RetrySchedule(IOptions<WebhookOptions> options, Random random)
{
    readonly WebhookOptions o = options.Value;

    /// <summary>
    /// The wait after failed attempt <paramref name="attemptNumber"/> (1-based), or null when attempts are used up.
    /// <paramref name="delays"/> are the subscription's own (<see cref="DeliveryPolicy"/>); null takes the configured ones.
    /// </summary>
    public TimeSpan? DelayAfter(int attemptNumber, int statusCode = 0, TimeSpan? retryAfter = null, TimeSpan[]? delays = null)
    {
        delays ??= o.RetryDelays;
        if (attemptNumber < 1 || attemptNumber > delays.Length) return null;
        var delay = delays[attemptNumber - 1];
        // A 429/503 with Retry-After waits that long, clamped to [delay, 2×delay].
        if (statusCode is 429 or 503 && retryAfter is { } asked)
            return asked < delay ? delay : asked > delay * 2 ? delay * 2 : asked;
        var factor = 1 + (random.NextDouble() * 2 - 1) * o.JitterFraction;
        return delay * factor;
    }
}
