namespace Centrali.Console.Webhooks.Events;

/// <summary>
/// The outbox: a record change adds its event inside the change's own transaction, marked for fan-out — so if the write
/// commits, its deliveries happen, crash or not. The dispatcher writes one delivery per matching subscription later
/// (<see cref="Dispatch.DeliveryStore.FanOutAsync"/>), so a write costs the same whether one subscription matches or a thousand.
/// </summary>
public sealed class EventOutbox(TimeProvider time, IDeliveryWake wake, Telemetry telemetry)
{
    /// <summary>
    /// Adds the event to <paramref name="db"/> without saving: <see cref="SaveAsync"/> commits it together with the record.
    /// </summary>
    public WebhookEvent Add(AppDbContext db, Guid workspaceId, string workspaceSlug, string type, string collectionSlug, Guid? recordId, string dataJson)
    {
        var e = Pending(workspaceId, workspaceSlug, type, collectionSlug, recordId, dataJson);
        db.Events.Add(e);
        return e;
    }

    /// <summary>A new event marked for fan-out, for the caller to insert with its change and then pass to <see cref="SaveAsync"/>.</summary>
    public WebhookEvent Pending(Guid workspaceId, string workspaceSlug, string type, string collectionSlug, Guid? recordId, string dataJson)
    {
        var e = NewEvent(workspaceId, workspaceSlug, type, collectionSlug, recordId, dataJson);
        e.FanOutPending = true;
        return e;
    }

    /// <summary>
    /// Saves <paramref name="db"/> — the change and the events added to it — and commits its open transaction if it has one;
    /// then, the events being durable, wakes the dispatcher to fan them out. What SaveChanges throws, this throws, having started nothing.
    /// </summary>
    public async Task SaveAsync(AppDbContext db, CancellationToken ct = default)
    {
        var events = db.ChangeTracker.Entries<WebhookEvent>().Count(e => e.State == EntityState.Added && e.Entity.FanOutPending);
        await db.SaveChangesAsync(ct);
        if (db.Database.CurrentTransaction is { } transaction) await transaction.CommitAsync(ct);
        Committed(events, events);
    }

    /// <summary>After a commit that wrote <paramref name="events"/> events, <paramref name="pending"/> of them marked for fan-out: counts them and wakes the dispatcher.</summary>
    public void Committed(int events, int pending)
    {
        telemetry.EventsWritten(events);
        if (pending > 0) wake.Wake(fanOutOnly: true);
    }

    public WebhookEvent NewEvent(Guid workspaceId, string workspaceSlug, string type, string collectionSlug, Guid? recordId, string dataJson)
    {
        var now = time.GetUtcNow().UtcDateTime;
        // Parsed once for both bodies.
        var data = WireJson.Parse(dataJson);
        return new WebhookEvent
        {
            WorkspaceId = workspaceId,
            Type = type,
            CollectionSlug = collectionSlug,
            RecordId = recordId,
            Body = Body(type, workspaceSlug, collectionSlug, recordId, data, now),
            LegacyBody = LegacyBody(type, workspaceSlug, collectionSlug, recordId, data, now),
            CreatedAt = now,
            TraceParent = Telemetry.CurrentTrace,
        };
    }

    /// <summary>
    /// The exact wire body (see the README, "What a receiver gets"), serialised once; every attempt and replay sends these bytes.
    /// Written as JavaScript's <c>JSON.stringify</c> would write it back (<see cref="WireJson"/>).
    /// </summary>
    public static byte[] Body(string type, string workspaceSlug, string collectionSlug, Guid? recordId, string dataJson, DateTime timestamp) =>
        Body(type, workspaceSlug, collectionSlug, recordId, WireJson.Parse(dataJson), timestamp);

    static byte[] Body(string type, string workspaceSlug, string collectionSlug, Guid? recordId, WireJson.Value data, DateTime timestamp) =>
        WireJson.Write(WireJson.Object(
        [
            new("event", WireJson.String(type)),
            new("workspaceSlug", WireJson.String(workspaceSlug)),
            new("recordSlug", WireJson.String(collectionSlug)),
            new("recordId", WireJson.String(recordId?.ToString())),
            new("data", data),
            new("timestamp", WireJson.String(Timestamp(timestamp))),
        ]));

    /// <summary>
    /// The older webhooks guide's body (payload format v1), for subscriptions that ask for it:
    /// <c>{"event":"record.created","workspace":…,"timestamp":…,"data":{"structure":…,"recordId":…,"record":{"id":…,…fields}}}</c>.
    /// A field of the record's own named <c>id</c> takes the place of <c>record.id</c>, as a JavaScript spread would.
    /// </summary>
    public static byte[] LegacyBody(string type, string workspaceSlug, string collectionSlug, Guid? recordId, string dataJson, DateTime timestamp) =>
        LegacyBody(type, workspaceSlug, collectionSlug, recordId, WireJson.Parse(dataJson), timestamp);

    static byte[] LegacyBody(string type, string workspaceSlug, string collectionSlug, Guid? recordId, WireJson.Value data, DateTime timestamp)
    {
        var id = WireJson.String(recordId?.ToString());
        return WireJson.Write(WireJson.Object(
        [
            new("event", WireJson.String(PayloadFormats.LegacyEventName(type))),
            new("workspace", WireJson.String(workspaceSlug)),
            new("timestamp", WireJson.String(Timestamp(timestamp))),
            new("data", WireJson.Object(
            [
                new("structure", WireJson.String(collectionSlug)),
                new("recordId", id),
                new("record", WireJson.Object([new("id", id), .. WireJson.PropertiesOf(data)])),
            ])),
        ]));
    }

    static string Timestamp(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
