using Microsoft.Data.Sqlite;

namespace Centrali.Console.Data;

/// <summary>
/// Copies the SQLite write-ahead log back into the database file from a connection of its own, a few times a second.
/// Left to SQLite, the commit that crosses the log's threshold does this copy (and its fsyncs) while it holds the
/// database's single write lock, and every writer behind it waits; a passive checkpoint here waits for nobody.
/// </summary>
/// <remarks>
/// The connections keep an automatic checkpoint at a much larger log (<see cref="FallbackPages"/>) in case this one
/// falls behind. The log file starts over from its beginning once a checkpoint has copied all of it.
/// </remarks>
public sealed class SqliteCheckpointer(string connectionString, ILogger<SqliteCheckpointer> log) : BackgroundService
{
    /// <summary>The automatic checkpoint the connections keep (pages of 4 KB): about 32 MB of log.</summary>
    public const int FallbackPages = 8000;
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                await using var cmd = connection.CreateCommand();
                cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                await cmd.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (SqliteException e)
            {
                log.LogWarning(e, "A checkpoint of the database's write-ahead log failed; the next one tries again.");
            }
        }
    }
}
