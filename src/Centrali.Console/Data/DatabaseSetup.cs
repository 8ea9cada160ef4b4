using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Centrali.Console.Data;

public static class DatabaseSetup
{
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration config)
    {
        var connectionString = SqliteConnectionString(config.GetConnectionString("Centrali") ?? "Data Source=data/centrali.db");
        services.AddSingleton<SqlitePragmas>();
        services.AddSingleton<SqliteWriteGate>();
        // Pooled: each attempt and request creates several short-lived contexts, and building one costs more than its query.
        services.AddPooledDbContextFactory<AppDbContext>((sp, options) => options
            .UseSqlite(connectionString)
            .AddInterceptors(sp.GetRequiredService<SqlitePragmas>(), sp.GetRequiredService<SqliteWriteGate>()));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    /// <summary>Makes the folder of the SQLite file exist, so a first start needs no set-up.</summary>
    static string SqliteConnectionString(string configured)
    {
        var builder = new SqliteConnectionStringBuilder(configured);
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        builder.Pooling = true;
        builder.DefaultTimeout = 30;
        return builder.ToString();
    }
}

/// <summary>
/// Per-connection settings: wait on a busy database instead of failing, and a cheaper WAL fsync. They stay with
/// the pooled native connection, so they run once per native connection, not on each of EF's many opens.
/// </summary>
public sealed class SqlitePragmas : DbConnectionInterceptor
{
    const string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

    readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> configured = new();

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (!FirstOpen(connection)) return;
        using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        cmd.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (!FirstOpen(connection)) return;
        await using var cmd = connection.CreateCommand();
        cmd.CommandText = Pragmas;
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    bool FirstOpen(DbConnection connection) =>
        connection is not SqliteConnection { Handle: { } handle } || configured.TryAdd(handle, new object());
}
