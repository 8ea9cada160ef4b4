using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Centrali.Console.Bench;

/// <summary>
/// Bulk rows written straight into the app's SQLite file while the app is stopped, in the formats EF Core
/// uses there (GUIDs as upper-case TEXT, times as "yyyy-MM-dd HH:mm:ss.FFFFFFF").
/// </summary>
public static class Seed
{
    const int RowsPerTransaction = 20_000;

    public sealed record Spec(int Deliveries, int DeliveriesPerEvent, Guid[] Subscriptions, string Collection,
        Func<int, string> StatusOf, DateTime NextAttemptAt);

    public static async Task DeliveriesAsync(string databasePath, Spec spec)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await db.OpenAsync();
        await Exec(db, "PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;");
        // The log's payload search lives in a file of its own beside the database (the app's PayloadIndex, same tables).
        var searchFile = Path.ChangeExtension(Path.GetFullPath(databasePath), null) + ".search.db";
        await Exec(db, $"""
            ATTACH DATABASE '{searchFile.Replace("'", "''")}' AS search;
            CREATE TABLE IF NOT EXISTS search.Indexed (Key INTEGER PRIMARY KEY, EventId TEXT NOT NULL UNIQUE, WorkspaceId TEXT NOT NULL);
            CREATE VIRTUAL TABLE IF NOT EXISTS search.EventText USING fts5(Body, content='', contentless_delete=1, detail=none, tokenize='trigram');
            PRAGMA search.user_version = 2;
            """);
        var workspaceId = Guid.Parse((string)(await Scalar(db, $"SELECT Id FROM Workspaces WHERE Slug = '{AppProcess.Workspace}'"))!);

        await using var addEvent = db.CreateCommand();
        // Indexed for the log's payload search as the app's background index would have indexed them.
        addEvent.CommandText = """
            INSERT INTO Events (Id, WorkspaceId, Type, RecordSlug, RecordId, Body, CreatedAt) VALUES ($id, $ws, 'record_created', $slug, $rid, $body, $at);
            INSERT OR IGNORE INTO search.Indexed (EventId, WorkspaceId) VALUES ($id, $ws);
            INSERT INTO search.EventText (rowid, Body) SELECT last_insert_rowid(), CAST($body AS TEXT) WHERE changes() = 1;
            """;
        var eId = addEvent.Parameters.Add("$id", SqliteType.Text);
        addEvent.Parameters.AddWithValue("$ws", Text(workspaceId));
        addEvent.Parameters.AddWithValue("$slug", spec.Collection);
        var eRecord = addEvent.Parameters.Add("$rid", SqliteType.Text);
        var eBody = addEvent.Parameters.Add("$body", SqliteType.Blob);
        var eAt = addEvent.Parameters.Add("$at", SqliteType.Text);

        await using var addDelivery = db.CreateCommand();
        addDelivery.CommandText = """
            INSERT INTO Deliveries (Id, WorkspaceId, SubscriptionId, EventId, EventType, RecordSlug, RecordId, Status, AttemptCount, MaxAttempts,
                NextAttemptAt, LeaseUntil, LastStatusCode, LastError, ReplayedFrom, CreatedAt, CompletedAt)
            VALUES ($id, $ws, $sub, $event, 'record_created', $slug, $rid, $status, $attempts, 5, $next, NULL, $code, $error, NULL, $at, $done)
            """;
        var dId = addDelivery.Parameters.Add("$id", SqliteType.Text);
        addDelivery.Parameters.AddWithValue("$ws", Text(workspaceId));
        var dSub = addDelivery.Parameters.Add("$sub", SqliteType.Text);
        var dEvent = addDelivery.Parameters.Add("$event", SqliteType.Text);
        addDelivery.Parameters.AddWithValue("$slug", spec.Collection);
        var dRecord = addDelivery.Parameters.Add("$rid", SqliteType.Text);
        var dStatus = addDelivery.Parameters.Add("$status", SqliteType.Text);
        var dAttempts = addDelivery.Parameters.Add("$attempts", SqliteType.Integer);
        var dNext = addDelivery.Parameters.Add("$next", SqliteType.Text);
        var dCode = addDelivery.Parameters.Add("$code", SqliteType.Integer);
        var dError = addDelivery.Parameters.Add("$error", SqliteType.Text);
        var dAt = addDelivery.Parameters.Add("$at", SqliteType.Text);
        var dDone = addDelivery.Parameters.Add("$done", SqliteType.Text);

