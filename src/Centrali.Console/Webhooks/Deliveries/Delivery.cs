using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Deliveries;

public sealed class Delivery
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public Guid SubscriptionId { get; set; }
    public Guid EventId { get; set; }
    public WebhookEvent? Event { get; set; }
    public required string EventType { get; set; }
    public required string CollectionSlug { get; set; }
    public Guid? RecordId { get; set; }
    public string Status { get; set; } = DeliveryStatus.Pending;
    public int AttemptCount { get; set; }
    public int MaxAttempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    /// <summary>While set in the future, one dispatch owns this delivery: the claim's lease.</summary>
    public DateTime? LeaseUntil { get; set; }
    /// <summary>Which claim holds the lease: an attempt is recorded only by the claim that still holds it.</summary>
    public Guid? LeaseId { get; set; }
    /// <summary>Set while the delivery waits for the open circuit of its URL (no attempt spent).</summary>
    public bool WaitingOnCircuit { get; set; }
    /// <summary>Made for a subscription with record ordering: attempted only after the earlier deliveries of its record ended.</summary>
    public bool Ordered { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public Guid? ReplayedFrom { get; set; }
    /// <summary>The payload format (<see cref="PayloadFormats"/>) of its subscription when it was made; replays keep it.</summary>
    public string PayloadFormat { get; set; } = PayloadFormats.V2;
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public List<Attempt> Attempts { get; set; } = [];
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    /// <summary>Final: a person stopped it before it succeeded (who and why are in LastError).</summary>
    public const string Cancelled = "cancelled";

    public static bool IsFinal(string status) => status is Succeeded or Failed or Cancelled;
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<Delivery>
{
    public void Configure(EntityTypeBuilder<Delivery> b)
    {
        b.Property(x => x.CollectionSlug).HasColumnName("RecordSlug"); // the column keeps the name it was first given
        b.HasOne(x => x.Event).WithMany().HasForeignKey(x => x.EventId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(x => x.Attempts).WithOne().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        // The log's first page and its filters stay index-only at a million rows.
        b.HasIndex(x => new { x.WorkspaceId, x.Id });
        b.HasIndex(x => new { x.WorkspaceId, x.SubscriptionId, x.Id });
        b.HasIndex(x => new { x.WorkspaceId, x.Status, x.Id });
        b.HasIndex(x => new { x.Status, x.NextAttemptAt });
        b.HasIndex(x => x.ReplayedFrom);
        // An event's deliveries (event view, search by event id) and the status-code filter without a scan.
        b.HasIndex(x => x.EventId);
        b.HasIndex(x => new { x.WorkspaceId, x.LastStatusCode, x.Id });
        ShortIds.Add(b, ShortIds.Column, nameof(Delivery.Id));
        // The claim's ordering rule: an earlier pending delivery of the same (subscription, record), looked up in a small index.
        b.HasIndex(x => new { x.SubscriptionId, x.RecordId, x.EventId }).HasFilter("\"Status\" = 'pending' AND \"Ordered\" = TRUE")
            .HasDatabaseName("IX_Deliveries_Ordered_Pending");
        b.Property(x => x.PayloadFormat).HasMaxLength(8).HasDefaultValue(PayloadFormats.V2);
    }
}

public static class DeliveryStates
{
    /// <summary>What the live log and hub clients are told of this delivery now.</summary>
    public static DeliveryState ToState(this Delivery d) => new(d.Id, d.WorkspaceId, d.SubscriptionId, d.EventId, d.EventType,
        d.Status, d.AttemptCount, d.MaxAttempts, d.NextAttemptAt, d.LastStatusCode, d.ReplayedFrom);
}
