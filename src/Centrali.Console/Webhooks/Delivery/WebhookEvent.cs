using Centrali.Console.Data;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>The outbox: one row per committed change, holding the exact bytes every delivery sends.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Type { get; set; }
    public required string RecordSlug { get; set; }
    public Guid? RecordId { get; set; }
    public required byte[] Body { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>
    /// True from the record change's commit until the dispatcher has written this event's deliveries (one per matching
    /// subscription) and marked it, in one transaction: a crash in between leaves it true, so it is fanned out later.
    /// </summary>
    public bool FanOutPending { get; set; }
    /// <summary>The W3C trace id of the write that made the event, while tracing is on: each attempt's span links to it.</summary>
    public string? TraceParent { get; set; }
}

public static class EventTypes
{
    public const string RecordCreated = "record_created";
    public const string RecordUpdated = "record_updated";
    public const string RecordDeleted = "record_deleted";
    public const string WebhookTest = "webhook_test";

    public static readonly string[] Subscribable = [RecordCreated, RecordUpdated, RecordDeleted];
}

internal sealed class WebhookEventConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<WebhookEvent> b)
    {
        Microsoft.EntityFrameworkCore.RelationalEntityTypeBuilderExtensions.ToTable(b, "Events");
        b.HasIndex(x => new { x.WorkspaceId, x.Id });
        // A record's events, newest first.
        b.HasIndex(x => new { x.WorkspaceId, x.RecordId, x.Id });
        // Only the few events still waiting for fan-out are in it; TRUE reads the same on SQLite and PostgreSQL.
        Microsoft.EntityFrameworkCore.RelationalIndexBuilderExtensions.HasFilter(
            Microsoft.EntityFrameworkCore.RelationalIndexBuilderExtensions.HasDatabaseName(b.HasIndex(x => x.Id), "IX_Events_FanOutPending"),
            "\"FanOutPending\" = TRUE");
        b.Property(x => x.TraceParent).HasMaxLength(64);
    }
}
