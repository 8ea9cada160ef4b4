using Centrali.Console.Data;

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
    public string RecordSlugs { get; set; } = "";
    public string Status { get; set; } = SubscriptionStatus.Active;
    public string SignatureHeader { get; set; } = "X-Signature";
    public string Algorithm { get; set; } = "sha256";
    public string Encoding { get; set; } = "base64";
    public string SignaturePrefix { get; set; } = "";
    /// <summary>Which body its deliveries send: <c>v2</c> or the older guide's <c>v1</c> (<see cref="Delivery.PayloadFormats"/>).</summary>
    public string PayloadFormat { get; set; } = Delivery.PayloadFormats.V2;
    /// <summary>The signing secret, encrypted with Data Protection.</summary>
    public required string SecretCipher { get; set; }
    public required string SecretHint { get; set; }
    /// <summary>During a rotation overlap, the old secret (encrypted) still signs until this time.</summary>
    public string? PreviousSecretCipher { get; set; }
    public DateTime? PreviousSecretExpiresAt { get; set; }
    public string? Filter { get; set; }
    /// <summary>Own delays before attempt 2, 3, … (<see cref="Delivery.DeliveryPolicy.Store"/> form); null follows Webhooks:RetryDelays.</summary>
    public string? RetryDelays { get; set; }
    /// <summary>Own attempt timeout in seconds (1–60); null follows Webhooks:Timeout.</summary>
    public int? TimeoutSeconds { get; set; }
    public string? DisabledReason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

public static class SubscriptionStatus
{
    public const string Active = "active";
    public const string Inactive = "inactive";
}

internal sealed class SubscriptionConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<Subscription>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<Subscription> b)
    {
        b.HasIndex(x => new { x.WorkspaceId, x.Status });
        b.Property(x => x.Url).HasMaxLength(2048);
        Microsoft.EntityFrameworkCore.RelationalPropertyBuilderExtensions.HasDefaultValue(b.Property(x => x.PayloadFormat).HasMaxLength(8), Delivery.PayloadFormats.V2);
    }
}
