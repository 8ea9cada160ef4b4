using System.Data.Common;
using System.Runtime.CompilerServices;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Centrali.Console.Data;

public static class DatabaseSetup
{
    public const string Sqlite = "Sqlite";
    public const string Postgres = "Postgres";

    /// <summary>Only for generating migrations: building the model needs no server.</summary>
    internal const string DesignTimePostgres = "Host=127.0.0.1;Database=centrali";

    /// <summary>Database:Provider: Sqlite (embedded, the default) or Postgres (scale-out).</summary>
    public static string Provider(IConfiguration config) => config["Database:Provider"] switch
    {
        null or "" => Sqlite,
        var p when p.Equals(Sqlite, StringComparison.OrdinalIgnoreCase) => Sqlite,
        var p when p.Equals(Postgres, StringComparison.OrdinalIgnoreCase) || p.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase) => Postgres,
        var p => throw new InvalidOperationException($"Database:Provider '{p}' is not known; use Sqlite or Postgres."),
    };

    public static bool IsPostgres(IConfiguration config) => Provider(config) == Postgres;

    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration config)
    {
        if (IsPostgres(config)) return services.AddPostgres(PostgresConnectionString(config));
        var connectionString = SqliteConnectionString(config.GetConnectionString("Centrali") ?? "Data Source=data/centrali.db");
        services.AddSingleton<SqlitePragmas>();
        services.AddSingleton<SqliteWriteGate>();
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<SqliteCheckpointer>(sp, connectionString));
        // Pooled: each attempt and request creates several short-lived contexts, and building one costs more than its query.
        services.AddPooledDbContextFactory<AppDbContext>((sp, options) => options
            .UseSqlite(connectionString)
            .AddInterceptors(sp.GetRequiredService<SqlitePragmas>(), sp.GetRequiredService<SqliteWriteGate>(), sp.GetRequiredService<SubscriptionWrites>()));
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext());
        return services;
    }

    static IServiceCollection AddPostgres(this IServiceCollection services, string connectionString)
    {
        // EF opens and closes a pooled connection around each query: resetting the session every time (DISCARD ALL)
        // is server work per query, and EF leaves no session state behind to reset.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        // The engine runs the same few statements thousands of times a second: prepared once per connection, the server
        // parses and plans each once instead of every time.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 100;
        var efConnection = builder.ConnectionString;
        services.AddPooledDbContextFactory<PostgresAppDbContext>(options => options.UseNpgsql(efConnection));
        // Every feature asks for AppDbContext; on PostgreSQL that is the Postgres-typed context with its own migrations.
        services.AddSingleton<IDbContextFactory<AppDbContext>, PostgresContexts>();
        services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<IDbContextFactory<PostgresAppDbContext>>().CreateDbContext());
        return services;
    }

    /// <summary>ConnectionStrings:Centrali for PostgreSQL; the SQLite default makes no sense there, so it must be set.</summary>
    public static string PostgresConnectionString(IConfiguration config) =>
        config.GetConnectionString("Centrali") is { Length: > 0 } cs && !cs.StartsWith("Data Source=", StringComparison.OrdinalIgnoreCase)
            ? cs
            : throw new InvalidOperationException("Database:Provider is Postgres: set ConnectionStrings:Centrali to a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…).");

    sealed class PostgresContexts(IDbContextFactory<PostgresAppDbContext> postgres) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => postgres.CreateDbContext();
        public async Task<AppDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await postgres.CreateDbContextAsync(cancellationToken);
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
    // journal_size_limit: after a checkpoint the WAL file shrinks back to 16 MB instead of keeping its busiest size.
    // wal_autocheckpoint: only a fallback; the checkpoints are SqliteCheckpointer's, outside the write lock.
    static readonly string Pragmas = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 16777216; " +
        $"PRAGMA wal_autocheckpoint = {SqliteCheckpointer.FallbackPages};";

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
