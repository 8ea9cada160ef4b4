using System.Threading.Channels;
using Centrali.Console.Webhooks.Events;
using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Records;

/// <summary>
/// Group commit for record creates: creates that arrive while one commit runs are written together in the next, in one
/// transaction. Each commit rewrites the same last pages of every index it touches (ids grow), so eight creates in one
/// commit write and re-read about an eighth of the pages eight commits would. One create alone commits at once.
/// </summary>
/// <remarks>
/// A commit that fails is written again one create at a time, so one bad create (a repeated idempotency key, a collection
/// deleted meanwhile) fails alone, with the exception it would have thrown on its own; the others commit.
/// </remarks>
public sealed class RecordCommits
{
    const int MaxGroup = 64;

    readonly IDbContextFactory<AppDbContext> dbs;
    readonly EventOutbox outbox;
    readonly ICreateFanOut fanOut;
    readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    sealed record Pending(IReadOnlyList<object> Rows, TaskCompletionSource Done);

    public RecordCommits(IDbContextFactory<AppDbContext> dbs, EventOutbox outbox, ICreateFanOut fanOut)
    {
        this.dbs = dbs;
        this.outbox = outbox;
        this.fanOut = fanOut;
        _ = Task.Run(WriteAsync);
    }

    /// <summary>Commits <paramref name="rows"/> (entities to insert: the record, its event, its idempotent answer) with whatever else is waiting.</summary>
    public Task CommitAsync(IReadOnlyList<object> rows)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Writer.TryWrite(new Pending(rows, done));
        return done.Task;
    }

    async Task WriteAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (group.Count < MaxGroup && queue.Reader.TryRead(out var pending)) group.Add(pending);
            try
            {
                await SaveAsync(group);
                foreach (var p in group) p.Done.TrySetResult();
            }
            catch (Exception) when (group.Count > 1)
            {
                foreach (var p in group)
                {
                    try
                    {
                        await SaveAsync([p]);
                        p.Done.TrySetResult();
                    }
                    catch (Exception e) { p.Done.TrySetException(e); }
                }
            }
            catch (Exception e)
            {
                group[0].Done.TrySetException(e);
            }
            group.Clear();
        }
    }

    // Not the caller's token: a create that is waiting here is written even if its request is cancelled meanwhile.
    async Task SaveAsync(List<Pending> group)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = group.SelectMany(p => p.Rows).ToList();
        var events = rows.OfType<WebhookEvent>().ToList();
        await using var tx = await db.Database.BeginTransactionAsync();
        var sql = new SqlDialect(db.Database.IsNpgsql());
        // In the transaction: on SQLite the subscriptions it reads cannot change before it commits (one writer).
        var plan = await fanOut.PlanAsync(db, events, CancellationToken.None);
        try
        {
            await InsertAsync(db, tx, sql, "Records", RecordColumns, rows.OfType<Record>().ToList(), RecordValues);
            await InsertAsync(db, tx, sql, "Events", EventColumns, events, EventValues);
            await plan.WriteAsync(tx, CancellationToken.None);
            // The rest (a create's stored idempotent answer) through EF Core, in the same transaction: a repeated key fails as it always did.
            var rest = rows.Where(r => r is not Record and not WebhookEvent).ToList();
            if (rest.Count > 0)
            {
                db.AddRange(rest);
                await db.SaveChangesAsync();
            }
            await tx.CommitAsync();
        }
        catch
        {
            plan.Abandon();
            throw;
        }
        outbox.Committed(events.Count, events.Count(e => e.FanOutPending));
        await plan.CommittedAsync();
    }

    // Plain INSERTs: the group's records and events are most of a create's cost, and EF Core's change tracking and
    // command building were most of theirs (measured: an eighth of the app's CPU under sustained creates).
    const string RecordColumns = "\"Id\", \"WorkspaceId\", \"CollectionId\", \"Data\", \"CreatedAt\", \"UpdatedAt\", \"Version\"";

    static object[] RecordValues(SqlDialect sql, Record r) =>
        [sql.Value(r.Id), sql.Value(r.WorkspaceId), sql.Value(r.CollectionId), r.Data, sql.Value(r.CreatedAt), sql.Value(r.UpdatedAt), r.Version];

    const string EventColumns =
        "\"Id\", \"WorkspaceId\", \"Type\", \"RecordSlug\", \"RecordId\", \"Body\", \"LegacyBody\", \"CreatedAt\", \"FanOutPending\", \"TraceParent\"";

    static object[] EventValues(SqlDialect sql, WebhookEvent e) =>
        [sql.Value(e.Id), sql.Value(e.WorkspaceId), e.Type, e.CollectionSlug, sql.Value(e.RecordId), e.Body, (object?)e.LegacyBody ?? DBNull.Value,
            sql.Value(e.CreatedAt), e.FanOutPending, SqlDialect.Value(e.TraceParent)];

    static async Task InsertAsync<T>(AppDbContext db, IDbContextTransaction tx, SqlDialect sql, string table, string columns, List<T> rows,
        Func<SqlDialect, T, object[]> values)
    {
        if (rows.Count == 0) return;
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx.GetDbTransaction();
        // SQLite: one prepared single-row statement run per row (it looks named parameters up one by one, so a long
        // multi-row statement costs more than it saves); PostgreSQL: one statement for the group, one round trip.
        var perStatement = sql.Postgres ? rows.Count : 1;
        var width = values(sql, rows[0]).Length;
        cmd.CommandText = $"INSERT INTO \"{table}\" ({columns}) VALUES "
            + string.Join(", ", Enumerable.Range(0, perStatement).Select(i => $"({string.Join(", ", Enumerable.Range(0, width).Select(j => $"@p{i}_{j}"))})"));
        for (var start = 0; start < rows.Count; start += perStatement)
        {
            cmd.Parameters.Clear();
            for (var i = 0; i < perStatement; i++)
            {
                var row = values(sql, rows[start + i]);
                for (var j = 0; j < row.Length; j++) SqlDialect.Add(cmd, $"@p{i}_{j}", row[j]);
            }
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
