using Centrali.Console.Webhooks.Subscriptions;

namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// Per-subscription rate limits (<c>rateLimit</c>, deliveries per second) as send slots: a rate-limited delivery is sent at
/// its slot, slots are <see cref="Spacing"/> apart, and a slot not used is not saved up (no bursts). On PostgreSQL the
/// instances take slots from one row per subscription (<see cref="DeliveryStore.TakeRateSlotsAsync"/>), so the limit holds
/// for all of them together; on SQLite (one instance) they are kept here. At most half a second's worth of a
/// subscription's deliveries is claimed ahead of its slots; while it has that many, the claim leaves its rows alone,
/// as <see cref="HostSlots"/> does for a busy host.
/// </summary>
public sealed class RateSlots(TimeProvider time)
{
    /// <summary>
    /// Slots are 10% further apart than 1/rate: a receiver counting per second then never sees more than the limit, even
    /// when network and scheduling jitter bunch a few requests together.
    /// </summary>
    public const double Margin = 1.1;

    /// <summary>Adaptive throttling never goes below one delivery per second.</summary>
    public const double MinRate = 1;

    readonly Dictionary<Guid, Limited> subscriptions = [];

    sealed class Limited
    {
        public int Claimed;
        public double Rate;
        /// <summary>One delivery at a time takes its turn, so a late timer never lets several go at once.</summary>
        public readonly SemaphoreSlim Turn = new(1);
        public DateTime LastSent;
    }

    /// <summary>The rate in force: the limit, or what adaptive throttling lowered it to.</summary>
    public static double Rate(Subscription s) => Math.Max(MinRate, Math.Min(s.RateLimit ?? double.MaxValue, s.EffectiveRate ?? double.MaxValue));

    public static TimeSpan Spacing(double rate) => TimeSpan.FromSeconds(Margin / rate);

    static int Ahead(double rate) => Math.Max(1, (int)Math.Ceiling(rate / 2));

    /// <summary>Takes a claimed delivery for its subscription's slots, unless half a second's worth is already claimed; unlimited ones always pass.</summary>
    public bool TryReserve(Subscription s)
    {
        if (s.RateLimit is null) return true;
        lock (subscriptions)
        {
            if (!subscriptions.TryGetValue(s.Id, out var l)) subscriptions[s.Id] = l = new Limited();
            l.Rate = Rate(s);
            if (l.Claimed >= Ahead(l.Rate)) return false;
            l.Claimed++;
            return true;
        }
    }

    /// <summary>The reserved delivery was sent or given back.</summary>
    public void Release(Guid subscriptionId)
    {
        lock (subscriptions)
            if (subscriptions.TryGetValue(subscriptionId, out var l) && --l.Claimed <= 0
                && l.LastSent + Spacing(l.Rate) < time.GetUtcNow().UtcDateTime && l.Turn.CurrentCount == 1)
                subscriptions.Remove(subscriptionId);
    }

    /// <summary>
    /// Waits for a reserved delivery's turn: not before its <paramref name="slot"/> (PostgreSQL's shared bucket), and one spacing
    /// after this process's previous send of the subscription, measured when that send really went (this process's bucket).
    /// </summary>
    public async Task WaitTurnAsync(Subscription s, DateTime? slot)
    {
        Limited l;
        lock (subscriptions)
            if (!subscriptions.TryGetValue(s.Id, out l!)) subscriptions[s.Id] = l = new Limited { Rate = Rate(s) };
        await l.Turn.WaitAsync();
        try
        {
            var now = time.GetUtcNow().UtcDateTime;
            var at = l.LastSent + Spacing(Rate(s));
            if (slot > at) at = slot.Value;
            if (at > now) await Task.Delay(at - now);
            l.LastSent = time.GetUtcNow().UtcDateTime;
        }
        finally
        {
            l.Turn.Release();
        }
    }

    /// <summary>Rate-limited subscriptions with their half second claimed: the next claim skips their deliveries.</summary>
    public List<Guid> Saturated()
    {
        lock (subscriptions) return [.. subscriptions.Where(p => p.Value.Claimed >= Ahead(p.Value.Rate)).Select(p => p.Key)];
    }
}
