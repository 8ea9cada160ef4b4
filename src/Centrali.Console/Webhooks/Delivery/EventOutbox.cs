using System.Text.Json;
using Centrali.Console.Data;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// The outbox: a record change adds its event here inside the change's own transaction,
/// so if the write commits, its deliveries exist too.
/// </summary>
public sealed class EventOutbox(TimeProvider time)
{
    /// <summary>
    /// Adds the event (and, once the delivery engine lands, its deliveries) to <paramref name="db"/> without saving;
    /// the caller's SaveChanges commits it together with the record. Call <see cref="Committed"/> after the commit.
    /// </summary>
    public Task<WebhookEvent> AddAsync(AppDbContext db, Guid workspaceId, string workspaceSlug, string type,
        string recordSlug, Guid? recordId, string dataJson, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var e = new WebhookEvent
        {
            WorkspaceId = workspaceId,
            Type = type,
            RecordSlug = recordSlug,
            RecordId = recordId,
            Body = Body(type, workspaceSlug, recordSlug, recordId, dataJson, now),
            CreatedAt = now,
        };
        db.Events.Add(e);
        return Task.FromResult(e);
    }

    /// <summary>Starts sending what <see cref="AddAsync"/> added, once the transaction has committed.</summary>
    public void Committed(IReadOnlyCollection<WebhookEvent> events)
    {
    }

    /// <summary>The exact wire body of API.md, serialised once; every attempt and replay sends these bytes.</summary>
    public static byte[] Body(string type, string workspaceSlug, string recordSlug, Guid? recordId, string dataJson, DateTime timestamp)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event", type);
            w.WriteString("workspaceSlug", workspaceSlug);
            w.WriteString("recordSlug", recordSlug);
            if (recordId is { } id) w.WriteString("recordId", id.ToString()); else w.WriteNull("recordId");
            w.WritePropertyName("data");
            w.WriteRawValue(dataJson, skipInputValidation: false);
            w.WriteString("timestamp", timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
