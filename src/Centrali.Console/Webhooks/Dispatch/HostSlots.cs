namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// At most <c>Webhooks:MaxConcurrencyPerHost</c> attempts in flight to one receiver host (host and port) in this process,
/// and at most as many more claimed and waiting for it: a tarpit host gets its share of send slots and claims, no more,
/// and the other receivers' deliveries go on. While a host is at that limit, the claim leaves its subscriptions' rows alone.
/// </summary>
public sealed class HostSlots(IOptions<WebhookOptions> options)
{
    readonly Dictionary<string, Host> hosts = [];

    sealed class Host(int cap)
    {
        public readonly SemaphoreSlim Sending = new(cap);
        public int Claimed;
        public readonly HashSet<Guid> Subscriptions = [];
    }

    int Cap => Math.Max(1, options.Value.MaxConcurrencyPerHost);

    /// <summary>Takes a claimed delivery for its host, unless the host already has twice its cap claimed.</summary>
    public bool TryReserve(string host, Guid subscriptionId)
    {
        lock (hosts)
        {
            if (!hosts.TryGetValue(host, out var h)) hosts[host] = h = new Host(Cap);
            h.Subscriptions.Add(subscriptionId);
            if (h.Claimed >= Cap * 2) return false;
            h.Claimed++;
            return true;
        }
    }

    /// <summary>Waits for one of the host's send slots (at most one round of its sends, since claims are capped).</summary>
    public Task EnterAsync(string host)
    {
        lock (hosts) return hosts[host].Sending.WaitAsync();
    }

    public void Exit(string host)
    {
        lock (hosts) hosts[host].Sending.Release();
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
        lock (hosts) return hosts.Values.Where(h => h.Claimed >= Cap * 2).SelectMany(h => h.Subscriptions).ToList();
    }

    public static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;
}
