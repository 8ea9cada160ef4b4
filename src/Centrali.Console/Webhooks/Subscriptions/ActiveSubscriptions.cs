using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// SQLite: each workspace's active subscriptions as the fan-out (or a claim) last read them, so a burst of creates does not read the
/// same rows for every batch. Every write statement naming the Subscriptions table (a page, the API, a 410 answer, a rate
/// step) forgets them all (<see cref="SubscriptionWrites"/>): on SQLite every write is this process's, through EF Core, and
/// holds the write lock the fan-out also holds while it reads and keeps them, so no write falls between the two.
/// </summary>
/// <remarks>
/// The subscriptions handed out are shared: nothing may change them. PostgreSQL reads them fresh each time, since another
/// instance may have changed them.
/// </remarks>
public sealed class ActiveSubscriptions(IConfiguration config)
{
    // The lifetime is a backstop only: should a write ever pass the write lock, what it changed is read again after it.
    readonly ShortLivedCache<Guid, List<Subscription>> byWorkspace = new(TimeSpan.FromSeconds(10));
    readonly bool kept = !DatabaseSetup.IsPostgres(config);

    public void Forget() => byWorkspace.Clear();

    /// <summary>The active subscriptions of <paramref name="workspaces"/>, read in <paramref name="db"/>'s transaction where not kept.</summary>
    public async Task<ILookup<Guid, Subscription>> ReadAsync(AppDbContext db, IReadOnlyCollection<Guid> workspaces, CancellationToken ct)
    {
        var found = new List<Subscription>();
        var missing = new List<Guid>();
        foreach (var w in workspaces)
            if (kept && byWorkspace.TryGet(w, out var active)) found.AddRange(active);
            else missing.Add(w);
        if (missing.Count > 0)
        {
            var read = await db.Subscriptions.AsNoTracking()
                .Where(s => missing.Contains(s.WorkspaceId) && s.Status == SubscriptionStatus.Active).ToListAsync(ct);
            found.AddRange(read);
            if (kept)
            {
                var byId = read.ToLookup(s => s.WorkspaceId);
                foreach (var w in missing) byWorkspace.Set(w, byId[w].ToList());
            }
        }
        return found.ToLookup(s => s.WorkspaceId);
    }

    /// <summary>
    /// The subscriptions of <paramref name="wanted"/> (id and workspace) by id: the active ones as kept, the others (inactive,
    /// deleted, or everything where not kept) read. A claim asks inside its write transaction, which an EF Core query per
    /// claim held for most of its length.
    /// </summary>
    public async Task<Dictionary<Guid, Subscription>> ByIdAsync(AppDbContext db, IReadOnlyCollection<(Guid Id, Guid WorkspaceId)> wanted,
        CancellationToken ct)
    {
        var ids = wanted.Select(w => w.Id).ToHashSet();
        var found = new Dictionary<Guid, Subscription>();
        if (kept)
            foreach (var s in (await ReadAsync(db, wanted.Select(w => w.WorkspaceId).Distinct().ToList(), ct)).SelectMany(g => g))
                if (ids.Contains(s.Id)) found[s.Id] = s;
        var missing = ids.Where(id => !found.ContainsKey(id)).ToList();
        if (missing.Count > 0)
            foreach (var s in await db.Subscriptions.AsNoTracking().Where(s => missing.Contains(s.Id)).ToListAsync(ct)) found[s.Id] = s;
        return found;
    }
}

/// <summary>Tells <see cref="ActiveSubscriptions"/> of every executed statement that writes the Subscriptions table.</summary>
public sealed class SubscriptionWrites(ActiveSubscriptions active) : DbCommandInterceptor
{
    static bool Writes(DbCommand command) =>
        command.CommandText.Contains("\"Subscriptions\"", StringComparison.Ordinal)
        && (command.CommandText.Contains("UPDATE \"Subscriptions\"", StringComparison.OrdinalIgnoreCase)
            || command.CommandText.Contains("INSERT INTO \"Subscriptions\"", StringComparison.OrdinalIgnoreCase)
            || command.CommandText.Contains("DELETE FROM \"Subscriptions\"", StringComparison.OrdinalIgnoreCase));

    void Executed(DbCommand command)
    {
        if (Writes(command)) active.Forget();
    }

    public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }

    public override DbDataReader ReaderExecuted(DbCommand command, CommandExecutedEventData eventData, DbDataReader result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }

    public override object? ScalarExecuted(DbCommand command, CommandExecutedEventData eventData, object? result)
    {
        Executed(command);
        return result;
    }

    public override ValueTask<object?> ScalarExecutedAsync(DbCommand command, CommandExecutedEventData eventData, object? result,
        CancellationToken cancellationToken = default)
    {
        Executed(command);
        return ValueTask.FromResult(result);
    }
}
