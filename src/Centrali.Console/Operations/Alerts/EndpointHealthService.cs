using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Dispatch;
using Centrali.Console.Webhooks.Subscriptions;
using Hangfire;

namespace Centrali.Console.Operations.Alerts;

/// <summary>
/// Endpoint health: counts each subscription's consecutive failures after its attempts commit, tells the operator when it
/// starts failing (<c>Webhooks:FailingAfter</c>), when a delivery is exhausted and when it recovers, and sets a subscription
/// inactive once it has failed continuously for <c>Webhooks:DisableAfter</c> (as Svix does). A success on a subscription
/// known to be healthy writes nothing.
/// </summary>
public sealed class EndpointHealthService(
    IDbContextFactory<AppDbContext> dbs, IOptions<EndpointHealthOptions> options, OperatorFeed feed, IBackgroundJobClient jobs, TimeProvider time,
    ILogger<EndpointHealthService> log) : IAttemptListener, IEndpointHealth
{
    static readonly TimeSpan TrustHealthy = TimeSpan.FromSeconds(10);
    // Subscriptions read as healthy lately: their successes need no database work. A failure anywhere on this instance drops the entry.
    readonly ConcurrentDictionary<Guid, DateTime> healthy = new();

    /// <summary>The hook: call after the attempts' transaction has committed (never inside it).</summary>
    public async Task AttemptsRecordedAsync(IReadOnlyList<AttemptOutcome> outcomes, CancellationToken ct = default)
    {
        foreach (var o in outcomes)
        {
            var now = DateTime.UtcNow;
            if (o.Succeeded && healthy.TryGetValue(o.SubscriptionId, out var seen) && now - seen < TrustHealthy) continue;
            try
            {
                await RecordAsync(o, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Health is bookkeeping beside a committed attempt: it must never stop the engine's next step.
                log.LogError(e, "Endpoint health of subscription {SubscriptionId} was not updated.", o.SubscriptionId);
            }
        }
    }

    async Task RecordAsync(AttemptOutcome o, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var row = await db.EndpointHealth.AsNoTracking().FirstOrDefaultAsync(h => h.SubscriptionId == o.SubscriptionId, ct);
        if (o.Succeeded && (row is null || row.ConsecutiveFailures == 0))
        {
            healthy[o.SubscriptionId] = DateTime.UtcNow;
            return;
        }
        healthy.TryRemove(o.SubscriptionId, out _);

        var subscription = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == o.SubscriptionId, ct);
        var threshold = Math.Max(1, options.Value.FailingAfter);
        var added = new List<OperatorNotification>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (row is null)
        {
            row = new EndpointHealth { SubscriptionId = o.SubscriptionId, WorkspaceId = o.WorkspaceId };
            db.EndpointHealth.Add(row);
        }
        else db.EndpointHealth.Attach(row);

        if (o.Succeeded)
        {
            if (row.ConsecutiveFailures >= threshold)
                added.Add(Notify(db, o, OperationalEvents.SubscriptionRecovered, $"{Name(subscription)} is delivering again after {row.ConsecutiveFailures} failed attempts.",
                    new { subscriptionId = o.SubscriptionId, name = subscription?.Name, url = subscription?.Url, failedAttempts = row.ConsecutiveFailures, failingSince = row.FailingSince }));
            row.ConsecutiveFailures = 0;
            row.FailingSince = null;
            row.LastError = null;
        }
        else
        {
            row.ConsecutiveFailures++;
            row.FailingSince ??= o.At;
            row.LastError = o.Error;
            if (row.ConsecutiveFailures == threshold)
                added.Add(Notify(db, o, OperationalEvents.SubscriptionFailing, $"{Name(subscription)} failed {threshold} attempts in a row: {o.Error}",
                    new { subscriptionId = o.SubscriptionId, name = subscription?.Name, url = subscription?.Url, consecutiveFailures = row.ConsecutiveFailures, failingSince = row.FailingSince, lastError = o.Error }));
            if (o.DeliveryStatus == DeliveryStatus.Failed)
                added.Add(Notify(db, o, OperationalEvents.DeliveryExhausted, $"A {o.EventType} delivery to {Name(subscription)} ran out of attempts: {o.Error}",
                    new { deliveryId = o.DeliveryId, subscriptionId = o.SubscriptionId, name = subscription?.Name, url = subscription?.Url, eventType = o.EventType, lastError = o.Error }));
            var disableAfter = options.Value.DisableAfter;
            if (disableAfter > TimeSpan.Zero && subscription?.Status == SubscriptionStatus.Active && o.At - row.FailingSince >= disableAfter)
            {
                var reason = $"Failed continuously since {row.FailingSince:u} ({row.ConsecutiveFailures} attempts): set inactive automatically. Last error: {o.Error}";
                await db.Subscriptions.Where(s => s.Id == o.SubscriptionId && s.Status == SubscriptionStatus.Active).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, SubscriptionStatus.Inactive)
                    .SetProperty(x => x.DisabledReason, reason)
                    .SetProperty(x => x.UpdatedAt, time.GetUtcNow().UtcDateTime), ct);
                added.Add(Notify(db, o, OperationalEvents.SubscriptionDisabled, $"{Name(subscription)} was set inactive: it has failed continuously since {row.FailingSince:u}.",
                    new { subscriptionId = o.SubscriptionId, name = subscription.Name, url = subscription.Url, failingSince = row.FailingSince, consecutiveFailures = row.ConsecutiveFailures, reason }));
            }
        }
        row.UpdatedAt = o.At;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        foreach (var n in added) Published(n);
    }

    static string Name(Subscription? s) => s is null ? "A deleted subscription" : $"Subscription \"{s.Name}\"";

    OperatorNotification Notify(AppDbContext db, AttemptOutcome o, string type, string message, object data)
    {
        var n = new OperatorNotification
        {
            WorkspaceId = o.WorkspaceId, Type = type, SubscriptionId = o.SubscriptionId, DeliveryId = o.DeliveryId,
            Message = message, Data = JsonSerializer.Serialize(data, JsonSerializerOptions.Web), CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.OperatorNotifications.Add(n);
        return n;
    }

    /// <summary>After commit: the bell hears at once, and the operator webhook job is queued (it ends at once when no URL is set).</summary>
    void Published(OperatorNotification n)
    {
        feed.Publish(n.WorkspaceId);
        jobs.Enqueue<OperatorWebhookJob>(j => j.SendAsync(n.Id));
    }

    /// <summary>
    /// The subscription's last 24 hours, from the one health calculation the subscription pages use too (its attempts, the
    /// share answered 2xx, p50/p95 latency), and its current run of failures.
    /// </summary>
    public async Task<EndpointHealthView> HealthAsync(Guid workspaceId, Guid subscriptionId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var day = (await SubscriptionHealthReport.ComputeAsync(db, workspaceId, time.GetUtcNow().UtcDateTime, subscriptionId, ct)).GetValueOrDefault(subscriptionId);
        var row = await db.EndpointHealth.AsNoTracking().FirstOrDefaultAsync(h => h.SubscriptionId == subscriptionId && h.WorkspaceId == workspaceId, ct);
        return new EndpointHealthView(day?.Attempts ?? 0, day?.AttemptSuccessRate * 100, day?.P50Ms, day?.P95Ms,
            row?.ConsecutiveFailures ?? 0, row?.FailingSince, row?.LastError);
    }
}

/// <summary>In-process news of new operational events, for the console's bell (each instance's pages hear their own instance).</summary>
public sealed class OperatorFeed
{
    public event Action<Guid>? Added;
    public void Publish(Guid workspaceId) => Added?.Invoke(workspaceId);
}
