using System.Text.RegularExpressions;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Filters;
using Centrali.Console.Webhooks.Secrets;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// Every rule a subscription's fields obey: checked all at once on create and patch, each problem named by its field;
/// the limits and choices the editor offers come from here too.
/// </summary>
public sealed partial class SubscriptionRules(UrlGuard guard, SubscriptionSecrets secrets)
{
    /// <summary>The most items events or recordSlugs may list: more is a mistake or an attack, and each one costs every delivery.</summary>
    public const int MaxListItems = 100;

    public static readonly string[] Algorithms = ["sha256", "sha1", "sha512"];
    public static readonly string[] Encodings = ["base64", "hex"];
    public const string DefaultSignatureHeader = "X-Signature";
    public const int MaxPrefixLength = 32;
    public static readonly string[] Orderings = [SubscriptionOrdering.None, SubscriptionOrdering.Record];
    public static readonly string[] Schemes = [SignatureSchemes.Hmac, SignatureSchemes.Ed25519];
    public const int MaxRateLimit = 10_000;

    // Headers the sender sets itself or that HTTP owns: a signature there would clash or break the request.
    static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "User-Agent", "Keep-Alive",
        "Upgrade", "TE", "Trailer", "Expect", "Cookie", "Authorization",
        "X-Centrali-Event", "X-Centrali-Event-Id", "X-Centrali-Delivery-Id",
    };
    static readonly string[] ReservedHeaderPrefixes = ["webhook-", "content-", "proxy-"];

    /// <summary>Checks every field present in <paramref name="input"/> and, when all pass, copies them onto the subscription.</summary>
    public async Task ApplyAsync(Subscription s, SubscriptionInput input, CancellationToken ct, bool creating = false)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (input.Secret is not null && !creating)
            Error("secret", "The secret cannot be changed here; rotate it with POST …/rotate-secret, which also takes a secret of your own.");
        else if (input.Secret is not null && SubscriptionSecrets.Check(input.Secret) is { } secretProblem)
            Error("secret", secretProblem);

        var name = input.Name?.Trim();
        if (name is not null && name.Length is 0 or > 200) Error("name", "A subscription needs a name of 1 to 200 characters.");

        var url = input.Url?.Trim();
        if (url is not null)
        {
            if (CheckUrl(url) is { } problem) Error("url", problem);
            else if (await guard.RefusalAsync(new Uri(url), ct) is { } refusal) Error("url", refusal);
        }

        List<string>? events = null;
        if (input.Events is { Count: > MaxListItems })
            Error("events", $"events has {input.Events.Count} items; at most {MaxListItems}.");
        else if (input.Events is not null)
        {
            var seen = new HashSet<string>();
            foreach (var raw in input.Events)
            {
                // The dotted spelling (record.created) is the SDK's; we store the underscored one.
                var type = raw?.Trim().Replace('.', '_');
                if (type is null || !EventTypes.Subscribable.Contains(type))
                    Error("events", $"'{raw}' is not an event type; use {string.Join(", ", EventTypes.Subscribable)}."
                        + (type?.Split('_')[0] is "function" or "trigger" ? " Function and trigger events have no source here: the console has no compute functions." : ""));
                else seen.Add(type);
            }
            if (input.Events.Count == 0) Error("events", $"Choose at least one event: {string.Join(", ", EventTypes.Subscribable)}.");
            events = [.. EventTypes.Subscribable.Where(seen.Contains)];
        }

        List<string>? slugs = null;
        if (input.CollectionSlugs is { Count: > MaxListItems })
            Error("recordSlugs", $"recordSlugs has {input.CollectionSlugs.Count} items; at most {MaxListItems}.");
        else if (input.CollectionSlugs is not null)
        {
            // A set for the duplicates (linear, not quadratic), a list for the order the user gave.
            slugs = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in input.CollectionSlugs)
            {
                var slug = raw?.Trim();
                if (!Slugs.IsValid(slug)) Error("recordSlugs", $"'{raw}' is not a valid collection slug: {Slugs.Rule}.");
                else if (seen.Add(slug!)) slugs.Add(slug!);
            }
        }

        if (input.Status is not null && input.Status is not (SubscriptionStatus.Active or SubscriptionStatus.Inactive))
            Error("status", "status is 'active' or 'inactive'.");
        if (input.Algorithm is not null && !Algorithms.Contains(input.Algorithm))
            Error("algorithm", $"algorithm is one of {string.Join(", ", Algorithms)}.");
        if (input.Encoding is not null && !Encodings.Contains(input.Encoding))
            Error("encoding", $"encoding is one of {string.Join(", ", Encodings)}.");
        var header = input.SignatureHeader?.Trim();
        if (header is not null && CheckHeader(header) is { } headerProblem) Error("signatureHeader", headerProblem);
        if (input.SignaturePrefix is not null && CheckPrefix(input.SignaturePrefix) is { } prefixProblem) Error("signaturePrefix", prefixProblem);
        if (input.PayloadFormat is not null && !PayloadFormats.All.Contains(input.PayloadFormat))
            Error("payloadFormat", "payloadFormat is 'v2' (the default body) or 'v1' (the older webhooks guide's body).");
        var filter = string.IsNullOrWhiteSpace(input.Filter) ? null : input.Filter.Trim();
        if (input.HasFilter && SubscriptionFilter.Problem(input.Filter) is { } filterProblem) Error("filter", filterProblem);
        TimeSpan[]? delays = null;
        if (input.RetryDelays is { } rawDelays)
        {
            if (DeliveryPolicy.CheckRetryDelays(rawDelays, out var parsed) is { } delaysProblem) Error("retryDelays", delaysProblem);
            else delays = parsed;
        }
        if (input.Timeout is { } seconds && DeliveryPolicy.CheckTimeout(seconds) is { } timeoutProblem) Error("timeout", timeoutProblem);
        if (input.Ordering is not null && !Orderings.Contains(input.Ordering))
            Error("ordering", "ordering is 'none' (any order, the fastest) or 'record' (one record's deliveries in event order).");
        if (input.RateLimit is < 1 or > MaxRateLimit) Error("rateLimit", $"rateLimit is a number of deliveries per second from 1 to {MaxRateLimit}, or null for none.");
        if (input.SignatureScheme is not null && !Schemes.Contains(input.SignatureScheme))
            Error("signatureScheme", "signatureScheme is 'hmac' (the shared secret) or 'ed25519' (a key pair: receivers verify with the public key).");
        var headers = input.HasHeaders ? Clean(input.Headers) : CustomHeaders.Parse(s.Headers);
        var oldSecret = s.SecretHeadersCipher is { } cipher ? CustomHeaders.Parse(secrets.Unprotect(cipher)) : [];
        // A value sent back as its mask keeps the stored value, so a form can change one header without knowing the others.
        var secretHeaders = !input.HasSecretHeaders ? oldSecret
            : Clean(input.SecretHeaders).ToDictionary(h => h.Key, h => oldSecret.TryGetValue(h.Key, out var kept) && CustomHeaders.Mask(kept) == h.Value ? kept : h.Value, StringComparer.OrdinalIgnoreCase);
        var signatureHeaderAfter = header ?? s.SignatureHeader;
        foreach (var (field, list) in new[] { ("headers", headers), ("secretHeaders", secretHeaders) })
            foreach (var (headerName, value) in list)
                if (CustomHeaders.Check(headerName, value, signatureHeaderAfter) is { } problem) Error(field, problem);
        if (headers.Count + secretHeaders.Count > CustomHeaders.Max)
            Error(input.HasSecretHeaders ? "secretHeaders" : "headers", $"{headers.Count + secretHeaders.Count} headers in all; at most {CustomHeaders.Max}.");
        foreach (var both in headers.Keys.Where(secretHeaders.ContainsKey))
            Error("secretHeaders", $"'{both}' is in both headers and secretHeaders; name it once.");

        if (errors.Count > 0) throw ServiceException.Invalid(errors);

        if (name is not null) s.Name = name;
        if (url is not null) s.Url = url;
        if (events is not null) s.Events = string.Join(',', events);
        if (slugs is not null) s.CollectionSlugs = string.Join(',', slugs);
        if (input.Status is not null)
        {
            s.Status = input.Status;
            if (input.Status == SubscriptionStatus.Active) s.DisabledReason = null;
        }
        if (input.Algorithm is not null) s.Algorithm = input.Algorithm;
        if (input.Encoding is not null) s.Encoding = input.Encoding;
        if (header is not null) s.SignatureHeader = header;
        if (input.SignaturePrefix is not null) s.SignaturePrefix = input.SignaturePrefix;
        if (input.PayloadFormat is not null) s.PayloadFormat = input.PayloadFormat;
        if (input.HasFilter) s.Filter = filter;
        if (input.HasRetryDelays) s.RetryDelays = delays is null ? null : DeliveryPolicy.Store(delays);
        if (input.HasTimeout) s.TimeoutSeconds = input.Timeout;
        if (input.Ordering is not null) s.Ordering = input.Ordering;
        if (input.HasRateLimit && s.RateLimit != input.RateLimit)
            (s.RateLimit, s.EffectiveRate, s.ThrottledAt, s.RateSlotsUntil) = (input.RateLimit, null, null, null);
        if (input.HasHeaders) s.Headers = CustomHeaders.Store(headers);
        if (input.HasSecretHeaders)
        {
            s.SecretHeadersCipher = secretHeaders.Count == 0 ? null : secrets.Protect(CustomHeaders.Store(secretHeaders)!);
            s.SecretHeadersHint = CustomHeaders.Store(secretHeaders.ToDictionary(h => h.Key, h => CustomHeaders.Mask(h.Value)));
        }
        if (input.SignatureScheme is not null) s.SignatureScheme = input.SignatureScheme;
    }

    /// <summary>Header names as given (trimmed), duplicates by case folded into the last; a null map is none.</summary>
    static Dictionary<string, string> Clean(IReadOnlyDictionary<string, string?>? headers)
    {
        var clean = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers ?? new Dictionary<string, string?>()) clean[name.Trim()] = value!;
        return clean;
    }

    /// <summary>Every rule a save applies to a URL, shape and network (with the reason a private address is refused); null when it would pass.</summary>
    public async Task<string?> CheckUrlAsync(string? url, CancellationToken ct = default)
    {
        var trimmed = url?.Trim() ?? "";
        return CheckUrl(trimmed) ?? await guard.RefusalAsync(new Uri(trimmed), ct);
    }

    /// <summary>The shape rules of a webhook URL (the network rules are <see cref="UrlGuard"/>'s).</summary>
    public static string? CheckUrl(string url)
    {
        if (url.Length == 0) return "A subscription needs a URL.";
        if (url.Length > 2048) return "The URL is longer than 2048 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            return "The URL must be absolute http:// or https://, e.g. https://customer.example.com/webhooks.";
        return null;
    }

    public static string? CheckHeader(string header)
    {
        if (header.Length is 0 or > 64 || !HeaderToken().IsMatch(header))
            return "The signature header must be an HTTP header name of 1 to 64 letters, digits or !#$%&'*+-.^_`|~.";
        if (ReservedHeaders.Contains(header) || ReservedHeaderPrefixes.Any(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            return $"'{header}' is a header the sender sets itself or HTTP reserves; choose another, e.g. X-Signature.";
        return null;
    }

    public static string? CheckPrefix(string prefix)
    {
        if (prefix.Length > MaxPrefixLength) return $"The signature prefix is at most {MaxPrefixLength} characters.";
        if (prefix.Any(c => c is < '!' or > '~')) return "The signature prefix may only hold printable ASCII without spaces, e.g. sha256=.";
        return null;
    }

    // RFC 7230 tchar.
    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderToken();
}
