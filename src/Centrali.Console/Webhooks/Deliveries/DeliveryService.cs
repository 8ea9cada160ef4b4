using Centrali.Console.Audit;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Deliveries;

public sealed record AttemptView(int Number, DateTime StartedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody,
    JsonElement? ResponseHeaders, JsonElement? RequestHeaders);

/// <summary>
/// A row of the log: the delivery's state (what the live log is told) with its record, last error, payload and times;
/// the orders put the record after the event and the error before the replay, as the state's own orders expect.
/// </summary>
public sealed record DeliveryView(Guid Id, Guid WorkspaceId, Guid SubscriptionId, Guid EventId, string Event,
    [property: JsonPropertyOrder(-4), JsonPropertyName("recordSlug")] string CollectionSlug, [property: JsonPropertyOrder(-4)] Guid? RecordId, string Status,
    int AttemptCount, int MaxAttempts, DateTime? NextAttemptAt, int? LastStatusCode, [property: JsonPropertyOrder(-2)] string? LastError, Guid? ReplayedFrom,
    JsonElement Payload, DateTime CreatedAt, DateTime? CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AttemptView>? Attempts = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? DurationMs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<Guid>? Replays = null,
    bool WaitingOnCircuit = false,
    string PayloadFormat = PayloadFormats.V2)
    : DeliveryState(Id, WorkspaceId, SubscriptionId, EventId, Event, Status, AttemptCount, MaxAttempts, NextAttemptAt, LastStatusCode, ReplayedFrom)
{
    /// <summary>In the single read, when the payload holds numbers sent as written (see <see cref="WireJson"/>): what that means for a receiver.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PayloadNote { get; init; }
}

/// <summary>The log's filters; <see cref="Query"/> is free text over ids, status codes and payload text.</summary>
public sealed record DeliveryFilter(Guid? SubscriptionId = null, string? Status = null, string? Event = null,
    [property: JsonPropertyName("recordSlug")] string? CollectionSlug = null,
    DateTime? Since = null, DateTime? Until = null, string? Query = null, int? StatusCode = null, int? MinDurationMs = null, int? MaxDurationMs = null)
{
    public bool IsEmpty => this == new DeliveryFilter();
}

/// <summary>
/// A page of the log, with the number of deliveries the filter matches when it was asked for: exact up to
/// <see cref="DeliveryService.MaxTotal"/>; beyond it <see cref="Total"/> is that number and <see cref="TotalCapped"/> says more match.
/// </summary>
public sealed record DeliveryList(IReadOnlyList<DeliveryView> Data, string? NextCursor,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Total = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool TotalCapped = false)
{
    /// <summary>The total as a person reads it: "1 delivery", "42 deliveries", "More than 10,000 deliveries".</summary>
    [JsonIgnore]
    public string? TotalText => Total is not { } t ? null : TotalCapped ? $"More than {t:N0} deliveries" : t == 1 ? "1 delivery" : $"{t:N0} deliveries";
}

public sealed record RecoverResult(int Count);

/// <summary>One event: the exact body every delivery of it sends, and every delivery it became (one per subscription, plus replays).</summary>
public sealed record EventView(Guid Id, string Event, [property: JsonPropertyName("recordSlug")] string CollectionSlug, Guid? RecordId, DateTime CreatedAt, JsonElement Payload,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<DeliveryView>? Deliveries = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, int>? Statuses = null);

public static class BulkActions
{
    public const string Replay = "replay";
    public const string Cancel = "cancel";
}

/// <summary>What a bulk action did: how many deliveries it selected, acted on, and left alone (a replay of a pending one, a cancel of a final one).</summary>
public sealed record BulkResult(string Action, int Matched, int Done, int Skipped);

public sealed record HourOutcomes(DateTime Hour, int Succeeded, int Failed, int Pending);

public sealed record SubscriptionOutcomes(Guid SubscriptionId, int Succeeded, int Failed, int Pending);

public sealed record DeliveryStats(List<HourOutcomes> Last24Hours, List<SubscriptionOutcomes> BySubscription, DateTime? OldestPending);

