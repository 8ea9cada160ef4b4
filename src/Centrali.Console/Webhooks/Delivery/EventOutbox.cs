using System.Runtime.CompilerServices;
using System.Text.Json;
using Centrali.Console.Data;
using Centrali.Console.Operations;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// The outbox: a record change adds its event, and one delivery per matching active subscription,
/// inside the change's own transaction — so if the write commits, its deliveries exist, crash or not.
/// </summary>
public sealed class EventOutbox(TimeProvider time, IOptions<WebhookOptions> options, DeliveryQueue queue, DeliveryNotifier notifier, SubscriptionFilters filters, Telemetry telemetry)
{
    readonly ConditionalWeakTable<WebhookEvent, List<Delivery>> fannedOut = new();

    /// <summary>
    /// Adds the event and its deliveries to <paramref name="db"/> without saving; the caller's SaveChanges
    /// commits them together with the record. Call <see cref="Committed"/> after the commit.
    /// </summary>
    public async Task<WebhookEvent> AddAsync(AppDbContext db, Guid workspaceId, string workspaceSlug, string type,
        string recordSlug, Guid? recordId, string dataJson, CancellationToken ct = default)
    {
        var e = NewEvent(workspaceId, workspaceSlug, type, recordSlug, recordId, dataJson);
        db.Events.Add(e);
        var deliveries = new List<Delivery>();
        foreach (var subscription in Matching(await ActiveAsync(db, workspaceId, ct), type, recordSlug, e.Body))
            deliveries.Add(NewDelivery(e, subscription.Id));
        db.Deliveries.AddRange(deliveries);
        fannedOut.AddOrUpdate(e, deliveries);
        return e;
    }

    /// <summary>Starts sending what <see cref="AddAsync"/> added, once the transaction has committed.</summary>
    public void Committed(IEnumerable<WebhookEvent> events)
    {
        telemetry.EventsWritten(events.Count());
        foreach (var e in events)
            if (fannedOut.TryGetValue(e, out var deliveries))
                foreach (var d in deliveries) Started(d);
    }

    /// <summary>A delivery already committed (test event, replay): send it and tell the live log.</summary>
    public void Started(Delivery d)
    {
        queue.Enqueue(d.Id);
        _ = notifier.PublishAsync(d.ToChange());
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

    static Task<List<Subscription>> ActiveAsync(AppDbContext db, Guid workspaceId, CancellationToken ct) =>
        db.Subscriptions.AsNoTracking()
            .Where(s => s.WorkspaceId == workspaceId && s.Status == SubscriptionStatus.Active).ToListAsync(ct);

    /// <summary>
    /// The subscriptions an event goes to: its type, its collection, then the filter over the wire body
    /// (compiled once per subscription and filter text). Public so the benchmark can time fan-out on its own.
    /// </summary>
    public IEnumerable<Subscription> Matching(IEnumerable<Subscription> subscriptions, string type, string recordSlug, byte[] body)
    {
        var candidates = subscriptions.Where(s => Matches(s, type, recordSlug)).ToList();
        if (!candidates.Any(s => !string.IsNullOrEmpty(s.Filter))) return candidates;
        // The body is parsed once per event, not once per subscription.
        using var document = JsonDocument.Parse(body);
        return candidates.Where(s => filters.Passes(s.Id, s.Filter, document.RootElement)).ToList();
    }

    static bool Matches(Subscription s, string type, string recordSlug) =>
        s.Events.Split(',').Contains(type)
        && (s.RecordSlugs.Length == 0 || s.RecordSlugs.Split(',').Contains(recordSlug));

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
