using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Circuits;

public sealed record CircuitView(string State, DateTime? OpenUntil)
{
    public const string Closed = "closed";
    public const string Open = "open";
    public const string HalfOpen = "half-open";
}

/// <summary>One circuit: a receiver URL as one workspace uses it.</summary>
public readonly record struct CircuitKey(Guid WorkspaceId, string Url);

/// <summary>
/// What the breaker says about sending to a URL now: go, go as the single trial, or wait until a time.
/// Clean: no failures on record, so a success has nothing to reset.
/// </summary>
public sealed record CircuitGate(bool Go, bool Trial, DateTime? WaitUntil, bool Clean = false);

/// <summary>One attempt's effect on its circuit, written in the attempt's group commit.</summary>
public sealed record CircuitResult(CircuitKey Key, bool Succeeded, bool Trial, bool Clean);

/// <summary>
/// Per-(workspace, URL) circuit breaker; its state lives in the database so every instance shares it. After
/// <c>FailureThreshold</c> consecutive failed attempts the circuit opens for <c>BreakDuration</c>: due deliveries wait
/// without spending attempts; then one trial attempt decides (success closes it and the waiting deliveries follow,
/// failure opens it again). A replay, recover or test event goes through an open circuit at once as its trial.
/// </summary>
public sealed class CircuitBreaker(IDbContextFactory<AppDbContext> dbs, TimeProvider time, IOptions<WebhookOptions> options, IConfiguration config)
{
    static readonly TimeSpan TrialMargin = TimeSpan.FromSeconds(5);

    // Embedded mode has one process, so it knows every circuit it has read and not changed since; on PostgreSQL another
    // instance may change one at any time, so each batch reads them.
    readonly bool single = !DatabaseSetup.IsPostgres(config);
    readonly ConcurrentDictionary<CircuitKey, Circuit?> known = new();