/// <summary>The newest delivery of a subscription, for the list's "last delivery" column.</summary>
public sealed record LastDelivery(string Status, int? LastStatusCode, string? LastError, DateTime CreatedAt);

/// <summary>The delivery log and what a person does with it: read, search, replay, retry now, cancel, recover, send a test event.</summary>
public sealed class DeliveryService(IDbContextFactory<AppDbContext> dbs, EventOutbox outbox, DeliveryStarter starter, CircuitBreaker circuits, DeliveryNotifier notifier, TimeProvider time, AuditLog audit,
    PayloadIndex payloads)
{
    static readonly string[] Statuses = [DeliveryStatus.Pending, DeliveryStatus.Succeeded, DeliveryStatus.Failed, DeliveryStatus.Cancelled];

    public async Task<DeliveryList> ListAsync(Guid workspaceId, DeliveryFilter filter, int? limit = null, string? cursor = null, bool count = false,
        CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = await FilteredAsync(db, workspaceId, filter, ct);
        int? counted = count ? await query.OrderByDescending(d => d.Id).Take(MaxTotal + 1).CountAsync(ct) : null;
        if (after is { } a) query = query.Where(d => d.Id.CompareTo(a) < 0);
        var rows = await query.OrderByDescending(d => d.Id).Take(take + 1)
            .Select(d => new { Delivery = d, d.Event!.Body, Legacy = d.PayloadFormat == PayloadFormats.V1 ? d.Event.LegacyBody : null, Duration = d.Attempts.OrderByDescending(x => x.Number).Select(x => (int?)x.DurationMs).FirstOrDefault() })
            .ToListAsync(ct);
        var page = Paging.ToPage(rows, take, r => r.Delivery.Id, r => View(r.Delivery, PayloadFormats.BodyOf(r.Delivery.PayloadFormat, r.Body, r.Legacy)) with { DurationMs = r.Duration });
        return new DeliveryList(page.Data, page.NextCursor, counted is { } n ? Math.Min(n, MaxTotal) : null, counted > MaxTotal);
    }

    /// <summary>
    /// Counting stops here: an exact count of a million deliveries reads a whole index (a third of a second), and past this
    /// "more than 10,000" is what a person needs; it is also the most a bulk action takes.
    /// </summary>
    public const int MaxTotal = MaxBulk;

    /// <summary>The deliveries of one workspace that match the filter, in no order; the one query the list, count, export and bulk actions share.</summary>
    async Task<IQueryable<Delivery>> FilteredAsync(AppDbContext db, Guid workspaceId, DeliveryFilter filter, CancellationToken ct)
    {
        if (filter.Status is { } status && !Statuses.Contains(status))
            throw ServiceException.Invalid("status", $"status is one of {string.Join(", ", Statuses)}.");
        if (filter.StatusCode is < 100 or > 599) throw ServiceException.Invalid("statusCode", "statusCode is an HTTP status code, 100 to 599.");
        if (filter.MinDurationMs < 0) throw ServiceException.Invalid("minDurationMs", "minDurationMs cannot be negative.");
        if (filter.MaxDurationMs < filter.MinDurationMs) throw ServiceException.Invalid("maxDurationMs", "maxDurationMs must be at least minDurationMs.");
        var query = db.Deliveries.AsNoTracking().Where(d => d.WorkspaceId == workspaceId);
        if (filter.SubscriptionId is { } sid) query = query.Where(d => d.SubscriptionId == sid);
        if (filter.Status is { } st) query = query.Where(d => d.Status == st);
        if (filter.Event is { Length: > 0 } ev) { var e = ev.Replace('.', '_'); query = query.Where(d => d.EventType == e); }
        if (filter.CollectionSlug is { Length: > 0 } slug) query = query.Where(d => d.CollectionSlug == slug);
        if (filter.Since is { } since) { var s = since.ToUniversalTime(); query = query.Where(d => d.CreatedAt >= s); }
        if (filter.Until is { } until) { var u = until.ToUniversalTime(); query = query.Where(d => d.CreatedAt < u); }
        if (filter.StatusCode is { } code) query = query.Where(d => d.LastStatusCode == code);
        // Duration is the last attempt's: what the receiver took the last time it was asked.
        if (filter.MinDurationMs is { } min) query = query.Where(d => d.Attempts.OrderByDescending(a => a.Number).Select(a => (int?)a.DurationMs).FirstOrDefault() >= min);
        if (filter.MaxDurationMs is { } max) query = query.Where(d => d.Attempts.OrderByDescending(a => a.Number).Select(a => (int?)a.DurationMs).FirstOrDefault() <= max);
        if (filter.Query?.Trim() is { Length: > 0 } text) query = await LogSearch.MatchingAsync(db, payloads, workspaceId, query, text, ct);
        return query;
    }

    public async Task<DeliveryView> GetAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var d = await db.Deliveries.AsNoTracking().Include(x => x.Event).Include(x => x.Attempts)
            .FirstOrDefaultAsync(x => x.Id == id && x.WorkspaceId == workspaceId, ct) ?? throw ServiceException.NotFound("Delivery");
        var replays = await db.Deliveries.AsNoTracking().Where(x => x.ReplayedFrom == id && x.WorkspaceId == workspaceId)
            .OrderBy(x => x.Id).Select(x => x.Id).ToListAsync(ct);
        var attempts = d.Attempts.OrderBy(a => a.Number).Select(a => new AttemptView(a.Number, a.StartedAt, a.DurationMs,
            a.StatusCode, a.Error, a.ResponseBody, Parse(a.ResponseHeaders), Parse(a.RequestHeaders))).ToList();
        var view = View(d, d.Event!, attempts) with { DurationMs = attempts.LastOrDefault()?.DurationMs, Replays = replays };
        var inexact = WireJson.InexactNumbers(PayloadFormats.BodyOf(d.PayloadFormat, d.Event!.Body, d.Event.LegacyBody)).Distinct().ToList();
        return inexact.Count == 0 ? view : view with
        {
            PayloadNote = $"Sent as written: {string.Join(", ", inexact.Take(3))}{(inexact.Count > 3 ? ", …" : "")} cannot be held exactly by a JavaScript "
                + "number, so a receiver that verifies JSON.stringify of the parsed body instead of the raw bytes will fail on this delivery.",
        };
    }

    /// <summary>Retry now: a pending delivery's next attempt is due at once; its attempt count and budget stay as they are.</summary>
    public async Task<DeliveryView> AttemptNowAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var delivery = await PendingAsync(db, workspaceId, id, "attempted now", ct);
        delivery.NextAttemptAt = now;
        delivery.LeaseUntil = null;
        await db.SaveChangesAsync(ct);
        starter.Started(delivery);
        await audit.RecordAsync(workspaceId, AuditActions.DeliveryAttemptedNow, id.ToString(), new { deliveryId = id, delivery.SubscriptionId }, ct);
        return await GetAsync(workspaceId, id, ct);
    }

    /// <summary>Cancel: a pending delivery ends as cancelled, saying who did it and why; no further attempt is made.</summary>
    public async Task<DeliveryView> CancelAsync(Guid workspaceId, Guid id, string by, string? reason, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var delivery = await PendingAsync(db, workspaceId, id, "cancelled", ct);
        Cancel(delivery, by, reason, time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
        await notifier.PublishAsync(delivery.ToState());
        await audit.RecordAsync(workspaceId, AuditActions.DeliveryCancelled, id.ToString(), new { deliveryId = id, delivery.SubscriptionId, reason }, ct);
        return await GetAsync(workspaceId, id, ct);
    }

    static void Cancel(Delivery d, string by, string? reason, DateTime now)
    {
        d.Status = DeliveryStatus.Cancelled;
        d.NextAttemptAt = null;
        d.LeaseUntil = null;
        d.CompletedAt = now;
        d.LastError = string.IsNullOrWhiteSpace(reason) ? $"Cancelled by {by}." : $"Cancelled by {by}: {reason.Trim()}";
    }

    /// <summary>A pending delivery no worker is attempting right now (an attempt in flight finishes first, then it can be acted on).</summary>
    async Task<Delivery> PendingAsync(AppDbContext db, Guid workspaceId, Guid id, string action, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var delivery = await db.Deliveries.FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == workspaceId, ct) ?? throw ServiceException.NotFound("Delivery");
        if (delivery.Status != DeliveryStatus.Pending)
            throw ServiceException.Conflict($"The delivery is {delivery.Status}; only a pending delivery can be {action}.");
        if (delivery.LeaseUntil > now)
            throw ServiceException.Conflict($"An attempt of this delivery is in flight; it can be {action} once the attempt is recorded.");
        return delivery;
    }

    /// <summary>Replay: a new delivery of the same event to the subscription as it is now; the original stays as it was.</summary>
    public async Task<DeliveryView> ReplayAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var original = await db.Deliveries.Include(d => d.Event).FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == workspaceId, ct)
            ?? throw ServiceException.NotFound("Delivery");
        if (original.Status == DeliveryStatus.Pending)
            throw ServiceException.Conflict("The delivery is still pending; replay it once it has succeeded, failed or been cancelled.");
        if (!await db.Subscriptions.AnyAsync(s => s.Id == original.SubscriptionId, ct))
            throw ServiceException.Conflict("The subscription of this delivery was deleted.");
        var replay = starter.NewDelivery(original.Event!, original.SubscriptionId, replayedFrom: original.Id, original.PayloadFormat);
        db.Deliveries.Add(replay);
        await db.SaveChangesAsync(ct);
        starter.Started(replay);
        await audit.RecordAsync(workspaceId, AuditActions.DeliveryReplayed, original.Event!.Type,
            new { deliveryId = original.Id, replayId = replay.Id, original.SubscriptionId }, ct);
        return View(replay, original.Event!);
    }

    /// <summary>One event with all its deliveries, oldest first.</summary>
    public async Task<EventView> EventAsync(Guid workspaceId, Guid eventId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var e = await db.Events.AsNoTracking().FirstOrDefaultAsync(x => x.Id == eventId && x.WorkspaceId == workspaceId, ct)
            ?? throw ServiceException.NotFound("Event");
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => d.EventId == eventId && d.WorkspaceId == workspaceId).OrderBy(d => d.Id)
            .Select(d => new { Delivery = d, Duration = d.Attempts.OrderByDescending(x => x.Number).Select(x => (int?)x.DurationMs).FirstOrDefault() })
            .ToListAsync(ct);
        return new EventView(e.Id, e.Type, e.CollectionSlug, e.RecordId, e.CreatedAt, JsonSerializer.Deserialize<JsonElement>(e.Body),
            deliveries.Select(d => View(d.Delivery, e) with { DurationMs = d.Duration }).ToList());
    }

    /// <summary>The events of one record, newest first, each with how many of its deliveries are in which status.</summary>
    public async Task<Page<EventView>> RecordEventsAsync(Guid workspaceId, string collectionSlug, Guid recordId, int? limit = null, string? cursor = null,
        CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Events.AsNoTracking().Where(e => e.WorkspaceId == workspaceId && e.RecordId == recordId && e.CollectionSlug == collectionSlug);
        if (after is { } a) query = query.Where(e => e.Id.CompareTo(a) < 0);
        var events = await query.OrderByDescending(e => e.Id).Take(take + 1).ToListAsync(ct);
        var ids = events.Select(e => e.Id).ToList();
        var counts = await db.Deliveries.AsNoTracking().Where(d => ids.Contains(d.EventId)).GroupBy(d => new { d.EventId, d.Status })
            .Select(g => new { g.Key.EventId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        return Paging.ToPage(events, take, e => e.Id, e => new EventView(e.Id, e.Type, e.CollectionSlug, e.RecordId, e.CreatedAt,
            JsonSerializer.Deserialize<JsonElement>(e.Body), Statuses: counts.Where(c => c.EventId == e.Id).ToDictionary(c => c.Status, c => c.Count)));
    }

    /// <summary>
    /// Replays or cancels the given deliveries, or every one the filter matches, in batches; <paramref name="progress"/> hears
    /// how many are handled so far. Replays skip pending deliveries, cancels skip final ones and attempts in flight.
    /// </summary>
    public async Task<BulkResult> BulkAsync(Guid workspaceId, string action, IReadOnlyCollection<Guid>? ids, DeliveryFilter? filter, string by,
        IProgress<int>? progress = null, CancellationToken ct = default)
    {
        if (action is not (BulkActions.Replay or BulkActions.Cancel)) throw ServiceException.Invalid("action", "action is replay or cancel.");
        if (ids is null && filter is null) throw ServiceException.Invalid("ids", "Give the ids of the deliveries, or a filter that selects them.");
        if (ids is { Count: 0 }) throw ServiceException.Invalid("ids", "ids is empty: select at least one delivery.");
        if (ids is { Count: > MaxBulk }) throw ServiceException.Invalid("ids", $"At most {MaxBulk} ids at once; use a filter to act on more.");
        List<Guid> selected;
        await using (var db = await dbs.CreateDbContextAsync(ct))
        {
            var query = ids is not null
                ? db.Deliveries.AsNoTracking().Where(d => d.WorkspaceId == workspaceId && ids.Contains(d.Id))
                : await FilteredAsync(db, workspaceId, filter!, ct);
            selected = await query.OrderBy(d => d.Id).Select(d => d.Id).Take(MaxBulk + 1).ToListAsync(ct);
        }
        if (selected.Count > MaxBulk) throw ServiceException.Invalid("filter", $"The filter selects more than {MaxBulk} deliveries; narrow it (for example by time range).");
        var done = 0;
        for (var i = 0; i < selected.Count; i += BulkBatch)
        {
            var batch = selected.Skip(i).Take(BulkBatch).ToList();
            done += action == BulkActions.Replay ? await ReplayBatchAsync(workspaceId, batch, ct) : await CancelBatchAsync(workspaceId, batch, by, ct);
            progress?.Report(Math.Min(i + BulkBatch, selected.Count));
        }
        await audit.RecordAsync(workspaceId, action == BulkActions.Replay ? AuditActions.DeliveriesBulkReplayed : AuditActions.DeliveriesBulkCancelled,
            ids is null ? "filter" : $"{ids.Count} selected", new { selected = selected.Count, done, skipped = selected.Count - done, filter }, ct);
        return new BulkResult(action, selected.Count, done, selected.Count - done);
    }

    public const int MaxBulk = 10_000;
    const int BulkBatch = 200;

    async Task<int> ReplayBatchAsync(Guid workspaceId, List<Guid> ids, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var subscriptions = db.Subscriptions.Where(s => s.WorkspaceId == workspaceId).Select(s => s.Id);
        var originals = await db.Deliveries.Include(d => d.Event)
            .Where(d => ids.Contains(d.Id) && d.WorkspaceId == workspaceId && d.Status != DeliveryStatus.Pending && subscriptions.Contains(d.SubscriptionId))
            .ToListAsync(ct);
        var replays = originals.Select(o => starter.NewDelivery(o.Event!, o.SubscriptionId, replayedFrom: o.Id, o.PayloadFormat)).ToList();
        db.Deliveries.AddRange(replays);
        await db.SaveChangesAsync(ct);
        foreach (var r in replays) starter.Started(r);
        return replays.Count;
    }

    async Task<int> CancelBatchAsync(Guid workspaceId, List<Guid> ids, string by, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var pending = await db.Deliveries
            .Where(d => ids.Contains(d.Id) && d.WorkspaceId == workspaceId && d.Status == DeliveryStatus.Pending && (d.LeaseUntil == null || d.LeaseUntil < now))
            .ToListAsync(ct);
        foreach (var d in pending) Cancel(d, by, "bulk cancel", now);
        await db.SaveChangesAsync(ct);
        foreach (var d in pending) await notifier.PublishAsync(d.ToState());
        return pending.Count;
    }

    /// <summary>The filtered log, newest first, written row by row as CSV or NDJSON (one delivery per line) without holding it in memory.</summary>
    public async Task ExportAsync(Guid workspaceId, DeliveryFilter filter, string format, Stream output, CancellationToken ct = default)
    {
        if (format is not ("csv" or "ndjson")) throw ServiceException.Invalid("format", "format is csv or ndjson.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = (await FilteredAsync(db, workspaceId, filter, ct)).OrderByDescending(d => d.Id)
            .Select(d => new { Delivery = d, d.Event!.Body, Legacy = d.PayloadFormat == PayloadFormats.V1 ? d.Event.LegacyBody : null, Duration = d.Attempts.OrderByDescending(x => x.Number).Select(x => (int?)x.DurationMs).FirstOrDefault() })
            .AsAsyncEnumerable();
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        if (format == "csv") await writer.WriteLineAsync(DeliveryCsv.Header);
        var n = 0;
        await foreach (var r in rows.WithCancellation(ct))
        {
            var view = View(r.Delivery, PayloadFormats.BodyOf(r.Delivery.PayloadFormat, r.Body, r.Legacy)) with { DurationMs = r.Duration };
            await writer.WriteLineAsync(format == "csv" ? DeliveryCsv.Row(view) : JsonSerializer.Serialize(view, ExportJson));
            if (++n % 500 == 0) await writer.FlushAsync(ct);
        }
    }

    static readonly JsonSerializerOptions ExportJson = new(JsonSerializerDefaults.Web);

    /// <summary>Replays each failed event of the window once: an event already pending or delivered again is skipped.</summary>
    public async Task<RecoverResult> RecoverAsync(Guid workspaceId, Guid subscriptionId, DateTime? since, DateTime? until, CancellationToken ct = default)
    {
        if (since is null) throw ServiceException.Invalid("since", "since is required: the start of the window to recover.");
        var from = since.Value.ToUniversalTime();
        var to = (until ?? DateTime.MaxValue).ToUniversalTime();
        if (to <= from) throw ServiceException.Invalid("until", "until must be after since.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        await RequireSubscriptionAsync(db, workspaceId, subscriptionId, ct);
        var ofSubscription = db.Deliveries.Where(d => d.SubscriptionId == subscriptionId);
        var failed = await ofSubscription
            .Where(d => d.Status == DeliveryStatus.Failed && d.CreatedAt >= from && d.CreatedAt < to)
            .Where(d => !ofSubscription.Any(o => o.EventId == d.EventId && o.Status != DeliveryStatus.Failed))
            .Include(d => d.Event)
            .ToListAsync(ct);
        var replays = failed.GroupBy(d => d.EventId)
            .Select(g => g.OrderByDescending(d => d.Id).First())
            .Select(d => starter.NewDelivery(d.Event!, subscriptionId, replayedFrom: d.Id, d.PayloadFormat))
            .ToList();
        db.Deliveries.AddRange(replays);
        await db.SaveChangesAsync(ct);
        foreach (var r in replays) starter.Started(r);
        await audit.RecordAsync(workspaceId, AuditActions.DeliveriesRecovered, subscriptionId.ToString(),
            new { subscriptionId, since = from, until = until?.ToUniversalTime(), count = replays.Count }, ct);
        return new RecoverResult(replays.Count);
    }

    /// <summary>Recover by the days a date picker gives: from the start of the first day through the end of the last (or until now).</summary>
    public Task<RecoverResult> RecoverDaysAsync(Guid workspaceId, Guid subscriptionId, DateTime? firstDay, DateTime? lastDay, CancellationToken ct = default) =>
        RecoverAsync(workspaceId, subscriptionId, firstDay?.Date, lastDay?.Date.AddDays(1), ct);

    /// <summary>One webhook_test delivery with a small sample body, whatever the subscription's filters.</summary>
    public async Task<DeliveryView> SendTestAsync(Guid workspaceId, string workspaceSlug, Guid subscriptionId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var subscription = await db.Subscriptions.AsNoTracking().Where(s => s.Id == subscriptionId && s.WorkspaceId == workspaceId)
            .Select(s => new { s.Id, s.Name, s.PayloadFormat }).FirstOrDefaultAsync(ct) ?? throw ServiceException.NotFound("Subscription");
        var data = JsonSerializer.Serialize(new { message = "This is a test event from Centrali Console.", subscription = subscription.Name });
        var e = outbox.NewEvent(workspaceId, workspaceSlug, EventTypes.WebhookTest, "webhook-test", SequentialId.New(), data);
        var delivery = starter.NewDelivery(e, subscription.Id, payloadFormat: subscription.PayloadFormat);
        db.Events.Add(e);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync(ct);
        starter.Started(delivery);
        return View(delivery, e);
    }

    /// <summary>The subscriptions whose URL's circuit is open now: their due deliveries wait without spending attempts.</summary>
    public async Task<HashSet<Guid>> OpenCircuitSubscriptionsAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var urls = await db.Subscriptions.AsNoTracking().Where(s => s.WorkspaceId == workspaceId).Select(s => new { s.Id, s.Url }).ToListAsync(ct);
        var states = await circuits.StatesAsync(workspaceId, urls.Select(u => u.Url).Distinct(), ct);
        return urls.Where(u => states.TryGetValue(u.Url, out var c) && c.State == CircuitView.Open).Select(u => u.Id).ToHashSet();
    }

    public async Task<CircuitView?> CircuitOfAsync(Guid workspaceId, Guid subscriptionId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var url = await db.Subscriptions.Where(s => s.Id == subscriptionId && s.WorkspaceId == workspaceId).Select(s => s.Url).FirstOrDefaultAsync(ct);
        return url is null ? null : await circuits.StateAsync(workspaceId, url, ct);
    }

    /// <summary>The dashboard's figures: the last 24 h hour by hour, outcomes per subscription, the oldest pending delivery.</summary>
    public async Task<DeliveryStats> StatsAsync(Guid workspaceId, DateTime now, CancellationToken ct = default)
    {
        var since = now.AddHours(-23).Date.AddHours(now.AddHours(-23).Hour);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var recent = db.Deliveries.AsNoTracking().Where(d => d.WorkspaceId == workspaceId && d.CreatedAt >= since);
        var byHour = await recent.GroupBy(d => new { d.CreatedAt.Date, d.CreatedAt.Hour, d.Status })
            .Select(g => new { g.Key.Date, g.Key.Hour, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var hours = Enumerable.Range(0, 24).Select(i => since.AddHours(i)).Select(h =>
        {
            int Of(string status) => byHour.Where(x => x.Date.AddHours(x.Hour) == h && x.Status == status).Sum(x => x.Count);
            return new HourOutcomes(h, Of(DeliveryStatus.Succeeded), Of(DeliveryStatus.Failed), Of(DeliveryStatus.Pending));
        }).ToList();
        var bySub = await recent.GroupBy(d => new { d.SubscriptionId, d.Status })
            .Select(g => new { g.Key.SubscriptionId, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var perSubscription = bySub.GroupBy(x => x.SubscriptionId).Select(g => new SubscriptionOutcomes(g.Key,
            g.Where(x => x.Status == DeliveryStatus.Succeeded).Sum(x => x.Count),
            g.Where(x => x.Status == DeliveryStatus.Failed).Sum(x => x.Count),
            g.Where(x => x.Status == DeliveryStatus.Pending).Sum(x => x.Count))).ToList();
        var oldest = await db.Deliveries.Where(d => d.WorkspaceId == workspaceId && d.Status == DeliveryStatus.Pending)
            .OrderBy(d => d.Id).Select(d => (DateTime?)d.CreatedAt).FirstOrDefaultAsync(ct);
        return new DeliveryStats(hours, perSubscription, oldest);
    }

    /// <summary>Where a subscription sends now (attempt inspection's "copy as curl"), or null once it was deleted.</summary>
    public async Task<string?> SubscriptionUrlAsync(Guid workspaceId, Guid subscriptionId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking().Where(s => s.Id == subscriptionId && s.WorkspaceId == workspaceId).Select(s => s.Url).FirstOrDefaultAsync(ct);
    }

    /// <summary>Per-subscription health over the last 24 hours (every subscription of the workspace, or just <paramref name="only"/>).</summary>
    public async Task<Dictionary<Guid, SubscriptionHealth>> HealthAsync(Guid workspaceId, DateTime now, Guid? only = null, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await SubscriptionHealthReport.ComputeAsync(db, workspaceId, now, only, ct);
    }

    /// <summary>Names for the log's subscription column and filter.</summary>
    public async Task<Dictionary<Guid, string>> SubscriptionNamesAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking().Where(s => s.WorkspaceId == workspaceId)
            .OrderBy(s => s.Name).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
    }

    public Task<DeliveryList> FailuresAsync(Guid workspaceId, Guid subscriptionId, int? limit, string? cursor, CancellationToken ct = default) =>
        EnsureThen(workspaceId, subscriptionId, () => ListAsync(workspaceId, new DeliveryFilter(subscriptionId, DeliveryStatus.Failed), limit, cursor, ct: ct), ct);

    async Task<T> EnsureThen<T>(Guid workspaceId, Guid subscriptionId, Func<Task<T>> then, CancellationToken ct)
    {
        await using (var db = await dbs.CreateDbContextAsync(ct))
            await RequireSubscriptionAsync(db, workspaceId, subscriptionId, ct);
        return await then();
    }

    /// <summary>The newest delivery of each subscription that has one.</summary>
    public async Task<Dictionary<Guid, LastDelivery>> LastDeliveriesAsync(Guid workspaceId, IEnumerable<Guid> subscriptionIds, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var result = new Dictionary<Guid, LastDelivery>();
        // One indexed lookup per subscription (WorkspaceId, SubscriptionId, Id): a page holds few of them.
        foreach (var id in subscriptionIds.Distinct())
        {
            var last = await db.Deliveries.AsNoTracking()
                .Where(d => d.WorkspaceId == workspaceId && d.SubscriptionId == id)
                .OrderByDescending(d => d.Id)
                .Select(d => new LastDelivery(d.Status, d.LastStatusCode, d.LastError, d.CreatedAt))
                .FirstOrDefaultAsync(ct);
            if (last is not null) result[id] = last;
        }
        return result;
    }

    static async Task RequireSubscriptionAsync(AppDbContext db, Guid workspaceId, Guid subscriptionId, CancellationToken ct)
    {
        if (!await db.Subscriptions.AnyAsync(s => s.Id == subscriptionId && s.WorkspaceId == workspaceId, ct)) throw ServiceException.NotFound("Subscription");
    }

    static DeliveryView View(Delivery d, WebhookEvent e, IReadOnlyList<AttemptView>? attempts = null) =>
        View(d, PayloadFormats.BodyOf(d.PayloadFormat, e.Body, e.LegacyBody), attempts);

    /// <param name="body">The bytes this delivery sends (its format's body of the event).</param>
    static DeliveryView View(Delivery d, byte[] body, IReadOnlyList<AttemptView>? attempts = null) =>
        new(d.Id, d.WorkspaceId, d.SubscriptionId, d.EventId, d.EventType, d.CollectionSlug, d.RecordId, d.Status, d.AttemptCount, d.MaxAttempts,
            d.NextAttemptAt, d.LastStatusCode, d.LastError, d.ReplayedFrom, JsonSerializer.Deserialize<JsonElement>(body), d.CreatedAt, d.CompletedAt, attempts,
            WaitingOnCircuit: d.WaitingOnCircuit && d.Status == DeliveryStatus.Pending, PayloadFormat: d.PayloadFormat);

    static JsonElement? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<JsonElement>(json);
}
