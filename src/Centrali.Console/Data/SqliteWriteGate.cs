using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Centrali.Console.Data;

/// <summary>
/// SQLite has one writer at a time, and a writer that finds the lock taken sleeps in growing steps
/// (1, 2, 5 … 100 ms) before it looks again: with eight concurrent writers that turned 6 ms creates into
/// 200 ms ones. Queueing writers here hands the lock over at once instead. Reads (WAL) are never gated.
/// </summary>
public sealed class SqliteWriteGate(ILogger<SqliteWriteGate> log) : IDbTransactionInterceptor, IDbCommandInterceptor, IDbConnectionInterceptor
{
    // Past this, go on without the gate and let SQLite's busy timeout decide, so a writer that waits
    // on a second connection of its own can never deadlock the process.
    static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    readonly SemaphoreSlim gate = new(1, 1);
    int waiting;
    readonly ConditionalWeakTable<DbConnection, Holder> holders = new();
    // After COMMIT a transaction no longer knows its connection, so it remembers the holder itself.
    readonly ConditionalWeakTable<DbTransaction, Holder> byTransaction = new();

    sealed class Holder
    {
        public bool Held;
    }

    /// <summary>Whether a writer is waiting for the gate now: a long background write commits early when one is, so it waits less.</summary>
    public bool Contended => Volatile.Read(ref waiting) > 0;

    async ValueTask EnterAsync(DbConnection connection, CancellationToken ct)
    {
        var holder = holders.GetOrCreateValue(connection);
        if (holder.Held) return;
        Interlocked.Increment(ref waiting);
        try
        {
            if (await gate.WaitAsync(MaxWait, ct)) holder.Held = true;
            else log.LogWarning("A database write waited {Seconds} s for the write gate; going on without it.", MaxWait.TotalSeconds);
        }
        finally { Interlocked.Decrement(ref waiting); }
    }

    void Enter(DbConnection connection)
    {
        var holder = holders.GetOrCreateValue(connection);
        if (holder.Held) return;
        Interlocked.Increment(ref waiting);
        try { if (gate.Wait(MaxWait)) holder.Held = true; }
        finally { Interlocked.Decrement(ref waiting); }
    }

    void Leave(DbConnection? connection)
    {
        if (connection is not null && holders.TryGetValue(connection, out var holder)) Leave(holder);
    }

    void Leave(DbTransaction transaction)
    {
        if (byTransaction.TryGetValue(transaction, out var holder)) Leave(holder);
    }

    void Leave(Holder holder)
    {
        if (!holder.Held) return;
        holder.Held = false;
        gate.Release();
    }

    // Transactions (every SaveChanges runs in one: see AppDbContext) hold the gate from BEGIN to COMMIT/ROLLBACK.
    public async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
        InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
    {
        await EnterAsync(connection, cancellationToken);
        return result;
    }

    public InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
    {
        Enter(connection);
        return result;
    }

    public ValueTask<DbTransaction> TransactionStartedAsync(DbConnection connection, TransactionEndEventData eventData, DbTransaction result,
        CancellationToken cancellationToken = default)
    {
        byTransaction.AddOrUpdate(result, holders.GetOrCreateValue(connection));
        return ValueTask.FromResult(result);
    }

    public DbTransaction TransactionStarted(DbConnection connection, TransactionEndEventData eventData, DbTransaction result)
    {
        byTransaction.AddOrUpdate(result, holders.GetOrCreateValue(connection));
        return result;
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(transaction);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Leave(transaction);

    public Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(transaction);
        return Task.CompletedTask;
    }

    public void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => Leave(transaction);

    public Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Leave(transaction);
        return Task.CompletedTask;
    }

    public void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => Leave(transaction);

    // A single UPDATE/DELETE/INSERT outside a transaction (ExecuteUpdate, raw SQL) holds it for that statement.
    public async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        if (command.Transaction is null) await EnterAsync(command.Connection!, cancellationToken);
        return result;
    }

    public InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
    {
        if (command.Transaction is null) Enter(command.Connection!);
        return result;
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (command.Transaction is null) Leave(command.Connection);
        return ValueTask.FromResult(result);
    }

    public int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
    {
        if (command.Transaction is null) Leave(command.Connection);
        return result;
    }

    public Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        if (command.Transaction is null) Leave(command.Connection);
        return Task.CompletedTask;
    }

    public void CommandFailed(DbCommand command, CommandErrorEventData eventData)
    {
        if (command.Transaction is null) Leave(command.Connection);
    }

    // Safety net: a transaction disposed without commit or rollback still gives the gate back when its connection closes.
    public InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return result;
    }

    public ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
    {
        Leave(connection);
        return ValueTask.FromResult(result);
    }
}
