using System.Text.RegularExpressions;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// A subscription's own request headers: <c>headers</c> (plain) and <c>secretHeaders</c> (stored encrypted, read back masked),
/// at most <see cref="Max"/> in all. Names are HTTP tokens; the sender's own headers and HTTP's are refused.
/// </summary>
public static partial class CustomHeaders
{
    public const int Max = 20;
    public const int MaxValueLength = 4096;

    // Hop-by-hop and framing headers would break the request itself.
    static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "User-Agent", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Expect",
    };
    static readonly string[] ReservedPrefixes = ["content-", "webhook-", "x-centrali-", "proxy-"];

    /// <summary>What reads show of a secret value: its first three and last two characters, e.g. "Bea…x9"; short values show nothing.</summary>
    public static string Mask(string value) => value.Length >= 8 ? $"{value[..3]}…{value[^2..]}" : "…";

    /// <summary>A stored map, its names compared as HTTP does (ignoring case).</summary>
    public static Dictionary<string, string> Parse(string? json) => new(
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [], StringComparer.OrdinalIgnoreCase);

    public static string? Store(IReadOnlyDictionary<string, string>? headers) =>
        headers is null || headers.Count == 0 ? null : JsonSerializer.Serialize(headers);

    public static List<KeyValuePair<string, string>>? ToList(string? json) => string.IsNullOrEmpty(json) ? null : [.. Parse(json)];

    /// <summary>The problem with one header's name (given the subscription's signature header) or value, or null.</summary>
    public static string? Check(string name, string? value, string signatureHeader)
    {
        if (name.Length is 0 or > 64 || !Token().IsMatch(name))
            return $"'{name}' is not a header name: 1 to 64 letters, digits or !#$%&'*+-.^_`|~.";
        if (Reserved.Contains(name) || ReservedPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase))
            || name.Equals(signatureHeader, StringComparison.OrdinalIgnoreCase))
            return $"'{name}' is a header the sender sets itself or HTTP reserves (Host, Content-*, User-Agent, the signature header, webhook-*, X-Centrali-*).";
        if (value is null) return $"The value of '{name}' is missing.";
        if (value.Length > MaxValueLength) return $"The value of '{name}' is longer than {MaxValueLength} characters.";
        if (value.Any(c => c is < ' ' and not '\t' || c == '\u007f')) return $"The value of '{name}' holds a control character (a line break, say).";
        return null;
    }

    // RFC 7230 tchar.
    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex Token();
}
