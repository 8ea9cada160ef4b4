namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// A subscription's last 24 hours: outcomes, success rate over final deliveries (null when none finished), attempt latency
/// percentiles, its latest error, deliveries per hour for a sparkline (oldest hour first), and its attempts with the share
/// of them answered 2xx (null when none was made).
/// </summary>
public sealed record SubscriptionHealth(Guid SubscriptionId, int Succeeded, int Failed, int Pending, double? SuccessRate, int? P50Ms, int? P95Ms,
    string? LastError, DateTime? LastErrorAt, IReadOnlyList<HourOutcomes> Hours, int Attempts = 0, double? AttemptSuccessRate = null);

/// <summary>
/// The one calculation of a subscription's health, for the subscription pages, the API and endpoint health's panel alike.
/// The window is the 24 clock hours of the sparkline (from the start of the hour 23 hours ago); it holds the deliveries made
/// in it and their attempts. Latency percentiles are over their most recent attempts (at most <see cref="Sample"/> per subscription).
/// </summary>
public static class SubscriptionHealthReport
{
    public const int Sample = 5000;

    /// <summary>Every subscription of the workspace, or just <paramref name="only"/>.</summary>
    public static async Task<Dictionary<Guid, SubscriptionHealth>> ComputeAsync(AppDbContext db, Guid workspaceId, DateTime now, Guid? only, CancellationToken ct)
    {
        var since = now.AddHours(-23).Date.AddHours(now.AddHours(-23).Hour);
        var ids = await db.Subscriptions.AsNoTracking().Where(s => s.WorkspaceId == workspaceId && (only == null || s.Id == only)).Select(s => s.Id).ToListAsync(ct);
        var recent = db.Deliveries.AsNoTracking().Where(d => d.WorkspaceId == workspaceId && d.CreatedAt >= since && ids.Contains(d.SubscriptionId));
        var counts = await recent.GroupBy(d => new { d.SubscriptionId, d.CreatedAt.Date, d.CreatedAt.Hour, d.Status })
            .Select(g => new { g.Key.SubscriptionId, g.Key.Date, g.Key.Hour, g.Key.Status, Count = g.Count() }).ToListAsync(ct);
        var attempts = await recent.SelectMany(d => d.Attempts, (d, a) => new { d.SubscriptionId, a.StatusCode })
            .GroupBy(x => x.SubscriptionId)
            .Select(g => new { SubscriptionId = g.Key, Count = g.Count(), Answered2xx = g.Count(x => x.StatusCode >= 200 && x.StatusCode < 300) })
            .ToDictionaryAsync(x => x.SubscriptionId, ct);
        var result = new Dictionary<Guid, SubscriptionHealth>();
        foreach (var id in ids)
        {
            var mine = counts.Where(c => c.SubscriptionId == id).ToList();
            int Of(string status, DateTime? hour = null) => mine.Where(c => c.Status == status && (hour == null || c.Date.AddHours(c.Hour) == hour)).Sum(c => c.Count);
            var hours = Enumerable.Range(0, 24).Select(i => since.AddHours(i))
                .Select(h => new HourOutcomes(h, Of(DeliveryStatus.Succeeded, h), Of(DeliveryStatus.Failed, h), Of(DeliveryStatus.Pending, h))).ToList();
            // From the subscription's recent deliveries (indexed) to their attempts, newest first.
            var durations = await recent.Where(d => d.SubscriptionId == id).OrderByDescending(d => d.Id).SelectMany(d => d.Attempts)
                .Take(Sample).Select(a => a.DurationMs).ToListAsync(ct);
            durations.Sort();
            var lastError = await recent.Where(d => d.SubscriptionId == id && d.LastError != null && d.Status != DeliveryStatus.Succeeded && d.Status != DeliveryStatus.Cancelled)
                .OrderByDescending(d => d.Id).Select(d => new { d.LastError, d.CreatedAt }).FirstOrDefaultAsync(ct);
            int succeeded = Of(DeliveryStatus.Succeeded), failed = Of(DeliveryStatus.Failed);
            var made = attempts.GetValueOrDefault(id);
            result[id] = new SubscriptionHealth(id, succeeded, failed, Of(DeliveryStatus.Pending),
                succeeded + failed == 0 ? null : (double)succeeded / (succeeded + failed),
                Percentile(durations, 0.50), Percentile(durations, 0.95), lastError?.LastError, lastError?.CreatedAt, hours,
                made?.Count ?? 0, made is null or { Count: 0 } ? null : (double)made.Answered2xx / made.Count);
        }
        return result;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static int? Percentile(List<int> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
