using System.ComponentModel;
using Centrali.Console.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// The database is the queue of record: at start-up and every minute, due pending deliveries whose lease
/// has expired are handed to the dispatcher again, so schedules lost with an in-memory store (or a crash) are not lost work.
/// </summary>
public sealed class DeliveryRecovery(IDbContextFactory<AppDbContext> dbs, DeliveryQueue queue, IBackgroundJobClient jobs, TimeProvider time, ILogger<DeliveryRecovery> log)
{
    public const string RecurringId = "delivery-recovery";
    const int Batch = 5000;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Recover due deliveries")]
    public async Task<int> SweepAsync(bool afterLeases = false)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var total = await EnqueueDueAsync(now, now);
        if (total > 0) log.LogInformation("Recovery handed {Count} due deliveries to the workers.", total);

        // After a crash, deliveries still leased by the dead process become free when their lease ends: sweep then, not a minute later.
        await using var db = await dbs.CreateDbContextAsync();
        var lastLease = await db.Deliveries.Where(d => d.Status == DeliveryStatus.Pending && d.LeaseUntil > now).MaxAsync(d => d.LeaseUntil);
        if (afterLeases && lastLease is { } until)
            jobs.Schedule<DeliveryRecovery>(r => r.SweepAsync(false), until - now + TimeSpan.FromSeconds(1));
        return total;
    }

    /// <summary>
    /// Deliveries a lost or late schedule should have started over a second ago. Only while the dispatcher has no
    /// backlog: a backlog is work already handed on, not lost.
    /// </summary>
    public Task<int> SweepLateAsync()
    {
        if (queue.Backlog > 0) return Task.FromResult(0);
        var now = time.GetUtcNow().UtcDateTime;
        return EnqueueDueAsync(now - TimeSpan.FromSeconds(1), now);
    }

    async Task<int> EnqueueDueAsync(DateTime dueBefore, DateTime now)
    {
        var total = 0;
        Guid? after = null;
        await using var db = await dbs.CreateDbContextAsync();
        while (true)
        {
            var query = db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= dueBefore && (d.LeaseUntil == null || d.LeaseUntil < now));
            if (after is { } a) query = query.Where(d => d.Id.CompareTo(a) > 0);
            var due = await query.OrderBy(d => d.Id).Select(d => new { d.Id, d.AttemptCount }).Take(Batch).ToListAsync();
            foreach (var d in due) queue.Enqueue(d.Id, d.AttemptCount + 1);
            total += due.Count;
            if (due.Count < Batch) break;
            after = due[^1].Id;
        }
        return total;
    }
}

/// <summary>Runs the sweep once at start-up and registers the minutely one.</summary>
internal sealed class DeliveryRecoveryStart(IRecurringJobManager recurring, IBackgroundJobClient jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<DeliveryRecovery>(DeliveryRecovery.RecurringId, r => r.SweepAsync(false), Cron.Minutely());
        jobs.Enqueue<DeliveryRecovery>(r => r.SweepAsync(true));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// A once-a-second look for deliveries whose Hangfire schedule fired early or was lost, so a retry
/// is never a minute late; the claim makes a second hand-off harmless.
/// </summary>
internal sealed class LateDeliveryWatcher(IServiceScopeFactory scopes, ILogger<LateDeliveryWatcher> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<DeliveryRecovery>().SweepLateAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "The late-delivery sweep failed; it runs again in a second.");
            }
        }
    }
}
