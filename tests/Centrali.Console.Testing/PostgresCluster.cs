using System.Diagnostics;
using Npgsql;

namespace Centrali.Console.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster on 127.0.0.1 for the Postgres test category and the bench: initdb + pg_ctl in a temp
/// folder, started once for the tests that share it (an xunit fixture) and stopped at the end (also when they fail). Root cannot run the
/// server, so as root the commands run as the postgres user. For tests durability is off (nothing outlives the run);
/// the bench keeps PostgreSQL's durable defaults, as a production server would.
/// </summary>
public sealed class PostgresCluster : Xunit.IAsyncLifetime
{
    /// <summary>Set around a test to run its ConsoleApps on a fresh database of this cluster (the integration core on Postgres).</summary>
    public static readonly AsyncLocal<PostgresCluster?> Current = new();

    /// <summary>PostgreSQL's defaults (fsync, synchronous commit) instead of the fast, throwaway settings.</summary>
    public bool Durable { get; init; }

    static readonly bool IsRoot = Environment.UserName == "root";

    string folder = "";
    string bin = "";
    public int Port { get; private set; }
    public string DataFolder => Path.Combine(folder, "data");

    public async Task InitializeAsync()
    {
        bin = FindBin();
        // CENTRALI_PG_ROOT (tests/test.sh) lets the test command stop a cluster that a crashed run left behind.
        var root = Environment.GetEnvironmentVariable("CENTRALI_PG_ROOT") is { Length: > 0 } r ? r : Path.GetTempPath();
        folder = Path.Combine(root, "centrali-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        // The server runs as postgres: it must own its folder, and every folder above must let it through.
        if (IsRoot) await RunAsync("chown", ["postgres", folder]);
        Port = AppProcess.FreePort();
        await AsServerUserAsync($"'{bin}/initdb' -D '{DataFolder}' -A trust -U postgres -E UTF8 --no-sync > '{folder}/initdb.log' 2>&1");
        var options = $"-p {Port} -k '{folder}' -c listen_addresses=127.0.0.1 -c max_connections=400"
                      + (Durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        await AsServerUserAsync($"'{bin}/pg_ctl' -D '{DataFolder}' -o \"{options}\" -l '{folder}/server.log' -w -t 60 start > /dev/null");
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try { await AsServerUserAsync($"'{bin}/pg_ctl' -D '{DataFolder}' -m immediate -w stop > /dev/null"); }
        finally { try { Directory.Delete(folder, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } }
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ConnectionString;

    /// <summary>An empty database; the app's start-up migrations fill it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
        if (await exists.ExecuteScalarAsync() is null)
            await new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection).ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection).ExecuteNonQueryAsync();
    }

    /// <summary>initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/&lt;version&gt;/bin (the newest).</summary>
    static string FindBin()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').FirstOrDefault(d => d.Length > 0 && File.Exists(Path.Combine(d, "initdb")));
        if (onPath is not null) return onPath;
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0).FirstOrDefault()
            : null;
        return debian ?? throw new InvalidOperationException("PostgreSQL's initdb was not found (apt-get install postgresql; tests/test.sh does it).");
    }

    static Task AsServerUserAsync(string command) => IsRoot ? RunAsync("su", ["postgres", "-s", "/bin/sh", "-c", command]) : RunAsync("sh", ["-c", command]);

    static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await error}");
    }
}
