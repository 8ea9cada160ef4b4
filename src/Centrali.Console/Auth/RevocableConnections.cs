using Centrali.Console.Workspaces;

namespace Centrali.Console.Auth;

/// <summary>
/// Long-lived connections (the delivery hub) whose right to stay open is checked again every two seconds, and at once
/// after a revocation or membership change here: a connection whose token was revoked, expired or lost its owner's role,
/// or whose console user left the workspace, is closed instead of streaming until it reconnects.
/// </summary>
public sealed class RevocableConnections(IServiceScopeFactory scopes, LiveTokens tokens, ILogger<RevocableConnections> log) : BackgroundService, IAccessRecheck
{
    static readonly TimeSpan Every = TimeSpan.FromSeconds(2);

    sealed record Entry(Guid WorkspaceId, Guid? TokenId, string? UserId, Action Abort);

    readonly ConcurrentDictionary<string, Entry> open = new();
    readonly SemaphoreSlim wake = new(0, 1);

    public int Count => open.Count;

    public void AddToken(string connectionId, Guid workspaceId, Guid tokenId, Action abort) =>
        open[connectionId] = new Entry(workspaceId, tokenId, null, abort);

    public void AddUser(string connectionId, Guid workspaceId, string userId, Action abort) =>
        open[connectionId] = new Entry(workspaceId, null, userId, abort);

    public void Remove(string connectionId) => open.TryRemove(connectionId, out _);

    /// <summary>Check now rather than at the next tick (called after a revocation or membership change); API calls check again too.</summary>
    public void Recheck()
    {
        tokens.Cache.Clear();
        try { if (wake.CurrentCount == 0) wake.Release(); }
        catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await wake.WaitAsync(Every, stoppingToken); }
            catch (OperationCanceledException) { return; }
            if (open.IsEmpty) continue;
            try { await CloseDeadAsync(stoppingToken); }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "Re-checking the hub's connections failed; trying again shortly."); }
        }
    }

    async Task CloseDeadAsync(CancellationToken ct)
    {
        var snapshot = open.ToArray();
        await using var scope = scopes.CreateAsyncScope();
        var tokenIds = snapshot.Where(c => c.Value.TokenId is not null).Select(c => c.Value.TokenId!.Value).Distinct().ToList();
        var deadTokens = await scope.ServiceProvider.GetRequiredService<TokenService>().DeadAsync(tokenIds, ct);
        var userIds = snapshot.Where(c => c.Value.UserId is not null).Select(c => c.Value.UserId!).Distinct().ToList();
        var memberships = new HashSet<(Guid, string)>();
        if (userIds.Count > 0)
        {
            await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(ct);
            foreach (var m in await db.WorkspaceMembers.Where(m => userIds.Contains(m.UserId)).Select(m => new { m.WorkspaceId, m.UserId }).ToListAsync(ct))
                memberships.Add((m.WorkspaceId, m.UserId));
        }
        foreach (var (id, entry) in snapshot)
        {
            var dead = entry.TokenId is { } t ? deadTokens.Contains(t) : !memberships.Contains((entry.WorkspaceId, entry.UserId!));
            if (!dead || !open.TryRemove(id, out _)) continue;
            log.LogInformation("Closed hub connection {ConnectionId}: its token or membership is no longer valid.", id);
            entry.Abort();
        }
    }
}
