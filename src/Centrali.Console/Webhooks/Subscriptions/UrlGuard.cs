using System.Net;
using System.Net.Sockets;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// SSRF guard: refuses webhook URLs that reach loopback, private, link-local (cloud metadata), unspecified
/// or other non-public addresses, unless <c>Webhooks:AllowPrivateNetworks</c> is on.
/// Checked when a subscription is saved and again by the sender at connect time (DNS can change in between).
/// </summary>
public sealed class UrlGuard(bool allowPrivateNetworks)
{
    static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    public bool AllowPrivateNetworks { get; } = allowPrivateNetworks;

    /// <summary>Why this URL may not be called (a sentence for the user), or null when it may.</summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken ct = default)
    {
        if (AllowPrivateNetworks) return null;
        var host = url.HostNameType == UriHostNameType.IPv6 ? url.DnsSafeHost : url.IdnHost;
        host = host.TrimEnd('.');
        // RFC 6761: *.localhost is loopback whatever a resolver says.
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return $"'{host}' is a loopback host name; webhooks may only call public addresses.";
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, ct);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ArgumentException && !ct.IsCancellationRequested)
        {
            return $"The host '{host}' could not be resolved.";
        }
        if (addresses.Length == 0) return $"The host '{host}' could not be resolved.";
        // Every address counts: a name with one public and one private address must not slip through.
        foreach (var address in addresses)
            if (Classify(address) is { } kind)
                return $"'{host}' resolves to {address}, a {kind} address; webhooks may only call public addresses.";
        return null;
    }

    /// <summary>The host's addresses: IP literals in any spelling parsed here, names through DNS.</summary>
    public static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct = default)
    {
        if (TryParseIPv4(host, out var v4)) return [v4];
        if (IPAddress.TryParse(host, out var literal)) return [literal];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ResolveTimeout);
        return await Dns.GetHostAddressesAsync(host, timeout.Token);
    }

    public static bool IsForbidden(IPAddress address) => Classify(address) is not null;

    /// <summary>The kind of non-public address this is ("loopback", "private", …), or null for a public one.</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return b[0] switch
            {
                0 => b is [0, 0, 0, 0] ? "unspecified" : "reserved ('this network')",
                127 => "loopback",
                10 => "private",
                172 when (b[1] & 0xF0) == 16 => "private",
                192 when b[1] == 168 => "private",
                // IETF protocol assignments (192.0.0.0/24): NAT64 discovery, DS-Lite and other special-purpose hosts.
                192 when b[1] == 0 && b[2] == 0 => "special-purpose (IETF protocol assignments)",
                // Benchmarking (198.18.0.0/15): often routed to lab or internal gear.
                198 when (b[1] & 0xFE) == 18 => "benchmarking (special-purpose)",
                169 when b[1] == 254 => "link-local (cloud metadata)",
                // Shared address space: carrier NAT, and where some clouds put their metadata service.
                100 when (b[1] & 0xC0) == 64 => "shared (carrier NAT)",
                >= 224 => "multicast or reserved",
                _ => null,
            };
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "non-IP";
        if (address.Equals(IPAddress.IPv6Any)) return "unspecified";
        if (address.Equals(IPAddress.IPv6Loopback)) return "loopback";
        if (address.IsIPv6LinkLocal) return "link-local";
        if (address.IsIPv6SiteLocal) return "site-local";
        if (address.IsIPv6Multicast) return "multicast";
        if ((b[0] & 0xFE) == 0xFC) return "private (unique local)";
        // IPv6 spellings that carry an IPv4 address: judge the IPv4 address inside.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0) return Classify(new IPAddress(b.AsSpan(12, 4)));
        if (b is [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0, ..]) return Classify(new IPAddress(b.AsSpan(12, 4)));
        if (b is [0x20, 0x02, ..]) return Classify(new IPAddress(b.AsSpan(2, 4)));
        // Local-use NAT64 (64:ff9b:1::/48) translates to whatever IPv4 the operator's network chooses, private ones included.
        if (b is [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01, ..]) return "NAT64 (local use)";
        // Teredo (2001::/32) tunnels to an IPv4 address hidden (inverted) in the last four bytes: refuse the tunnel outright.
        if (b is [0x20, 0x01, 0x00, 0x00, ..]) return "Teredo tunnel";
        return null;
    }

    /// <summary>
    /// IPv4 the way inet_aton (and so curl, browsers and many HTTP stacks) reads it: 1 to 4 dot-separated parts,
    /// each decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes — 2130706433, 0177.0.0.1,
    /// 0x7f.1 and 127.1 are all 127.0.0.1. Parsed here rather than trusting any one library's normalisation.
    /// </summary>
    public static bool TryParseIPv4(string host, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = host.Split('.');
        if (parts.Length is < 1 or > 4) return false;
        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!TryParsePart(parts[i], out values[i])) return false;
        ulong result = 0;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            if (values[i] > 0xFF) return false;
            result |= values[i] << (8 * (3 - i));
        }
        var last = values[^1];
        var lastBits = 8 * (5 - parts.Length);
        if (lastBits < 64 && last >= 1UL << lastBits) return false;
        result |= last;
        address = new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
        return true;
    }

    static bool TryParsePart(string part, out ulong value)
    {
        value = 0;
        if (part.Length == 0) return false;
        if (part.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return part.Length == 2 || ulong.TryParse(part.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
                && value <= uint.MaxValue;
        if (part.Length > 1 && part[0] == '0')
        {
            foreach (var c in part)
            {
                if (c is < '0' or > '7') return false;
                value = value * 8 + (ulong)(c - '0');
                if (value > uint.MaxValue) return false;
            }
            return true;
        }
        return part.All(char.IsAsciiDigit) && ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= uint.MaxValue;
    }
}
