using Centrali.Console.Auth;
using Centrali.Console.Data;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
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
            return postgres
                ? PostgresStorage(DatabaseSetup.PostgresConnectionString(config), config)
                : new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) });
        });
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddHangfireServer((sp, o) =>
        {
            // On PostgreSQL each worker holds a connection while it waits; its jobs are only hand-offs and sweeps, so a few do.
            o.WorkerCount = config.GetValue("Hangfire:WorkerCount", postgres ? 5 : Math.Max(20, Environment.ProcessorCount * 10));
            // Retries are Hangfire-scheduled: poll often so a 1 s delay is not served 15 s late.
            o.SchedulePollingInterval = config.GetValue("Hangfire:SchedulePollingInterval", TimeSpan.FromSeconds(1));
            o.ServerName = $"centrali-{Environment.MachineName}-{Environment.ProcessId}";
        });
        return services;
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
