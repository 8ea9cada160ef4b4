namespace Centrali.Console.Webhooks.Events;

/// <summary>The outbox: one row per committed change, holding the exact bytes every delivery sends.</summary>
public sealed class WebhookEvent
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Type { get; set; }
    public required string CollectionSlug { get; set; }
    public Guid? RecordId { get; set; }
    public required byte[] Body { get; set; }
    /// <summary>The same event in the older guide's body (payload format v1), for the subscriptions that ask for it; null on events written before it existed.</summary>
    public byte[]? LegacyBody { get; set; }
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

/// <summary>
/// A subscription's payload format: <c>v2</c> (the default body) or <c>v1</c> (the older webhooks guide's). A delivery keeps
/// the format it was made with, so every attempt and replay of it sends the same bytes.
/// </summary>
public static class PayloadFormats
{
    public const string V2 = "v2";
    public const string V1 = "v1";
    public static readonly string[] All = [V2, V1];

    /// <summary>The older guide's dotted event name: record_created → record.created.</summary>
    public static string LegacyEventName(string type) => type.Replace('_', '.');

    /// <summary>The bytes a delivery of this format sends.</summary>
    public static byte[] BodyOf(string format, byte[] body, byte[]? legacyBody) =>
        format != V1 ? body : legacyBody ?? LegacyFrom(body);

    /// <summary>The v1 body of an event written before v1 bodies were stored: built from its v2 body, the same way every time.</summary>
    static byte[] LegacyFrom(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var e = document.RootElement;
        var recordId = e.GetProperty("recordId").GetString();
        return EventOutbox.LegacyBody(e.GetProperty("event").GetString()!, e.GetProperty("workspaceSlug").GetString()!, e.GetProperty("recordSlug").GetString()!,
            recordId is null ? null : Guid.Parse(recordId), e.GetProperty("data").GetRawText(),
            DateTime.Parse(e.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
    }
}

internal sealed class WebhookEventConfiguration : IEntityTypeConfiguration<WebhookEvent>
{
    public void Configure(EntityTypeBuilder<WebhookEvent> b)
    {
        b.ToTable("Events");
        b.Property(x => x.CollectionSlug).HasColumnName("RecordSlug"); // the column keeps the name it was first given
        b.HasIndex(x => new { x.WorkspaceId, x.Id });
        // A record's events, newest first.
        b.HasIndex(x => new { x.WorkspaceId, x.RecordId, x.Id });
        // Only the few events still waiting for fan-out are in it; TRUE reads the same on SQLite and PostgreSQL.
        b.HasIndex(x => x.Id).HasDatabaseName("IX_Events_FanOutPending").HasFilter("\"FanOutPending\" = TRUE");
        b.Property(x => x.TraceParent).HasMaxLength(64);
        ShortIds.Add(b, ShortIds.Column, nameof(WebhookEvent.Id));
        ShortIds.Add(b, ShortIds.RecordColumn, nameof(WebhookEvent.RecordId));
    }
}
