namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// At most <c>Webhooks:MaxConcurrencyPerHost</c> attempts in flight to one receiver host (host and port) in this process,
/// and a bounded number more claimed and waiting for it: a tarpit host gets its share of send slots and claims, no more,
/// and the other receivers' deliveries go on. While a host is at that limit, the claim leaves its subscriptions' rows alone,
/// and a claim or fan-out leases no more of a host's deliveries than it has room for (<see cref="TryReserve"/>).
/// </summary>
/// <remarks>
/// How many may wait depends on how fast the host answers. A new or slow host has as many waiting as sending (one round of
/// its sends). A host whose recent attempts took under <see cref="FastSend"/> may have <see cref="FastDepth"/> times its cap
/// claimed: at cap 16 one fast receiver needs a couple of hundred claimed deliveries at hand to keep its 16 slots busy
/// between claims (measured, one receiver: 3,000–3,200 deliveries/s with twice its cap, 4,000–4,800 with this and the
/// dispatcher's wider claim window), and fifteen rounds of sends under 50 ms each are well inside a lease. A host that
/// turns slow falls back at its next answers; a delivery that waited past the point where its lease could end mid-attempt
/// is given back unsent.
/// </remarks>
public sealed class HostSlots(IOptions<WebhookOptions> options)
{
    readonly Dictionary<string, Host> hosts = [];

    /// <summary>Attempts quicker than this, on average, make a host fast.</summary>
    public static readonly TimeSpan FastSend = TimeSpan.FromMilliseconds(50);
    /// <summary>A fast host may have this many times its cap claimed (a new or slow one twice its cap).</summary>
    public const int FastDepth = 16;

    sealed class Host(int cap)
    {
        public readonly SemaphoreSlim Sending = new(cap);
        public int Claimed;
        public readonly HashSet<Guid> Subscriptions = [];
        /// <summary>A moving average of how long its attempts took; unknown until the first ends.</summary>
        public double SendMs = double.NaN;
    }

    int Cap => Math.Max(1, options.Value.MaxConcurrencyPerHost);

    int Allowance(Host h) => Cap * (h.SendMs < FastSend.TotalMilliseconds ? FastDepth : 2);

    /// <summary>Takes a claimed delivery for its host, unless the host already has all it may have claimed.</summary>
    public bool TryReserve(string host, Guid subscriptionId)
    {
        lock (hosts)
        {
            if (!hosts.TryGetValue(host, out var h)) hosts[host] = h = new Host(Cap);
            h.Subscriptions.Add(subscriptionId);
            if (h.Claimed >= Allowance(h)) return false;
            h.Claimed++;
            return true;
        }
    }

    /// <summary>Waits for one of the host's send slots (a bounded number of rounds of its sends, since claims are capped).</summary>
    public Task EnterAsync(string host)
    {
        lock (hosts) return hosts[host].Sending.WaitAsync();
    }

    /// <summary>Gives the send slot back, with how long its attempt took (none when it was given back unsent).</summary>
    public void Exit(string host, TimeSpan? took)
    {
        lock (hosts)
        {
            var h = hosts[host];
            if (took is { TotalMilliseconds: var ms }) h.SendMs = double.IsNaN(h.SendMs) ? ms : h.SendMs * 0.9 + ms * 0.1;
            h.Sending.Release();
        }
    }

    /// <summary>The claimed delivery is done with its host.</summary>
    public void Release(string host)
    {
        lock (hosts)
        {
            var h = hosts[host];
            h.Claimed--;
            if (h.Claimed == 0 && h.Sending.CurrentCount == Cap) hosts.Remove(host);
        }
    }

    /// <summary>Subscriptions whose host is at its limit now: the next claim skips their deliveries.</summary>
    public List<Guid> SaturatedSubscriptions()
    {
        lock (hosts) return hosts.Values.Where(h => h.Claimed >= Allowance(h)).SelectMany(h => h.Subscriptions).ToList();
    }

    public static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;
}
