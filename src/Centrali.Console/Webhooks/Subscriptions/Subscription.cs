using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Secrets;

namespace Centrali.Console.Webhooks.Subscriptions;

public sealed class Subscription
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public required string Url { get; set; }
    /// <summary>Event types, underscored, comma-separated.</summary>
    public required string Events { get; set; }
    /// <summary>Collection slugs, comma-separated; empty means every collection.</summary>
    public string CollectionSlugs { get; set; } = "";
    public string Status { get; set; } = SubscriptionStatus.Active;
    public string SignatureHeader { get; set; } = "X-Signature";
    public string Algorithm { get; set; } = "sha256";
    public string Encoding { get; set; } = "base64";
    public string SignaturePrefix { get; set; } = "";
    /// <summary>Which body its deliveries send: <c>v2</c> or the older guide's <c>v1</c> (<see cref="PayloadFormats"/>).</summary>
    public string PayloadFormat { get; set; } = PayloadFormats.V2;
    /// <summary>The signing secret, encrypted with Data Protection.</summary>
    public required string SecretCipher { get; set; }
    public required string SecretHint { get; set; }
    /// <summary>During a rotation overlap, the old secret (encrypted) still signs until this time.</summary>
    public string? PreviousSecretCipher { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    public string? Filter { get; set; }
    /// <summary>Own delays before attempt 2, 3, … (<see cref="DeliveryPolicy.Store"/> form); null follows Webhooks:RetryDelays.</summary>
    public string? RetryDelays { get; set; }
    /// <summary>Own attempt timeout in seconds (1–60); null follows Webhooks:Timeout.</summary>
    public int? TimeoutSeconds { get; set; }
    /// <summary><see cref="SubscriptionOrdering"/>: with <c>record</c>, one record's deliveries are attempted in event order.</summary>
    public string Ordering { get; set; } = SubscriptionOrdering.None;
    /// <summary>Deliveries per second at most; null is unlimited.</summary>
    public int? RateLimit { get; set; }
    /// <summary>The rate adaptive throttling has lowered the limit to after 429/502/503/504 answers; null when at the limit.</summary>
    public double? EffectiveRate { get; set; }
    /// <summary>When the receiver last answered a throttling status; the rate halves at most once a second.</summary>
    public DateTime? ThrottledAt { get; set; }
    /// <summary>PostgreSQL: the end of the send slots the instances have taken (the shared token bucket).</summary>
    public DateTime? RateSlotsUntil { get; set; }
    /// <summary>Custom request headers, a JSON object name → value.</summary>
    public string? Headers { get; set; }
    /// <summary>Secret request headers: the JSON object encrypted with Data Protection.</summary>
    public string? SecretHeadersCipher { get; set; }
    /// <summary>The secret headers' masked values (a JSON object), what reads answer.</summary>
    public string? SecretHeadersHint { get; set; }
    /// <summary><see cref="SignatureSchemes"/>: <c>hmac</c> (the secret) or <c>ed25519</c> (SecretCipher then holds the private key).</summary>
    public string SignatureScheme { get; set; } = SignatureSchemes.Hmac;
    /// <summary>ed25519: "whpk_" + base64 of the 32-byte public key.</summary>
    public string? PublicKey { get; set; }
    /// <summary>ed25519 during a rotation overlap: the public key of the previous private key.</summary>
    public string? PreviousPublicKey { get; set; }
    public string? DisabledReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public static class SubscriptionOrdering
{
    public const string None = "none";
    public const string Record = "record";
}

public static class SignatureSchemes
{
    public const string Hmac = "hmac";
    public const string Ed25519 = "ed25519";
}

public static class SubscriptionStatus
{
    public const string Active = "active";
    public const string Inactive = "inactive";
}

internal sealed class SubscriptionConfiguration : IEntityTypeConfiguration<Subscription>
{
    public void Configure(EntityTypeBuilder<Subscription> b)
    {
        b.HasIndex(x => new { x.WorkspaceId, x.Status });
        b.Property(x => x.CollectionSlugs).HasColumnName("RecordSlugs"); // the column keeps the name it was first given
        b.Property(x => x.Url).HasMaxLength(2048);
        b.Property(x => x.PayloadFormat).HasMaxLength(8).HasDefaultValue(PayloadFormats.V2);
    }
}

/// <summary>The plain secrets a subscription signs with, from the ciphers it stores.</summary>
public static class SubscriptionSigning
{
    /// <summary>The plain secret that signs this subscription's deliveries.</summary>
    public static string SigningSecret(this SubscriptionSecrets secrets, Subscription subscription) => secrets.Unprotect(subscription.SecretCipher);

    /// <summary>The previous secret during a rotation overlap, or null once it has expired.</summary>
    public static string? PreviousSigningSecret(this SubscriptionSecrets secrets, Subscription subscription, DateTime now) =>
        subscription.PreviousSecretCipher is { } cipher && subscription.PreviousSecretExpiresAt > now ? secrets.Unprotect(cipher) : null;
}
