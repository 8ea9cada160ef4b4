namespace Centrali.Console.Webhooks.Delivery;

/// <summary>The outbox: one row per committed change, holding the exact bytes every delivery sends.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Type { get; set; }
    public required string RecordSlug { get; set; }
    public Guid? RecordId { get; set; }
    public required byte[] Body { get; set; }
    public DateTime CreatedAt { get; set; }
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
        b.Property(x => x.TraceParent).HasMaxLength(64);
    }
}
