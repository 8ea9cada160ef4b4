using System.Text.Json;
using System.Text.Json.Serialization;
using Centrali.Console.Api;
using Centrali.Console.Audit;
using Centrali.Console.Data;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record AttemptView(int Number, DateTime StartedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody,
    JsonElement? ResponseHeaders, JsonElement? RequestHeaders);

public sealed record DeliveryView(Guid Id, Guid SubscriptionId, Guid EventId, string Event, string RecordSlug, Guid? RecordId, string Status,
    int AttemptCount, int MaxAttempts, DateTime? NextAttemptAt, int? LastStatusCode, string? LastError, Guid? ReplayedFrom,
    JsonElement Payload, DateTime CreatedAt, DateTime? CompletedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<AttemptView>? Attempts = null);

public sealed record DeliveryFilter(Guid? SubscriptionId = null, string? Status = null, string? Event = null, string? RecordSlug = null,
    DateTime? Since = null, DateTime? Until = null);

public sealed record RecoverResult(int Count);

public sealed record HourOutcomes(DateTime Hour, int Succeeded, int Failed, int Pending);

public sealed record SubscriptionOutcomes(Guid SubscriptionId, int Succeeded, int Failed, int Pending);

public sealed record DeliveryStats(List<HourOutcomes> Last24Hours, List<SubscriptionOutcomes> BySubscription, DateTime? OldestPending);

/// <summary>The delivery log and what a person does with it: read, replay, recover, send a test event.</summary>
public sealed class DeliveryService(IDbContextFactory<AppDbContext> dbs, EventOutbox outbox, CircuitBreaker circuits, AuditLog audit)
{
    static readonly string[] Statuses = [DeliveryStatus.Pending, DeliveryStatus.Succeeded, DeliveryStatus.Failed];

    public async Task<Page<DeliveryView>> ListAsync(Guid workspaceId, DeliveryFilter filter, int? limit = null, string? cursor = null, CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        if (filter.Status is { } status && !Statuses.Contains(status))
            throw ServiceException.Invalid("status", $"status is one of {string.Join(", ", Statuses)}.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Deliveries.AsNoTracking().Where(d => d.WorkspaceId == workspaceId);
        if (filter.SubscriptionId is { } sid) query = query.Where(d => d.SubscriptionId == sid);
        if (filter.Status is { } st) query = query.Where(d => d.Status == st);
        if (filter.Event is { Length: > 0 } ev) { var e = ev.Replace('.', '_'); query = query.Where(d => d.EventType == e); }
        if (filter.RecordSlug is { Length: > 0 } slug) query = query.Where(d => d.RecordSlug == slug);
        if (filter.Since is { } since) { var s = since.ToUniversalTime(); query = query.Where(d => d.CreatedAt >= s); }
        if (filter.Until is { } until) { var u = until.ToUniversalTime(); query = query.Where(d => d.CreatedAt < u); }
        if (after is { } a) query = query.Where(d => d.Id.CompareTo(a) < 0);
        var rows = await query.OrderByDescending(d => d.Id).Take(take + 1)
            .Select(d => new { Delivery = d, d.Event!.Body }).ToListAsync(ct);
        return Paging.ToPage(rows, take, r => r.Delivery.Id, r => View(r.Delivery, r.Body));
    }

    public async Task<DeliveryView> GetAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var d = await db.Deliveries.AsNoTracking().Include(x => x.Event).Include(x => x.Attempts)
            .FirstOrDefaultAsync(x => x.Id == id && x.WorkspaceId == workspaceId, ct) ?? throw ServiceException.NotFound("Delivery");
        return View(d, d.Event!.Body, d.Attempts.OrderBy(a => a.Number).Select(a => new AttemptView(a.Number, a.StartedAt, a.DurationMs,
            a.StatusCode, a.Error, a.ResponseBody, Parse(a.ResponseHeaders), Parse(a.RequestHeaders))).ToList());
    }

