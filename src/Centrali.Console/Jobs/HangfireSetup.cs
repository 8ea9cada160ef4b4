using Centrali.Console.Webhooks.Dispatch;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Authentication;

namespace Centrali.Console.Jobs;

public static class HangfireSetup
{
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration config)
    {
        // Storage and activator are this app's own, not Hangfire's process-wide statics,
        // so two apps in one process (tests, benchmark) never run each other's jobs.
        var postgres = DatabaseSetup.IsPostgres(config);
        services.AddSingleton<JobStorage>(sp =>
        {
            // Applies this app's Hangfire configuration (its log provider among it) before the storage logs anything.
            sp.GetRequiredService<IGlobalConfiguration>();
            JobStorage storage = postgres
                ? PostgresStorage(DatabaseSetup.PostgresConnectionString(config), config)
                : SqliteStorage(config);
            // Succeeded jobs (dispatch runs, wake-ups) stay on the dashboard this long, then expire: the storage stays bounded.
            storage.JobExpirationTimeout = config.GetValue("Hangfire:SucceededJobsKeptFor", TimeSpan.FromHours(1));
            return storage;
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, o) =>
        {
            // A dispatch run carries many deliveries on async I/O, so a few workers do: runs, wake-ups and the backstop.
            o.WorkerCount = config.GetValue("Hangfire:WorkerCount", postgres ? 5 : 4);
            // Delayed wake-ups (retries) are moved to the queue at this pace.
            o.SchedulePollingInterval = config.GetValue("Hangfire:SchedulePollingInterval", TimeSpan.FromSeconds(1));
            o.ServerName = $"centrali-{Environment.MachineName}-{Environment.ProcessId}";
            // This instance's own dispatch queue first (see Dispatcher.Queue), then the shared one.
            o.Queues = sp.GetRequiredService<Dispatcher>().Queue is var own && own != "default" ? [own, "default"] : ["default"];
        });
        return services;
    }

    /// <summary>
    /// Hangfire:DatabasePath, by default hangfire.db beside the app's SQLite file. Its own file: Hangfire's SQLite storage
    /// (sqlite-net) keeps its own locks, which must never meet the app's write gate.
    /// </summary>
    public static string SqlitePath(IConfiguration config)
    {
        if (config["Hangfire:DatabasePath"] is { Length: > 0 } configured) return Path.GetFullPath(configured);
        var app = new SqliteConnectionStringBuilder(config.GetConnectionString("Centrali") ?? "Data Source=data/centrali.db").DataSource;
        var folder = Path.GetDirectoryName(Path.GetFullPath(app is { Length: > 0 } && app != ":memory:" ? app : "data/centrali.db"))!;
        return Path.Combine(folder, "hangfire.db");
    }

    static SQLiteStorage SqliteStorage(IConfiguration config)
    {
        var path = SqlitePath(config);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return new SQLiteStorage(path, new SQLiteStorageOptions
        {
            // Idle workers look for a job this often: the wait of a wake-up when no dispatch is running.
            QueuePollInterval = config.GetValue("Hangfire:QueuePollInterval", TimeSpan.FromMilliseconds(50)),
            // A job fetched by a crashed process is run again after this; a dispatch run lasts far less.
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
            JobExpirationCheckInterval = config.GetValue("Hangfire:ExpirationCheckInterval", TimeSpan.FromMinutes(5)),
            AutoVacuumSelected = SQLiteStorageOptions.AutoVacuum.FULL,
        });
    }

    /// <summary>Scale-out: every instance's Hangfire server shares the jobs in the app's database, in a schema of its own.</summary>
    static PostgreSqlStorage PostgresStorage(string connectionString, IConfiguration config)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            // Idle workers wait on LISTEN/NOTIFY for a new job instead of polling the queue table (which costs an idle
            // instance and the server a tenth of a core each at 20 workers × 5 polls/s); the poll remains as a fallback.
            EnableLongPolling = true,
            QueuePollInterval = config.GetValue("Hangfire:QueuePollInterval", TimeSpan.FromSeconds(1)),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    /// <summary>The dashboard, for console admins only: anonymous users go to the login page, members get 403.</summary>
    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/hangfire"), branch => branch.Use(async (http, next) =>
        {
            if (http.User.Identity?.IsAuthenticated != true) { await http.ChallengeAsync(); return; }
            if (!http.User.IsInRole(Roles.Admin)) { http.Response.StatusCode = StatusCodes.Status403Forbidden; return; }
            await next(http);
        }));
        app.UseHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminOnly()],
            DashboardTitle = "Centrali jobs",
            AppPath = "/",
        }, app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    sealed class AdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Roles.Admin);
    }
}
