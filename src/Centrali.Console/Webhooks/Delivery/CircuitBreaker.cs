using Centrali.Console.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record CircuitView(string State, DateTime? OpenUntil)
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half-open";
}

/// <summary>
/// What the breaker says about sending to a URL now: go, go as the single trial, or wait until a time.
/// Clean: no failures on record, so a success has nothing to reset.
/// </summary>
public sealed record CircuitGate(bool Go, bool Trial, DateTime? WaitUntil, bool Clean = false);

/// <summary>Per-URL circuit breaker; its state lives in the database so every instance shares it.</summary>
public sealed class CircuitBreaker(IDbContextFactory<AppDbContext> dbs, TimeProvider time, IOptions<WebhookOptions> options)
{
    static readonly TimeSpan TrialMargin = TimeSpan.FromSeconds(5);

    public async Task<CircuitView> StateAsync(string url, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var circuit = await db.Circuits.AsNoTracking().FirstOrDefaultAsync(c => c.Url == url, ct);
        return View(circuit, time.GetUtcNow().UtcDateTime);
    }

    public async Task<Dictionary<string, CircuitView>> StatesAsync(IEnumerable<string> urls, CancellationToken ct = default)
    {
        var list = urls.Distinct().ToList();
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Circuits.AsNoTracking().Where(c => list.Contains(c.Url)).ToDictionaryAsync(c => c.Url, ct);
        var now = time.GetUtcNow().UtcDateTime;
        return list.ToDictionary(u => u, u => View(rows.GetValueOrDefault(u), now));
    }

    /// <summary>URLs whose circuit is open now, for the dashboard.</summary>
    public async Task<List<Circuit>> OpenAsync(CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Circuits.AsNoTracking().Where(c => c.OpenUntil != null).OrderBy(c => c.Url).ToListAsync(ct);
    }

    public async Task<CircuitGate> EnterAsync(AppDbContext db, string url, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var circuit = await db.Circuits.AsNoTracking().FirstOrDefaultAsync(c => c.Url == url, ct);
        if (circuit?.OpenUntil is not { } openUntil) return new CircuitGate(true, false, null, Clean: circuit is null || circuit.ConsecutiveFailures == 0);
        if (openUntil > now) return new CircuitGate(false, false, openUntil);
        // Half-open: exactly one attempt may test the URL; the conditional update decides who.
        var trialUntil = now + options.Value.Timeout + TrialMargin;
        var taken = await db.Circuits
            .Where(c => c.Url == url && c.OpenUntil != null && (c.TrialUntil == null || c.TrialUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.TrialUntil, trialUntil), ct);
        return taken == 1 ? new CircuitGate(true, true, null) : new CircuitGate(false, false, circuit.TrialUntil ?? trialUntil);
    }

    /// <summary>Records an attempt's outcome inside the attempt's own transaction.</summary>
    public async Task RecordAsync(AppDbContext db, string url, bool succeeded, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (succeeded)
        {
            await db.Circuits.Where(c => c.Url == url && (c.ConsecutiveFailures > 0 || c.OpenUntil != null))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.ConsecutiveFailures, 0)
                    .SetProperty(c => c.OpenUntil, (DateTime?)null)
                    .SetProperty(c => c.TrialUntil, (DateTime?)null)
                    .SetProperty(c => c.UpdatedAt, now), ct);
            return;
        }
        var o = options.Value.CircuitBreaker;
        // An upsert, so two instances failing on a new URL at once both count.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Circuits" ("Url", "ConsecutiveFailures", "UpdatedAt") VALUES ({url}, 1, {now})
            ON CONFLICT ("Url") DO UPDATE SET "ConsecutiveFailures" = "Circuits"."ConsecutiveFailures" + 1, "UpdatedAt" = {now}
            """, ct);
        var openUntil = now + o.BreakDuration;
        // Opens at the threshold; a failed half-open trial (its TrialUntil set) opens it again for another break.
        await db.Circuits
            .Where(c => c.Url == url && c.ConsecutiveFailures >= o.FailureThreshold && (c.OpenUntil == null || c.TrialUntil != null))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.OpenUntil, openUntil)
                .SetProperty(c => c.TrialUntil, (DateTime?)null), ct);
    }

    static CircuitView View(Circuit? c, DateTime now) =>
        c?.OpenUntil is not { } until ? new(CircuitView.Closed, null)
        : until > now ? new(CircuitView.Open, until)
        : new(CircuitView.HalfOpen, until);
}
