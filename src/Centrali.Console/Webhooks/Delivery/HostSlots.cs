using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// At most <c>Webhooks:MaxConcurrencyPerHost</c> attempts in flight to one receiver host (host and port) in this process:
/// a tarpit host gets its share of send slots and no more, and the other receivers' deliveries go on.
/// </summary>
public sealed class HostSlots(IOptions<WebhookOptions> options)
{
    readonly Dictionary<string, int> inUse = [];

    public bool TryEnter(string host)
    {
        lock (inUse)
        {
            var n = inUse.GetValueOrDefault(host);
            if (n >= Math.Max(1, options.Value.MaxConcurrencyPerHost)) return false;
            inUse[host] = n + 1;
            return true;
        }
    }

    public void Exit(string host)
    {
        lock (inUse)
        {
            if (inUse.TryGetValue(host, out var n) && n > 1) inUse[host] = n - 1;
            else inUse.Remove(host);
        }
    }

    public static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri.Authority : url;
}
