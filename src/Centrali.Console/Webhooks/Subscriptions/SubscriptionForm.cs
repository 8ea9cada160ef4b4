using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>The editable fields of the console's subscription form; the service does all the checking.</summary>
public sealed class SubscriptionForm
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public HashSet<string> Events { get; set; } = [.. EventTypes.Subscribable];
    /// <summary>Comma-separated slugs, as typed.</summary>
    public string CollectionSlugs { get; set; } = "";
    public string SignatureHeader { get; set; } = SubscriptionRules.DefaultSignatureHeader;
    public string Algorithm { get; set; } = SubscriptionRules.Algorithms[0];
    public string Encoding { get; set; } = SubscriptionRules.Encodings[0];
    public string SignaturePrefix { get; set; } = "";
    public string PayloadFormat { get; set; } = PayloadFormats.V2;
    /// <summary>The filter as typed; empty means every event.</summary>
    public string Filter { get; set; } = "";
    /// <summary>Retry delays as typed, comma-separated ("00:00:30, 00:05:00"); empty follows the configured ones, "none" never retries.</summary>
    public string RetryDelays { get; set; } = "";
    /// <summary>Attempt timeout in seconds; empty follows the configured one.</summary>
    public int? Timeout { get; set; }

    public const string NoRetries = "none";

    public string Ordering { get; set; } = SubscriptionOrdering.None;
    /// <summary>Deliveries per second; empty is unlimited.</summary>
    public int? RateLimit { get; set; }
    /// <summary>Custom headers, one "Name: value" per line.</summary>
    public string Headers { get; set; } = "";
    /// <summary>Secret headers, one "Name: value" per line; a value left as its mask keeps the stored one.</summary>
    public string SecretHeaders { get; set; } = "";
    public string SignatureScheme { get; set; } = SignatureSchemes.Hmac;

    public static string ToLines(IReadOnlyDictionary<string, string> headers) => string.Join("\n", headers.Select(h => $"{h.Key}: {h.Value}"));

    /// <summary>"Name: value" lines as a map; a line without a colon is a name without a value (the service says so).</summary>
    public static Dictionary<string, string?> FromLines(string? lines)
    {
        var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in (lines ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':');
            if (colon < 0) headers[line] = null;
            else headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return headers;
    }

    public static SubscriptionForm From(SubscriptionView s) => new()
    {
        Name = s.Name,
        Url = s.Url,
        Events = [.. s.Events],
        CollectionSlugs = string.Join(", ", s.CollectionSlugs),
        SignatureHeader = s.SignatureHeader,
        Algorithm = s.Algorithm,
        Encoding = s.Encoding,
        SignaturePrefix = s.SignaturePrefix,
        PayloadFormat = s.PayloadFormat,
        Filter = s.Filter ?? "",
        RetryDelays = s.RetryDelays is null ? "" : s.RetryDelays.Count == 0 ? NoRetries : string.Join(", ", s.RetryDelays),
        Timeout = s.Timeout,
        Ordering = s.Ordering,
        RateLimit = s.RateLimit,
        Headers = ToLines(s.Headers),
        SecretHeaders = ToLines(s.SecretHeaders),
        SignatureScheme = s.SignatureScheme,
    };

    public SubscriptionInput ToInput() => new()
    {
        Name = Name ?? "",
        Url = Url ?? "",
        Events = [.. EventTypes.Subscribable.Where(Events.Contains)],
        CollectionSlugs = (CollectionSlugs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        SignatureHeader = SignatureHeader ?? "",
        Algorithm = Algorithm,
        Encoding = Encoding,
        SignaturePrefix = SignaturePrefix ?? "",
        PayloadFormat = PayloadFormat,
        Filter = Filter ?? "",
        RetryDelays = string.IsNullOrWhiteSpace(RetryDelays) ? null
            : RetryDelays.Trim().Equals(NoRetries, StringComparison.OrdinalIgnoreCase) ? []
            : RetryDelays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Timeout = Timeout,
        Ordering = Ordering,
        RateLimit = RateLimit,
        Headers = FromLines(Headers),
        SecretHeaders = FromLines(SecretHeaders),
        SignatureScheme = SignatureScheme,
    };
}