    /// <summary>Replay: a new delivery of the same event to the subscription as it is now; the original stays as it was.</summary>
    public async Task<DeliveryView> ReplayAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var original = await db.Deliveries.Include(d => d.Event).FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == workspaceId, ct)
            ?? throw ServiceException.NotFound("Delivery");
        if (original.Status == DeliveryStatus.Pending)
            throw ServiceException.Conflict("The delivery is still pending; replay it once it has succeeded or failed.");
        if (!await db.Subscriptions.AnyAsync(s => s.Id == original.SubscriptionId, ct))
            throw ServiceException.Conflict("The subscription of this delivery was deleted.");
        var replay = outbox.NewDelivery(original.Event!, original.SubscriptionId, replayedFrom: original.Id);
        db.Deliveries.Add(replay);
        await db.SaveChangesAsync(ct);
        outbox.Started(replay);
        await audit.RecordAsync(workspaceId, AuditActions.DeliveryReplayed, original.Event!.Type,
            new { deliveryId = original.Id, replayId = replay.Id, original.SubscriptionId }, ct);
        return View(replay, original.Event!.Body);
    }

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
            .Select(d => outbox.NewDelivery(d.Event!, subscriptionId, replayedFrom: d.Id))
            .ToList();
        db.Deliveries.AddRange(replays);
        await db.SaveChangesAsync(ct);
        foreach (var r in replays) outbox.Started(r);
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
        var subscription = await RequireSubscriptionAsync(db, workspaceId, subscriptionId, ct);
        var data = JsonSerializer.Serialize(new { message = "This is a test event from Centrali Console.", subscription = subscription.Name });
        var e = outbox.NewEvent(workspaceId, workspaceSlug, EventTypes.WebhookTest, "webhook-test", Guid.CreateVersion7(), data);
        var delivery = outbox.NewDelivery(e, subscription.Id);
        db.Events.Add(e);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync(ct);
        outbox.Started(delivery);
        return View(delivery, e.Body);
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

    /// <summary>Names for the log's subscription column and filter.</summary>
    public async Task<Dictionary<Guid, string>> SubscriptionNamesAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Subscriptions.AsNoTracking().Where(s => s.WorkspaceId == workspaceId)
            .OrderBy(s => s.Name).ToDictionaryAsync(s => s.Id, s => s.Name, ct);
    }

    public Task<Page<DeliveryView>> FailuresAsync(Guid workspaceId, Guid subscriptionId, int? limit, string? cursor, CancellationToken ct = default) =>
        EnsureThen(workspaceId, subscriptionId, () => ListAsync(workspaceId, new DeliveryFilter(subscriptionId, DeliveryStatus.Failed), limit, cursor, ct), ct);

    async Task<T> EnsureThen<T>(Guid workspaceId, Guid subscriptionId, Func<Task<T>> then, CancellationToken ct)
    {
        await using (var db = await dbs.CreateDbContextAsync(ct))
            await RequireSubscriptionAsync(db, workspaceId, subscriptionId, ct);
        return await then();
    }

    static async Task<Subscription> RequireSubscriptionAsync(AppDbContext db, Guid workspaceId, Guid subscriptionId, CancellationToken ct) =>
        await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == subscriptionId && s.WorkspaceId == workspaceId, ct)
        ?? throw ServiceException.NotFound("Subscription");

    static DeliveryView View(Delivery d, byte[] body, IReadOnlyList<AttemptView>? attempts = null) =>
        new(d.Id, d.SubscriptionId, d.EventId, d.EventType, d.RecordSlug, d.RecordId, d.Status, d.AttemptCount, d.MaxAttempts,
            d.NextAttemptAt, d.LastStatusCode, d.LastError, d.ReplayedFrom, JsonSerializer.Deserialize<JsonElement>(body), d.CreatedAt, d.CompletedAt, attempts);

    static JsonElement? Parse(string? json) => json is null ? null : JsonSerializer.Deserialize<JsonElement>(json);
}
