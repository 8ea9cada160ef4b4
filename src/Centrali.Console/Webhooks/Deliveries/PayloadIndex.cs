using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// SQLite: the log's payload search, a trigram full-text table in a file of its own beside the database
/// (<c>centrali.db</c> → <c>centrali.search.db</c>), filled in the background in large batches. A create or fan-out only
/// queues its events in the database (EventSearchKeys, in its own transaction, so a crash loses no queued event); this
/// service copies each queued event's text into the search file and then takes it off the queue.
/// </summary>
/// <remarks>
/// Its own file because SQLite has one writer per file: in the database, the index's transactions held the write lock
/// that every create and every recorded attempt waits for, and its pages doubled the WAL the readers search (measured,
/// sustained creates: 926–1,014/s with the index in the database, 1,319–1,433/s with it in its own file, 1,688/s with
/// no index at all). In its own file it waits for
/// no one and no one waits for it, so it can take a thousand events per transaction, where the full-text index costs
/// half as much per event as in batches of thirty.
/// <para>
/// Until indexed (about a second), a queued event is found by <see cref="LogSearch"/> through a plain scan of the queued
/// events' bodies, so a search never misses a payload. An event indexed twice (a crash between the two steps) is kept
/// once. Deleted events (retention) are forgotten here too (<see cref="ForgetAsync"/>); should a crash come between the
/// two, what is left behind names an event with no deliveries, which no search lists. The file can be deleted while the
/// app is stopped: it is rebuilt from the database at the next start.
/// </para>
/// <para>
/// The table keeps which events hold each trigram, not where (<c>detail=none</c>): a fifth of the writes per event. So a
/// text of more than three characters is asked for as all of its trigrams (<see cref="TrigramQuery"/>), and each event
/// that holds them all is confirmed by reading its payload from the database, a page at a time, newest first, until
/// enough are found. The file's layout is kept in its <c>user_version</c>; a file of another layout is rebuilt as a
/// deleted one is.
/// </para>
/// </remarks>
public sealed class PayloadIndex(IDbContextFactory<AppDbContext> dbs, IConfiguration config, ILogger<PayloadIndex> log) : BackgroundService
{
    const int Batch = 1000;
    /// <summary>The file's layout, in its <c>user_version</c>: 2 keeps no trigram positions.</summary>
    const int Layout = 2;
    /// <summary>How many candidate payloads are read from the database at a time to confirm they hold the text.</summary>
    const int Checked = 500;
    /// <summary>How long queued events gather before a batch is indexed; the backstop when no wake comes.</summary>
    static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(500);
    static readonly TimeSpan Backstop = TimeSpan.FromSeconds(5);

    /// <summary>Ids written as EF Core stores them in the database, so the file's ids compare equal to its.</summary>
    static readonly SqlDialect Sqlite = new(postgres: false);

    readonly SemaphoreSlim wake = new(0, 1);
    readonly bool postgres = DatabaseSetup.IsPostgres(config);
    string? searchFile;
    readonly SemaphoreSlim ready = new(1, 1);
    bool created;

    /// <summary>The search file's path: beside the database's file, named after it.</summary>
    string SearchFile()
    {
        if (searchFile is null)
        {
            using var db = dbs.CreateDbContext();
            var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            searchFile = Path.ChangeExtension(Path.GetFullPath(path), null) + ".search.db";
        }
        return searchFile;
    }

    string ConnectionString() => new SqliteConnectionStringBuilder { DataSource = SearchFile(), Pooling = true, DefaultTimeout = 30 }.ToString();

