using System.ComponentModel;
using Centrali.Console.Data;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// The database is the queue of record: at start-up and every minute, due pending deliveries whose lease
/// has expired are handed to Hangfire again, so jobs lost with an in-memory store (or a crash) are not lost work.
/// </summary>
public sealed class DeliveryRecovery(IDbContextFactory<AppDbContext> dbs, DeliveryQueue queue, TimeProvider time, ILogger<DeliveryRecovery> log)
{
    public const string RecurringId = "delivery-recovery";
    const int Batch = 5000;

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Recover due deliveries")]
    public async Task<int> SweepAsync()
    {
        var now = time.GetUtcNow().UtcDateTime;
        var total = 0;
        Guid? after = null;
        await using var db = await dbs.CreateDbContextAsync();
        while (true)
        {
            var query = db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now && (d.LeaseUntil == null || d.LeaseUntil < now));
            if (after is { } a) query = query.Where(d => d.Id.CompareTo(a) > 0);
            var due = await query.OrderBy(d => d.Id).Select(d => new { d.Id, d.AttemptCount }).Take(Batch).ToListAsync();
            foreach (var d in due) queue.Enqueue(d.Id, d.AttemptCount + 1);
            total += due.Count;
            if (due.Count < Batch) break;
            after = due[^1].Id;
        }
        if (total > 0) log.LogInformation("Recovery handed {Count} due deliveries to the workers.", total);
        return total;
    }
}

/// <summary>Runs the sweep once at start-up and registers the minutely one.</summary>
internal sealed class DeliveryRecoveryStart(IRecurringJobManager recurring, IBackgroundJobClient jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<DeliveryRecovery>(DeliveryRecovery.RecurringId, r => r.SweepAsync(), Cron.Minutely());
        jobs.Enqueue<DeliveryRecovery>(r => r.SweepAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