    public async Task<CircuitView> StateAsync(Guid workspaceId, string url, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var circuit = await db.Circuits.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Url == url, ct);
        return View(circuit, time.GetUtcNow().UtcDateTime);
    }

    public async Task<Dictionary<string, CircuitView>> StatesAsync(Guid workspaceId, IEnumerable<string> urls, CancellationToken ct = default)
    {
        var list = urls.Distinct().ToList();
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await db.Circuits.AsNoTracking().Where(c => c.WorkspaceId == workspaceId && list.Contains(c.Url)).ToDictionaryAsync(c => c.Url, ct);
        var now = time.GetUtcNow().UtcDateTime;
        return list.ToDictionary(u => u, u => View(rows.GetValueOrDefault(u), now));
    }

    /// <summary>The workspace's URLs whose circuit is open now, for the dashboard.</summary>
    public async Task<List<Circuit>> OpenAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.Circuits.AsNoTracking().Where(c => c.WorkspaceId == workspaceId && c.OpenUntil != null).OrderBy(c => c.Url).ToListAsync(ct);
    }

    /// <summary>The circuits of a claimed batch, in one query.</summary>
    public async Task<Dictionary<CircuitKey, Circuit?>> ReadAsync(IReadOnlyCollection<CircuitKey> keys, CancellationToken ct)
    {
        var result = new Dictionary<CircuitKey, Circuit?>();
        var unknown = new List<CircuitKey>();
        foreach (var key in keys)
            if (single && known.TryGetValue(key, out var c)) result[key] = c;
            else unknown.Add(key);
        if (unknown.Count == 0) return result;
        var workspaces = unknown.Select(k => k.WorkspaceId).Distinct().ToList();
        var urls = unknown.Select(k => k.Url).Distinct().ToList();
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = (await db.Circuits.AsNoTracking().Where(c => workspaces.Contains(c.WorkspaceId) && urls.Contains(c.Url)).ToListAsync(ct))
            .ToDictionary(c => new CircuitKey(c.WorkspaceId, c.Url));
        foreach (var key in unknown)
        {
            result[key] = rows.GetValueOrDefault(key);
            if (single) known[key] = result[key];
        }
        return result;
    }

    /// <summary>A circuit was written: read it again next time.</summary>
    void Changed(CircuitKey key) => known.TryRemove(key, out _);

    /// <summary>
    /// The gate for one delivery, given its circuit as read for the batch. Half-open: exactly one attempt may test the
    /// URL, decided by a conditional update; <paramref name="operatorIntent"/> goes at once, open or not.
    /// </summary>
    public async Task<CircuitGate> EnterAsync(CircuitKey key, Circuit? circuit, bool operatorIntent, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (circuit?.OpenUntil is not { } openUntil) return new CircuitGate(true, false, null, Clean: circuit is null || circuit.ConsecutiveFailures == 0);
        if (operatorIntent) return new CircuitGate(true, true, null);
        if (openUntil > now) return new CircuitGate(false, false, openUntil);
        var trialUntil = now + options.Value.Timeout + TrialMargin;
        Changed(key);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var taken = await db.Circuits
            .Where(c => c.WorkspaceId == key.WorkspaceId && c.Url == key.Url && c.OpenUntil != null && (c.TrialUntil == null || c.TrialUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.TrialUntil, trialUntil), ct);
        Changed(key);
        return taken == 1 ? new CircuitGate(true, true, null) : new CircuitGate(false, false, circuit.TrialUntil is { } t && t > now ? t : trialUntil);
    }

    /// <summary>
    /// Records a group commit's attempts inside its transaction, one statement or two per circuit touched: the failures
    /// after the last success count on; a success resets the count, closes an open circuit and releases what waited on it.
    /// </summary>
    /// <returns>The circuits written: <see cref="Forget"/> them once the transaction has committed.</returns>
    public async Task<List<CircuitKey>> RecordAsync(AppDbContext db, IReadOnlyList<CircuitResult> results, CancellationToken ct)
    {
        var written = new List<CircuitKey>();
        var now = time.GetUtcNow().UtcDateTime;
        var o = options.Value.CircuitBreaker;
        var openUntil = now + o.BreakDuration;
        foreach (var group in results.GroupBy(r => r.Key))
        {
            var (workspaceId, url) = (group.Key.WorkspaceId, group.Key.Url);
            var list = group.ToList();
            var lastSuccess = list.FindLastIndex(r => r.Succeeded);
            var trailing = list.Count - 1 - lastSuccess;
            if (lastSuccess >= 0 && trailing == 0 && list.All(r => r.Clean)) continue;
            written.Add(group.Key);
            if (lastSuccess >= 0)
            {
                DateTime? open = trailing >= o.FailureThreshold ? openUntil : null;
                var wasOpen = await db.Circuits.Where(c => c.WorkspaceId == workspaceId && c.Url == url && c.OpenUntil != null).AnyAsync(ct);
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "Circuits" ("WorkspaceId", "Url", "ConsecutiveFailures", "OpenUntil", "TrialUntil", "UpdatedAt")
                    VALUES ({workspaceId}, {url}, {trailing}, {open}, NULL, {now})
                    ON CONFLICT ("WorkspaceId", "Url") DO UPDATE SET "ConsecutiveFailures" = {trailing}, "OpenUntil" = {open}, "TrialUntil" = NULL, "UpdatedAt" = {now}
                    """, ct);
                if (wasOpen && open is null)
                    await db.Database.ExecuteSqlAsync($"""
                        UPDATE "Deliveries" SET "NextAttemptAt" = {now}, "WaitingOnCircuit" = FALSE
                        WHERE "Status" = 'pending' AND "WaitingOnCircuit" = TRUE AND "WorkspaceId" = {workspaceId}
                          AND "SubscriptionId" IN (SELECT "Id" FROM "Subscriptions" WHERE "WorkspaceId" = {workspaceId} AND "Url" = {url})
                        """, ct);
                continue;
            }
            // An upsert, so two instances failing on a new URL at once both count.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Circuits" ("WorkspaceId", "Url", "ConsecutiveFailures", "UpdatedAt") VALUES ({workspaceId}, {url}, {trailing}, {now})
                ON CONFLICT ("WorkspaceId", "Url") DO UPDATE SET "ConsecutiveFailures" = "Circuits"."ConsecutiveFailures" + {trailing}, "UpdatedAt" = {now}
                """, ct);
            // Opens at the threshold; a failed trial (its TrialUntil set, or an operator's) opens it again for another break.
            var trialFailed = list.Any(r => r.Trial);
            await db.Circuits
                .Where(c => c.WorkspaceId == workspaceId && c.Url == url && c.ConsecutiveFailures >= o.FailureThreshold
                            && (c.OpenUntil == null || c.TrialUntil != null || trialFailed))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.OpenUntil, openUntil)
                    .SetProperty(c => c.TrialUntil, (DateTime?)null), ct);
        }
        return written;
    }

    /// <summary>Circuits written by a committed transaction: read them again next time.</summary>
    public void Forget(IEnumerable<CircuitKey> keys)
    {
        foreach (var key in keys) Changed(key);
    }

    static CircuitView View(Circuit? c, DateTime now) =>
        c?.OpenUntil is not { } until ? new(CircuitView.Closed, null)
        : until > now ? new(CircuitView.Open, until)
        : new(CircuitView.HalfOpen, until);
}
