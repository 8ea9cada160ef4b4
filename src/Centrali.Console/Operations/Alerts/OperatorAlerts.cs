using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Centrali.Console.Operations.Alerts;

/// <summary>The operational events: what the console's bell shows and the workspace's operator webhook receives.</summary>
public static class OperationalEvents
{
    /// <summary>A subscription's attempts failed <c>Webhooks:FailingAfter</c> times in a row.</summary>
    public const string SubscriptionFailing = "subscription.failing";
    /// <summary>A subscription failed continuously for <c>Webhooks:DisableAfter</c> and was set inactive.</summary>
    public const string SubscriptionDisabled = "subscription.disabled";
    /// <summary>A failing subscription's attempt succeeded again.</summary>
    public const string SubscriptionRecovered = "subscription.recovered";
    /// <summary>A delivery ran out of attempts and ended failed.</summary>
    public const string DeliveryExhausted = "delivery.exhausted";
}

/// <summary>The "Webhooks" keys of endpoint health.</summary>
public sealed class EndpointHealthOptions
{
    /// <summary>Consecutive failed attempts after which a subscription is failing (and the operator is told once).</summary>
    public int FailingAfter { get; set; } = 5;
    /// <summary>A subscription failing continuously for this long is set inactive. Zero never disables.</summary>
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);
}

/// <summary>One subscription's run of failures, kept apart from the subscription so a healthy attempt writes nothing.</summary>
public sealed class EndpointHealth
{
    public Guid SubscriptionId { get; set; }
    public Guid WorkspaceId { get; set; }
    public int ConsecutiveFailures { get; set; }
    /// <summary>The first failure of the current run; null while healthy.</summary>
    public DateTime? FailingSince { get; set; }
    public string? LastError { get; set; }
    public DateTime UpdatedAt { get; set; }
}

/// <summary>One operational event of a workspace: shown in the bell until read, and sent to the operator webhook.</summary>
public sealed class OperatorNotification
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Type { get; set; }
    public Guid? SubscriptionId { get; set; }
    public Guid? DeliveryId { get; set; }
    public required string Message { get; set; }
    /// <summary>The event's data as JSON, exactly as the operator webhook sends it.</summary>
    public required string Data { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? ReadAt { get; set; }
    public DateTime? SentAt { get; set; }
    public string? SendError { get; set; }
}

/// <summary>A workspace's operator settings: where its operational events are sent, and the secret that signs them.</summary>
public sealed class OperatorSettings
{
    public Guid WorkspaceId { get; set; }
    public string? OperatorWebhookUrl { get; set; }
    public string? SecretCipher { get; set; }
    public string? SecretHint { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class EndpointHealthConfiguration : IEntityTypeConfiguration<EndpointHealth>
{
    public void Configure(EntityTypeBuilder<EndpointHealth> b)
    {
        b.HasKey(x => x.SubscriptionId);
        b.Property(x => x.LastError).HasMaxLength(2000);
    }
}

internal sealed class OperatorNotificationConfiguration : IEntityTypeConfiguration<OperatorNotification>
{
    public void Configure(EntityTypeBuilder<OperatorNotification> b)
    {
        b.HasIndex(x => new { x.WorkspaceId, x.Id });
        b.HasIndex(x => new { x.WorkspaceId, x.ReadAt });
        b.Property(x => x.Type).HasMaxLength(64);
    }
}

internal sealed class OperatorSettingsConfiguration : IEntityTypeConfiguration<OperatorSettings>
{
    public void Configure(EntityTypeBuilder<OperatorSettings> b)
    {
        b.HasKey(x => x.WorkspaceId);
        b.Property(x => x.OperatorWebhookUrl).HasMaxLength(2048);
    }
}
