using Centrali.Console.Webhooks.Deliveries;
using Hangfire;

namespace Centrali.Console.Operations;

/// <summary>How far behind the engine is, as the database says it (every instance sees the same figures).</summary>
/// <param name="Due">Pending deliveries whose next attempt is due now.</param>
/// <param name="OldestDueAge">How long the oldest of them has been due; zero when none is.</param>
/// <param name="WaitingOnOpenCircuit">Pending deliveries to a receiver URL whose circuit is open.</param>
/// <param name="OpenCircuits">Receiver URLs whose circuit is open now.</param>
public sealed record Backlog(long Due, TimeSpan OldestDueAge, long WaitingOnOpenCircuit, long OpenCircuits, DateTime At);

/// <summary>How big the database is and how far back the delivery log goes.</summary>
/// <param name="FreeBytes">SQLite: pages freed by deletes, reused before the file grows again.</param>
public sealed record StorageFigures(long DatabaseBytes, long FreeBytes, DateTime? OldestDelivery, long Deliveries);

/// <summary>Hangfire's own counts: jobs enqueued (waiting for a worker), processing and failed.</summary>
public sealed record JobFigures(long Enqueued, long Processing, long Scheduled, long Failed, long Servers);

/// <summary>
/// The figures behind the gauges, readiness and the dashboard, read from the database and Hangfire's storage and
/// kept for a few seconds, so a scrape every second and a busy dashboard cost one set of queries per interval.
/// </summary>
public sealed class OperationsFigures : IDisposable
{
    static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(3);
    // The gauges are static (one meter per process); they read the app that registered last, the only one in production.
    static volatile OperationsFigures? current;

    static OperationsFigures()
    {
        Telemetry.Meter.CreateObservableGauge("centrali.deliveries.due", () => current?.Read().Due ?? 0, "{delivery}",
            "Pending deliveries whose next attempt is due now (the backlog).");
        Telemetry.Meter.CreateObservableGauge("centrali.deliveries.due.oldest_age", () => current?.Read().OldestDueAge.TotalSeconds ?? 0, "s",
            "How long the oldest due delivery has waited since it became due.");
        Telemetry.Meter.CreateObservableGauge("centrali.deliveries.waiting_on_circuit", () => current?.Read().WaitingOnOpenCircuit ?? 0, "{delivery}",
            "Pending deliveries to a receiver URL whose circuit is open.");
        Telemetry.Meter.CreateObservableGauge("centrali.circuits.open", () => current?.Read().OpenCircuits ?? 0, "{circuit}",
            "Receiver URLs whose circuit is open.");
        Telemetry.Meter.CreateObservableGauge("centrali.jobs.enqueued", () => current?.Jobs().Enqueued ?? 0, "{job}", "Hangfire jobs waiting for a worker.");
        Telemetry.Meter.CreateObservableGauge("centrali.jobs.processing", () => current?.Jobs().Processing ?? 0, "{job}", "Hangfire jobs running now.");
        Telemetry.Meter.CreateObservableGauge("centrali.jobs.scheduled", () => current?.Jobs().Scheduled ?? 0, "{job}", "Hangfire jobs scheduled for later (retries).");
        Telemetry.Meter.CreateObservableGauge("centrali.jobs.failed", () => current?.Jobs().Failed ?? 0, "{job}", "Hangfire jobs in the failed state.");
    }

    readonly IDbContextFactory<AppDbContext> dbs;
    readonly JobStorage storage;
    readonly TimeProvider time;
    readonly Lock gate = new();
    Backlog? backlog;
    (JobFigures Figures, DateTime At)? jobs;

    public OperationsFigures(IDbContextFactory<AppDbContext> dbs, JobStorage storage, TimeProvider time)
    {
        (this.dbs, this.storage, this.time) = (dbs, storage, time);
        current = this;
    }

    /// <summary>The backlog, at most a few seconds old.</summary>
    public Backlog Read()
    {
        var now = time.GetUtcNow().UtcDateTime;
        lock (gate)
        {
            if (backlog is { } b && now - b.At < CacheFor && now >= b.At) return b;
            backlog = Query(now);
            return backlog;
        }
    }

    /// <summary>The backlog as it is now, for readiness and the dashboard's refresh.</summary>
    public async Task<Backlog> ReadFreshAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var pending = db.Deliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Pending);
        var due = pending.Where(d => d.NextAttemptAt <= now);
        var fresh = new Backlog(
            await due.LongCountAsync(ct),
            Age(now, await due.MinAsync(d => d.NextAttemptAt, ct)),
            await pending.LongCountAsync(d => d.WaitingOnCircuit, ct),
            await db.Circuits.AsNoTracking().LongCountAsync(c => c.OpenUntil > now, ct),
            now);
        lock (gate) backlog = fresh;
        return fresh;
    }

    Backlog Query(DateTime now)
    {
        using var db = dbs.CreateDbContext();
        var pending = db.Deliveries.AsNoTracking().Where(d => d.Status == DeliveryStatus.Pending);
        var due = pending.Where(d => d.NextAttemptAt <= now);
        return new Backlog(
            due.LongCount(),
            Age(now, due.Min(d => d.NextAttemptAt)),
            pending.LongCount(d => d.WaitingOnCircuit),
            db.Circuits.AsNoTracking().LongCount(c => c.OpenUntil > now),
            now);
    }

    static TimeSpan Age(DateTime now, DateTime? oldest) => oldest is { } o && o < now ? now - o : TimeSpan.Zero;

    /// <summary>The database's size on disk (SQLite: its pages; PostgreSQL: the database) and the oldest delivery kept.</summary>
    public async Task<StorageFigures> StorageAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var sqlite = db.Database.IsSqlite();
        var bytes = sqlite
            ? await db.Database.SqlQueryRaw<long>("SELECT page_count * page_size AS \"Value\" FROM pragma_page_count(), pragma_page_size()").SingleAsync(ct)
            : await db.Database.SqlQueryRaw<long>("SELECT pg_database_size(current_database()) AS \"Value\"").SingleAsync(ct);
        var free = sqlite
            ? await db.Database.SqlQueryRaw<long>("SELECT freelist_count * page_size AS \"Value\" FROM pragma_freelist_count(), pragma_page_size()").SingleAsync(ct)
            : 0;
        var deliveries = db.Deliveries.AsNoTracking();
        return new StorageFigures(bytes, free, await deliveries.MinAsync(d => (DateTime?)d.CreatedAt, ct), await deliveries.LongCountAsync(ct));
    }

    /// <summary>Hangfire's statistics, at most a few seconds old.</summary>
    public JobFigures Jobs()
    {
        var now = DateTime.UtcNow;
        lock (gate)
        {
            if (jobs is { } j && now - j.At < CacheFor) return j.Figures;
            var s = storage.GetMonitoringApi().GetStatistics();
            var figures = new JobFigures(s.Enqueued, s.Processing, s.Scheduled, s.Failed, s.Servers);
            jobs = (figures, now);
            return figures;
        }
    }

    public void Dispose()
    {
        if (current == this) current = null;
    }
}
