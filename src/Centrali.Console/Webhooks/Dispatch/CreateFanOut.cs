using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// A record create's deliveries written in the create's own transaction, leased to this process's dispatch and handed
/// to it in memory after the commit (<see cref="Dispatcher.Hand"/>): between a create and its first attempt there is no
/// fan-out transaction and no claim. SQLite has one writer, and under sustained creates the fan-out's transactions held
/// it a fifth of the time, each costing about a millisecond however few rows it wrote.
/// </summary>
/// <remarks>
/// SQLite only (on PostgreSQL writers do not queue for one lock, and these statements would add round trips to every
/// create's commit: measured, sustained creates 883/s without, 528/s with). Only events that match a few subscriptions
/// (<see cref="MaxPerEvent"/>), none of them with record ordering or a rate limit: the others stay marked for fan-out and the dispatcher expands them (<see cref="DeliveryStore.FanOutAsync"/>),
/// so a create's answer never grows with the number of subscriptions. A delivery whose receiver host has no room is
/// written due and unleased, for a claim. As crash-safe as the outbox: the deliveries commit with the record or not at
/// all, and a lease this process never acts on (a crash, a stop) lapses and the delivery is claimed again.
/// </remarks>
public sealed class CreateFanOut(DeliveryStore store, ActiveSubscriptions activeSubscriptions, HostSlots hosts, Dispatcher dispatcher,
    DeliveryNotifier notifier, PayloadIndex payloads, TimeProvider time) : ICreateFanOut
{
    /// <summary>An event matching more subscriptions than this is fanned out by the dispatcher.</summary>
    public const int MaxPerEvent = 8;

    /// <summary>The deliveries a create group writes itself, and the host places their leases took.</summary>
    sealed class Plan(CreateFanOut fanOut, AppDbContext db) : ICreateFanOutPlan
    {
        public readonly List<Delivery> Deliveries = [];
        public readonly List<Claimed> Leased = [];
        public readonly List<Guid> Events = [];
        public bool Unleased;

        public Task WriteAsync(IDbContextTransaction tx, CancellationToken ct) => fanOut.WriteAsync(db, tx, this, ct);
        public Task CommittedAsync() => fanOut.CommittedAsync(this);
        public void Abandon() => fanOut.Abandon(this);
    }

    /// <inheritdoc />
    public async Task<ICreateFanOutPlan> PlanAsync(AppDbContext db, IReadOnlyList<WebhookEvent> events, CancellationToken ct)
    {
        var plan = new Plan(this, db);
        // PostgreSQL has no single writer to spare, and each statement here would be one more round trip inside every create's commit.
        if (events.Count == 0 || store.Dialect.Postgres) return plan;
        var active = await activeSubscriptions.ReadAsync(db, events.Select(e => e.WorkspaceId).Distinct().ToList(), ct);
        foreach (var s in active.SelectMany(g => g)) store.Saw(s);
        var now = time.GetUtcNow().UtcDateTime;
        var leaseId = SequentialId.New();
        var leaseUntil = now + store.Lease;
        foreach (var e in events)
        {
            e.FanOutPending = true;
            var matching = store.Matching(active[e.WorkspaceId], e).ToList();
            if (matching.Count > MaxPerEvent || matching.Any(s => s.Ordering == SubscriptionOrdering.Record || s.RateLimit is not null)) continue;
            e.FanOutPending = false;
            plan.Events.Add(e.Id);
            foreach (var s in matching)
            {
                var lease = hosts.TryReserve(HostSlots.HostOf(s.Url), s.Id);
                var d = store.NewDelivery(SequentialId.New(), e, s, now, lease ? leaseId : null, leaseUntil);
                plan.Deliveries.Add(d);
                if (lease) plan.Leased.Add(DeliveryStore.ClaimedOf(d, s, e));
                else plan.Unleased = true;
            }
        }
        return plan;
    }

    /// <summary>Writes the plan's deliveries, and on SQLite queues its events for the log's payload search, in the group's transaction.</summary>
    async Task WriteAsync(AppDbContext db, IDbContextTransaction tx, Plan plan, CancellationToken ct)
    {
        if (plan.Events.Count == 0) return;
        await store.InsertAsync(db, tx, plan.Deliveries, ct);
        if (!store.Dialect.Postgres)
            await PayloadIndex.QueueAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), plan.Events.Select(id => store.Dialect.Value(id)), ct);
    }

    async Task CommittedAsync(Plan plan)
    {
        if (plan.Events.Count == 0) return;
        if (!store.Dialect.Postgres) payloads.Wake();
        if (plan.Leased.Count > 0) dispatcher.Hand(plan.Leased);
        if (plan.Unleased) dispatcher.Wake();
        foreach (var d in plan.Deliveries) await notifier.PublishAsync(d.ToState());
    }

    void Abandon(Plan plan)
    {
        foreach (var c in plan.Leased) hosts.Release(c.Host);
        plan.Leased.Clear();
    }
}
