using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Secrets;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>A subscription as the API and the console read it; <c>secret</c> only in the answers to create and rotate.</summary>
public sealed record SubscriptionView(
    Guid Id,
    string Name,
    string Url,
    IReadOnlyList<string> Events,
    [property: JsonPropertyName("recordSlugs")] IReadOnlyList<string> CollectionSlugs,
    string Status,
    string SignatureHeader,
    string Algorithm,
    string Encoding,
    string SignaturePrefix,
    string SecretHint,
    DateTime? PreviousSecretExpiresAt,
    string? Filter,
    IReadOnlyList<string>? RetryDelays,
    int? Timeout,
    string Ordering,
    int? RateLimit,
    double? EffectiveRate,
    DateTime? ThrottledAt,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> SecretHeaders,
    string SignatureScheme,
    string? PublicKey,
    string? PreviousPublicKey,
    string Circuit,
    DateTime? CircuitOpenUntil,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary><c>v2</c> (the default body) or <c>v1</c> (the older webhooks guide's); see <see cref="PayloadFormats"/>.</summary>
    public string PayloadFormat { get; init; } = PayloadFormats.V2;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }
}

/// <summary>
/// The body of create and patch. On create a missing field takes its default; on patch a missing (or null)
/// field stays as it is.
/// </summary>
public sealed record SubscriptionInput
{
    public string? Name { get; init; }
    public string? Url { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    [JsonPropertyName("recordSlugs")]
    public IReadOnlyList<string>? CollectionSlugs { get; init; }
    public string? Status { get; init; }
    public string? SignatureHeader { get; init; }
    public string? Algorithm { get; init; }
    public string? Encoding { get; init; }
    public string? SignaturePrefix { get; init; }
    public string? PayloadFormat { get; init; }

    readonly string? filter;
    /// <summary>Present (even as null or "") means "set the filter"; null or "" clears it.</summary>
    public string? Filter { get => filter; init { filter = value; HasFilter = true; } }
    /// <summary>Whether the body carried <c>filter</c> at all: absent leaves it as it is, null clears it.</summary>
    [JsonIgnore] public bool HasFilter { get; private init; }

    readonly IReadOnlyList<string?>? retryDelays;
    /// <summary>Own retry delays ("00:00:30" or "PT30S"); present as null goes back to the configured ones, [] means no retries.</summary>
    public IReadOnlyList<string?>? RetryDelays { get => retryDelays; init { retryDelays = value; HasRetryDelays = true; } }
    [JsonIgnore] public bool HasRetryDelays { get; private init; }

    readonly int? timeout;
    /// <summary>Own attempt timeout in seconds (1–60); present as null goes back to the configured one.</summary>
    public int? Timeout { get => timeout; init { timeout = value; HasTimeout = true; } }
    [JsonIgnore] public bool HasTimeout { get; private init; }

    /// <summary><c>none</c> or <c>record</c>.</summary>
    public string? Ordering { get; init; }

    readonly int? rateLimit;
    /// <summary>Deliveries per second at most; present as null removes the limit.</summary>
    public int? RateLimit { get => rateLimit; init { rateLimit = value; HasRateLimit = true; } }
    [JsonIgnore] public bool HasRateLimit { get; private init; }

    readonly IReadOnlyDictionary<string, string?>? headers;
    /// <summary>Replaces the custom headers; present as null or {} removes them.</summary>
    public IReadOnlyDictionary<string, string?>? Headers { get => headers; init { headers = value; HasHeaders = true; } }
    [JsonIgnore] public bool HasHeaders { get; private init; }

    readonly IReadOnlyDictionary<string, string?>? secretHeaders;
    /// <summary>Replaces the secret headers; a value equal to its current masked form keeps the stored value. Null or {} removes them.</summary>
    public IReadOnlyDictionary<string, string?>? SecretHeaders { get => secretHeaders; init { secretHeaders = value; HasSecretHeaders = true; } }
    [JsonIgnore] public bool HasSecretHeaders { get; private init; }

    /// <summary><c>hmac</c> or <c>ed25519</c>.</summary>
    public string? SignatureScheme { get; init; }
    /// <summary>
    /// On create only: a secret of the user's own instead of a generated one (<see cref="SubscriptionSecrets.Check"/>). A patch
    /// carrying it is refused rather than silently ignored: rotate-secret sets a new one.
    /// </summary>
    public string? Secret { get; init; }
}
