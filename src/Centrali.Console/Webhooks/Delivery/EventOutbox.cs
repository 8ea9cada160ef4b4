using System.Text.Json;
using Centrali.Console.Data;
using Centrali.Console.Operations;
using Centrali.Console.Realtime;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// The outbox: a record change adds its event inside the change's own transaction, marked for fan-out — so if the write
/// commits, its deliveries happen, crash or not. The dispatcher writes one delivery per matching subscription later
/// (<see cref="DeliveryStore.FanOutAsync"/>), so a write costs the same whether one subscription matches or a thousand.
/// </summary>
public sealed class EventOutbox(TimeProvider time, IOptions<WebhookOptions> options, Dispatcher dispatcher, DeliveryNotifier notifier, Telemetry telemetry)
{
    /// <summary>
    /// Adds the event to <paramref name="db"/> without saving; the caller's SaveChanges commits it together with the
    /// record. Call <see cref="Committed"/> after the commit.
    /// </summary>
    public Task<WebhookEvent> AddAsync(AppDbContext db, Guid workspaceId, string workspaceSlug, string type,
        string recordSlug, Guid? recordId, string dataJson, CancellationToken ct = default)
    {
        var e = NewEvent(workspaceId, workspaceSlug, type, recordSlug, recordId, dataJson);
        e.FanOutPending = true;
        db.Events.Add(e);
        return Task.FromResult(e);
    }

    /// <summary>Wakes the dispatcher once the transaction that added <paramref name="events"/> has committed.</summary>
    public void Committed(IEnumerable<WebhookEvent> events)
    {
        telemetry.EventsWritten(events.Count());
        if (events.Any()) dispatcher.Wake(fanOutOnly: true);
    }

    /// <summary>A delivery already committed (test event, replay, retry now): tell the live log and wake the dispatcher.</summary>
    public void Started(Delivery d)
    {
        _ = notifier.PublishAsync(d.ToChange());
        dispatcher.Wake();
    }

    public WebhookEvent NewEvent(Guid workspaceId, string workspaceSlug, string type, string recordSlug, Guid? recordId, string dataJson)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new WebhookEvent
        {
            WorkspaceId = workspaceId,
            Type = type,
            RecordSlug = recordSlug,
            RecordId = recordId,
            Body = Body(type, workspaceSlug, recordSlug, recordId, dataJson, now),
            CreatedAt = now,
            TraceParent = Telemetry.CurrentTrace,
        };
    }

    public Delivery NewDelivery(WebhookEvent e, Guid subscriptionId, Guid? replayedFrom = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new Delivery
        {
            WorkspaceId = e.WorkspaceId,
            SubscriptionId = subscriptionId,
            EventId = e.Id,
            EventType = e.Type,
            RecordSlug = e.RecordSlug,
            RecordId = e.RecordId,
            Status = DeliveryStatus.Pending,
            MaxAttempts = options.Value.MaxAttempts,
            NextAttemptAt = now,
            ReplayedFrom = replayedFrom,
            CreatedAt = now,
        };
    }

    /// <summary>The exact wire body (see the README, "What a receiver gets"), serialised once; every attempt and replay sends these bytes.</summary>
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
