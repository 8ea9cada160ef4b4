using Centrali.Console.Data;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record CircuitView(string State, DateTime? OpenUntil)
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half-open";
}

/// <summary>Per-URL circuit breaker; its state lives in the database so every instance shares it.</summary>
public sealed class CircuitBreaker(IDbContextFactory<AppDbContext> dbs, TimeProvider time)
{
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

    static CircuitView View(Circuit? c, DateTime now) =>
        c?.OpenUntil is not { } until ? new(CircuitView.Closed, null)
        : until > now ? new(CircuitView.Open, until)
        : new(CircuitView.HalfOpen, until);
}