        // Created over the last hours, oldest first, so version-7 ids sort like real ones.
        var first = DateTime.UtcNow - TimeSpan.FromMilliseconds(spec.Deliveries * 10.0) - TimeSpan.FromMinutes(1);
        SqliteTransaction? tx = null;
        Guid eventId = default, recordId = default;
        for (var i = 0; i < spec.Deliveries; i++)
        {
            if (i % RowsPerTransaction == 0)
            {
                if (tx is not null) await tx.CommitAsync();
                tx = db.BeginTransaction();
                addEvent.Transaction = tx;
                addDelivery.Transaction = tx;
            }
            var at = first + TimeSpan.FromMilliseconds(i * 10.0);
            if (i % spec.DeliveriesPerEvent == 0)
            {
                eventId = Guid.CreateVersion7(at);
                recordId = Guid.CreateVersion7(at);
                eId.Value = Text(eventId);
                eRecord.Value = Text(recordId);
                eBody.Value = Api.WireBody(spec.Collection);
                eAt.Value = Time(at);
                await addEvent.ExecuteNonQueryAsync();
            }
            var status = spec.StatusOf(i);
            dId.Value = Text(Guid.CreateVersion7(at));
            dSub.Value = Text(spec.Subscriptions[i % spec.Subscriptions.Length]);
            dEvent.Value = Text(eventId);
            dRecord.Value = Text(recordId);
            dStatus.Value = status;
            dAt.Value = Time(at);
            switch (status)
            {
                case "pending":
                    dAttempts.Value = 0; dNext.Value = Time(spec.NextAttemptAt); dCode.Value = DBNull.Value; dError.Value = DBNull.Value; dDone.Value = DBNull.Value;
                    break;
                case "succeeded":
                    dAttempts.Value = 1; dNext.Value = DBNull.Value; dCode.Value = 200; dError.Value = DBNull.Value; dDone.Value = Time(at.AddMilliseconds(5));
                    break;
                default:
                    dAttempts.Value = 5; dNext.Value = DBNull.Value; dCode.Value = 500; dError.Value = "The receiver answered 500."; dDone.Value = Time(at.AddMinutes(45));
                    break;
            }
            await addDelivery.ExecuteNonQueryAsync();
        }
        if (tx is not null) await tx.CommitAsync();
        await Exec(db, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    /// <summary>A delivery from the middle of the log, and text that only its event's payload holds (part of the record id in it).</summary>
    public static async Task<(Guid Delivery, string Text)> SampleAsync(string databasePath)
    {
        await using var db = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        var total = (long)(await Scalar(db, "SELECT COUNT(*) FROM Deliveries"))!;
        await using var cmd = db.CreateCommand();
        cmd.CommandText = $"SELECT d.Id, CAST(e.Body AS TEXT) FROM Deliveries AS d JOIN Events AS e ON e.Id = d.EventId ORDER BY d.Id LIMIT 1 OFFSET {total / 2}";
        await using var row = await cmd.ExecuteReaderAsync();
        await row.ReadAsync();
        var body = row.GetString(1);
        var at = body.IndexOf("\"recordId\":\"", StringComparison.Ordinal) + "\"recordId\":\"".Length;
        return (Guid.Parse(row.GetString(0)), body.Substring(at, 13));
    }

    static string Text(Guid id) => id.ToString().ToUpperInvariant();

    static string Time(DateTime t) => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    static async Task Exec(SqliteConnection db, string sql)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    static async Task<object?> Scalar(SqliteConnection db, string sql)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }
}