    /// <summary>Opens the search file, creating it on first use (its maintenance and tests read it too).</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        if (!created) await CreateAsync(ct);
        var connection = new SqliteConnection(ConnectionString());
        await connection.OpenAsync(ct);
        await using var sync = connection.CreateCommand();
        sync.CommandText = "PRAGMA synchronous = NORMAL";
        await sync.ExecuteNonQueryAsync(ct);
        return connection;
    }

    /// <summary>Creates the search file's tables; a new file (a first start, an upgrade, a deleted file) queues every event to fill it.</summary>
    async Task CreateAsync(CancellationToken ct)
    {
        await ready.WaitAsync(ct);
        try
        {
            if (created) return;
            bool fresh;
            await using (var connection = new SqliteConnection(ConnectionString()))
            {
                await connection.OpenAsync(ct);
                await using var version = connection.CreateCommand();
                version.CommandText = "PRAGMA user_version";
                // A new file answers 0; one of an older layout is rebuilt from the database as a deleted one is.
                fresh = Convert.ToInt32(await version.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture) != Layout;
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = (fresh ? "DROP TABLE IF EXISTS EventText; DROP TABLE IF EXISTS Indexed;" : "") + """
                    PRAGMA journal_mode = WAL;
                    CREATE TABLE IF NOT EXISTS Indexed (Key INTEGER PRIMARY KEY, EventId TEXT NOT NULL UNIQUE, WorkspaceId TEXT NOT NULL);
                    CREATE VIRTUAL TABLE IF NOT EXISTS EventText USING fts5(Body, content='', contentless_delete=1, detail=none, tokenize='trigram');
                    """;
                await cmd.ExecuteNonQueryAsync(ct);
            }
            if (fresh)
            {
                await using (var db = await dbs.CreateDbContextAsync(ct))
                await using (var tx = await db.Database.BeginTransactionAsync(ct))
                {
                    // Behind the queue's end, oldest first; an event queued already keeps its place.
                    var queued = await db.Database.ExecuteSqlRawAsync("""
                        INSERT INTO EventSearchKeys (Key, EventId)
                        SELECT (SELECT MIN(COALESCE(MIN(Key), 0), 0) FROM EventSearchKeys) - ROW_NUMBER() OVER (ORDER BY Id), Id FROM Events WHERE TRUE
                        ON CONFLICT (EventId) DO NOTHING
                        """, ct);
                    await tx.CommitAsync(ct);
                    if (queued > 0) log.LogInformation("The payload search's file is new: {Count} events queued to fill it.", queued);
                }
                // Only once every event is queued: a crash before this rebuilds the file again at the next start.
                await using var connection = new SqliteConnection(ConnectionString());
                await connection.OpenAsync(ct);
                await using var done = connection.CreateCommand();
                done.CommandText = $"PRAGMA user_version = {Layout}";
                await done.ExecuteNonQueryAsync(ct);
            }
            created = true;
        }
        finally { ready.Release(); }
    }

    /// <summary>Queues the events for indexing, in the caller's transaction; an event queued already is left as it is.</summary>
    public static async Task QueueAsync(DbConnection connection, DbTransaction transaction, IEnumerable<object> eventIds, CancellationToken ct)
    {
        await using var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        // Queued keys count down from -1 (the rowid order is the queue's order).
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

    /// <summary>
    /// The events of <paramref name="workspaceId"/> whose payload contains <paramref name="text"/> (case-insensitive), newest
    /// indexed first, at most <paramref name="limit"/>: those in the search file, then those still queued.
    /// </summary>
    public async Task<List<Guid>> MatchingAsync(AppDbContext db, Guid workspaceId, string text, int limit, CancellationToken ct)
    {
        var found = new List<Guid>();
        if (TrigramQuery(text) is { } trigrams)
        {
            await using var search = await OpenAsync(ct);
            await using var cmd = search.CreateCommand();
            cmd.CommandText = """
                SELECT EventId FROM Indexed WHERE WorkspaceId = @w AND Key IN (SELECT rowid FROM EventText WHERE EventText MATCH @trigrams)
                ORDER BY Key DESC
                """;
            Parameter(cmd, "@w").Value = Sqlite.Value(workspaceId);
            Parameter(cmd, "@trigrams").Value = trigrams;
            // Three characters are one trigram: every candidate holds the text. Longer, a candidate holds its trigrams somewhere.
            var exact = text.EnumerateRunes().Count() == 3;
            var candidates = new List<string>(Checked);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (found.Count < limit)
            {
                var more = await r.ReadAsync(ct);
                if (more) candidates.Add(r.GetString(0));
                if (candidates.Count == (exact ? 1 : Checked) || (!more && candidates.Count > 0))
                {
                    found.AddRange(exact ? candidates.Select(Guid.Parse) : await ContainingAsync(db, candidates, text, ct));
                    candidates.Clear();
                }
                if (!more) break;
            }
            if (found.Count > limit) found.RemoveRange(limit, found.Count - limit);
        }
        var pattern = SqlDialect.Containing(text);
        // CROSS JOIN: SQLite then reads the short queue first, never every event of the workspace.
        var queued = await db.Database.SqlQuery<Guid>($"""
            SELECT k.EventId AS Value FROM EventSearchKeys AS k CROSS JOIN Events AS e ON e.Id = k.EventId
            WHERE e.WorkspaceId = {workspaceId} AND CAST(e.Body AS TEXT) LIKE {pattern} ESCAPE '\'
            """).ToListAsync(ct);
        // Indexed since the first read, an event can be in both.
        return found.Concat(queued).Distinct().Take(limit).ToList();
    }

    /// <summary>
    /// The full-text query for the events whose payload may contain <paramref name="text"/>: each of its trigrams that
    /// starts at every third character, and its last, all required; null under three characters (no trigram).
    /// </summary>
    public static string? TrigramQuery(string text)
    {
        // Where each character (rune) starts in the string, and where the string ends.
        var starts = new List<int> { 0 };
        foreach (var rune in text.EnumerateRunes()) starts.Add(starts[^1] + rune.Utf16SequenceLength);
        if (starts.Count < 4) return null;
        var count = starts.Count - 1;
        // Every third trigram covers each character once; the last one covers the tail.
        var picked = Enumerable.Range(0, count - 2).Where(i => i % 3 == 0).Append(count - 3).Distinct();
        return string.Join(" AND ", picked.Select(i => "\"" + text[starts[i]..starts[i + 3]].Replace("\"", "\"\"") + "\""));
    }

    /// <summary>Of <paramref name="eventIds"/> (newest first), those whose payload contains <paramref name="text"/>, in the same order.</summary>
    static async Task<IEnumerable<Guid>> ContainingAsync(AppDbContext db, List<string> eventIds, string text, CancellationToken ct)
    {
        var ids = eventIds.Select(Guid.Parse).ToList();
        // One statement: EF Core sends the ids as one JSON parameter.
        var bodies = await db.Events.Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Body }).ToDictionaryAsync(e => e.Id, e => e.Body, ct);
        return ids.Where(id => bodies.TryGetValue(id, out var body) && Encoding.UTF8.GetString(body).Contains(text, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Deleted from the database (retention): their text leaves the search file.</summary>
    public async Task ForgetAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        if (postgres || eventIds.Count == 0) return;
        await using var search = await OpenAsync(ct);
        await using var tx = await search.BeginTransactionAsync(ct);
        await using var text = search.CreateCommand();
        text.CommandText = "DELETE FROM EventText WHERE rowid = (SELECT Key FROM Indexed WHERE EventId = @id)";
        var textId = Parameter(text, "@id");
        await using var key = search.CreateCommand();
        key.CommandText = "DELETE FROM Indexed WHERE EventId = @id";
        var keyId = Parameter(key, "@id");
        // Every text, then every key: as in IndexAsync, FTS5 flushes its pending changes at each write to another table.
        foreach (var id in eventIds)
        {
            textId.Value = Sqlite.Value(id);
            await text.ExecuteNonQueryAsync(ct);
        }
        foreach (var id in eventIds)
        {
            keyId.Value = Sqlite.Value(id);
            await key.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (postgres) return;
        try
        {
            // A new file queues every event: filled from the start, not at the first search.
            await using (await OpenAsync(stoppingToken)) { }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning(e, "Opening the payload search's file failed; the next round tries again.");
        }
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

    /// <summary>Indexes up to one batch of queued events, oldest first, then takes them off the queue; answers whether more may be queued.</summary>
    async Task<bool> IndexAsync(CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var queued = new List<(long Key, string EventId, string WorkspaceId, byte[] Body)>();
        await using (var select = connection.CreateCommand())
        {
            select.CommandText = """
                SELECT k.Key, k.EventId, e.WorkspaceId, e.Body FROM EventSearchKeys AS k JOIN Events AS e ON e.Id = k.EventId
                ORDER BY k.Key DESC LIMIT @n
                """;
            Parameter(select, "@n").Value = Batch;
            await using var r = await select.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) queued.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), (byte[])r.GetValue(3)));
        }
        if (queued.Count == 0) return false;

        await using (var search = await OpenAsync(ct))
        {
            await using var tx = await search.BeginTransactionAsync(ct);
            await using var key = search.CreateCommand();
            key.CommandText = "INSERT INTO Indexed (EventId, WorkspaceId) VALUES (@id, @w) ON CONFLICT (EventId) DO NOTHING RETURNING Key";
            var id = Parameter(key, "@id");
            var workspace = Parameter(key, "@w");
            await using var text = search.CreateCommand();
            text.CommandText = "INSERT INTO EventText (rowid, Body) VALUES (@key, CAST(@body AS TEXT))";
            var k = Parameter(text, "@key");
            var body = Parameter(text, "@body");
            // Every key first, then every text: a write to another table between two full-text inserts makes FTS5 flush
            // what it holds in memory, one tiny segment per event to merge later (measured: three times the cost per event).
            var keys = new List<(long Key, byte[] Body)>(queued.Count);
            foreach (var q in queued)
            {
                (id.Value, workspace.Value) = (q.EventId, q.WorkspaceId);
                if (await key.ExecuteScalarAsync(ct) is long indexed) keys.Add((indexed, q.Body));
            }
            foreach (var (indexed, payload) in keys)
            {
                (k.Value, body.Value) = (indexed, payload);
                await text.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }

        // Off the queue, in one short write of the database.
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await using var done = connection.CreateCommand();
            done.Transaction = tx.GetDbTransaction();
            done.CommandText = "DELETE FROM EventSearchKeys WHERE Key = @key";
            var k = Parameter(done, "@key");
            foreach (var q in queued)
            {
                k.Value = q.Key;
                await done.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        return queued.Count == Batch;
    }

    static DbParameter Parameter(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        command.Parameters.Add(p);
        return p;
    }
}
