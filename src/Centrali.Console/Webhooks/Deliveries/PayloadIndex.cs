using System.Data.Common;
using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// SQLite: fills the log's payload search (the trigram full-text table EventText, keyed through EventSearchKeys) in
/// the background, many events per transaction. The fan-out only queues each event, as a key row with a negative
/// key, in the fan-out's transaction (so a crash loses no queued event); this service gives each queued event a
/// positive key and its text. Indexing in the fan-out cost almost half of that transaction, which every create and attempt
/// waits behind (SQLite has one writer); a batch of many events also costs the full-text index less per event. Under load a
/// batch commits early once another writer waits for the database, so no create waits long behind the index.
/// </summary>
/// <remarks>
/// Until indexed (a fraction of a second), a queued event is found by <see cref="LogSearch"/> through a plain scan of
/// the queued events' bodies, so a search never misses a payload. Deleting an event (retention) deletes its key row,
/// queued or not, and its text (a trigger).
/// </remarks>
public sealed class PayloadIndex(IDbContextFactory<AppDbContext> dbs, IConfiguration config, ILogger<PayloadIndex> log, SqliteWriteGate? gate = null)
    : BackgroundService
{
    const int Batch = 200;
    /// <summary>Indexed at least per commit; past this, a batch commits as soon as another writer waits (a create, an attempt's record).</summary>
    const int MinPerCommit = 32;
    /// <summary>How long queued events gather before a batch is indexed; the backstop when no wake comes.</summary>
    static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(100);
    static readonly TimeSpan Backstop = TimeSpan.FromSeconds(5);

    readonly SemaphoreSlim wake = new(0, 1);

    /// <summary>Queues the events for indexing, in the caller's transaction; an event queued or indexed already is left as it is.</summary>
    public static async Task QueueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object> eventIds, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        // Queued keys count down from -1: the rowid order keeps them apart from indexed ones and in queue order.
        cmd.CommandText = """
            INSERT INTO EventSearchKeys (Key, EventId) VALUES ((SELECT MIN(COALESCE(MIN(Key), 0), 0) - 1 FROM EventSearchKeys), @id)
            ON CONFLICT (EventId) DO NOTHING
            """;
        var id = Parameter(cmd, "@id");
        foreach (var eventId in eventIds)
        {
            id.Value = eventId;
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Asks for the queued events to be indexed soon (coalesced).</summary>
    public void Wake()
    {
        if (wake.CurrentCount == 0) try { wake.Release(); } catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (DatabaseSetup.IsPostgres(config)) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await wake.WaitAsync(Backstop, stoppingToken);
                await Task.Delay(Gather, stoppingToken);
                while (await IndexAsync(stoppingToken)) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception e)
            {
                log.LogWarning(e, "Indexing event payloads for the log's search failed; the next round tries again.");
            }
        }
    }

    /// <summary>Indexes up to one batch of queued events, oldest first, in one transaction; answers whether more may be queued.</summary>
    async Task<bool> IndexAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        // Read before the write transaction: an event indexed meanwhile is skipped below (its key is no longer the queued one).
        var queued = new List<(long Key, byte[] Body)>();
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = """
                SELECT k.Key, e.Body FROM EventSearchKeys AS k JOIN Events AS e ON e.Id = k.EventId
                WHERE k.Key < 0 ORDER BY k.Key DESC LIMIT @n
                """;
            Parameter(select, "@n").Value = Batch;
            await using var r = await select.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) queued.Add((r.GetInt64(0), (byte[])r.GetValue(1)));
        }
        if (queued.Count == 0) return false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var transaction = tx.GetDbTransaction();
        await using var key = connection.CreateCommand();
        key.Transaction = transaction;
        key.CommandText = "UPDATE EventSearchKeys SET Key = (SELECT MAX(MAX(Key), 0) + 1 FROM EventSearchKeys) WHERE Key = @queued RETURNING Key";
        var old = Parameter(key, "@queued");
        await using var text = connection.CreateCommand();
        text.Transaction = transaction;
        text.CommandText = "INSERT INTO EventText (rowid, Body) VALUES (@key, CAST(@body AS TEXT))";
        var k = Parameter(text, "@key");
        var body = Parameter(text, "@body");
        var done = 0;
        foreach (var (queuedKey, payload) in queued)
        {
            done++;
            old.Value = queuedKey;
            if (await key.ExecuteScalarAsync(ct) is long indexed)
            {
                (k.Value, body.Value) = (indexed, payload);
                await text.ExecuteNonQueryAsync(ct);
            }
            if (done >= MinPerCommit && gate?.Contended == true) break;
        }
        await tx.CommitAsync(ct);
        return done < queued.Count || queued.Count == Batch;
    }

    static DbParameter Parameter(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        command.Parameters.Add(p);
        return p;
    }
}
