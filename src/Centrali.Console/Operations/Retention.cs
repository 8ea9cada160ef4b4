using System.ComponentModel;
using System.Diagnostics;
using Centrali.Console.Webhooks.Deliveries;
using Hangfire;

namespace Centrali.Console.Operations;

/// <summary>The "Retention" configuration section.</summary>
public sealed class RetentionOptions
{
    /// <summary>Final deliveries (with their attempts) older than this are deleted, and events whose deliveries are all gone. Zero keeps everything.</summary>
    public TimeSpan Deliveries { get; set; } = TimeSpan.FromDays(30);
    /// <summary>When the purge runs (cron, UTC).</summary>
    public string Schedule { get; set; } = "*/15 * * * *";
    /// <summary>How long one batch may hold the database's writer; the batch size adapts to stay under it.</summary>
    public TimeSpan MaxHold { get; set; } = TimeSpan.FromMilliseconds(50);
}

/// <summary>What one purge deleted, and the longest any of its batches held the writer (the job's result in Hangfire).</summary>
public sealed record RetentionResult(DateTime Cutoff, int Deliveries, int Attempts, int Events, int Batches, double LongestHoldMs);

/// <summary>
/// Keeps the database bounded: deletes final deliveries older than <c>Retention:Deliveries</c> with their attempts, then the
/// events left without deliveries, in small batches, each its own short transaction. Pending deliveries stay whatever
/// their age: they are work not yet done. Batches are found by reading (which never blocks SQLite's writer) and sized
/// so that each delete holds the writer for well under <c>Retention:MaxHold</c>, with a pause between them for other writers.
/// </summary>
public sealed class RetentionJob(IDbContextFactory<AppDbContext> dbs, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionJob> log,
    PayloadIndex payloads)
{
    public const string RecurringId = "retention";
    const int MinBatch = 16, MaxBatch = 500;
    static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(10);

    int batch = 100;
    double longest;
    int batches;

    [AutomaticRetry(Attempts = 0)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [DisplayName("Retention: delete old final deliveries and their events")]
    public async Task<RetentionResult> PurgeAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        var cutoff = time.GetUtcNow().UtcDateTime - o.Deliveries;
        if (o.Deliveries <= TimeSpan.Zero) return new RetentionResult(cutoff, 0, 0, 0, 0, 0);
        var (deliveries, attempts) = await PurgeDeliveriesAsync(cutoff, ct);
        var events = await PurgeEventsAsync(cutoff, ct);
        var result = new RetentionResult(cutoff, deliveries, attempts, events, batches, Math.Round(longest, 1));
        if (deliveries + events > 0)
            log.LogInformation("Retention deleted {Deliveries} deliveries, {Attempts} attempts and {Events} events older than {Cutoff:u} in {Batches} batches (longest {LongestMs} ms).",
                deliveries, attempts, events, cutoff, batches, result.LongestHoldMs);
        return result;
    }

    async Task<(int Deliveries, int Attempts)> PurgeDeliveriesAsync(DateTime cutoff, CancellationToken ct)
    {
        int deliveries = 0, attempts = 0;
        Guid? after = null;
        while (true)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var old = db.Deliveries.AsNoTracking().Where(d => d.CreatedAt < cutoff && d.Status != DeliveryStatus.Pending);
            if (after is { } a) old = old.Where(d => d.Id.CompareTo(a) > 0);
            var ids = await old.OrderBy(d => d.Id).Select(d => d.Id).Take(batch).ToListAsync(ct);
            if (ids.Count == 0) break;
            after = ids[^1];
            var (a1, d1) = await HoldAsync(db, async () => (
                await db.Attempts.Where(x => ids.Contains(x.DeliveryId)).ExecuteDeleteAsync(ct),
                // The status once more, inside the transaction: a pending row is never deleted.
                await db.Deliveries.Where(d => ids.Contains(d.Id) && d.Status != DeliveryStatus.Pending).ExecuteDeleteAsync(ct)), ct);
            attempts += a1;
            deliveries += d1;
            await Task.Delay(Pause, ct);
        }
        return (deliveries, attempts);
    }

    async Task<int> PurgeEventsAsync(DateTime cutoff, CancellationToken ct)
    {
        var events = 0;
        Guid? after = null;
        while (true)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var old = db.Events.AsNoTracking().Where(e => e.CreatedAt < cutoff && !db.Deliveries.Any(d => d.EventId == e.Id));
            if (after is { } a) old = old.Where(e => e.Id.CompareTo(a) > 0);
            var ids = await old.OrderBy(e => e.Id).Select(e => e.Id).Take(batch).ToListAsync(ct);
            if (ids.Count == 0) break;
            after = ids[^1];
            // A delivery added to the event meanwhile (a replay) keeps it: the condition is checked again inside the delete.
            events += await HoldAsync(db, () => db.Events.Where(e => ids.Contains(e.Id) && !db.Deliveries.Any(d => d.EventId == e.Id)).ExecuteDeleteAsync(ct), ct);
            // Their text leaves the payload search's own file too.
            var kept = await db.Events.Where(e => ids.Contains(e.Id)).Select(e => e.Id).ToListAsync(ct);
            await payloads.ForgetAsync(ids.Except(kept).ToList(), ct);
            await Task.Delay(Pause, ct);
        }
        return events;
    }

    /// <summary>One batch in one transaction, timed; the next batch grows or shrinks to stay well under the allowed hold.</summary>
    async Task<T> HoldAsync<T>(AppDbContext db, Func<Task<T>> work, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var watch = Stopwatch.StartNew();
        var result = await work();
        await tx.CommitAsync(ct);
        var held = watch.Elapsed;
        batches++;
        longest = Math.Max(longest, held.TotalMilliseconds);
        var max = options.Value.MaxHold;
        // Halve quickly, grow slowly: a busy machine's spikes should not push the next batch over the limit.
        if (held > max * 0.5) batch = Math.Max(MinBatch, batch / 2);
        else if (held < max * 0.2) batch = Math.Min(MaxBatch, batch + batch / 2);
        return result;
    }
}

/// <summary>Registers the recurring purge at start-up (every instance registers the same job; Hangfire runs it once per schedule).</summary>
internal sealed class RetentionStart(IRecurringJobManager recurring, IOptions<RetentionOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<RetentionJob>(RetentionJob.RecurringId, j => j.PurgeAsync(CancellationToken.None), options.Value.Schedule);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
