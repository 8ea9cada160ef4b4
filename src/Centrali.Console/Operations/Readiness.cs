using Hangfire;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Centrali.Console.Operations;

/// <summary>
/// <c>/healthz/ready</c>: the database answers, this instance's Hangfire server is beating, and the oldest due delivery
/// has not waited longer than <c>Health:MaxDueAge</c> (default five minutes). Database or jobs down: 503 unhealthy, take
/// the instance out of the load balancer. A long backlog: 200 degraded with the figures, since every instance shares it
/// and removing one would only make it longer.
/// </summary>
public static class Readiness
{
    public const string Path = "/healthz/ready";

    public static IServiceCollection AddReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database")
            .AddCheck<JobServerCheck>("jobs")
            .AddCheck<BacklogCheck>("backlog");
        return services;
    }

    /// <summary>Liveness: the process answers and reaches its database.</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", async (IDbContextFactory<AppDbContext> dbs) =>
        {
            await using var db = await dbs.CreateDbContextAsync();
            return await db.Database.CanConnectAsync()
                ? Results.Ok(new { status = "healthy" })
                : Results.Problem(statusCode: 503, title: "The database is not reachable.");
        }).WithName("Liveness").WithSummary("Liveness").WithTags("Operations").ExcludeFromDescription();
        return app;
    }

    public static IEndpointConventionBuilder MapReadiness(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks(Path, new HealthCheckOptions
        {
            ResponseWriter = WriteAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });

    static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        var body = new
        {
            status = Word(report.Status),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = Word(e.Value.Status),
                description = e.Value.Description,
                data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
    }

    static string Word(HealthStatus s) => s switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}

internal sealed class DatabaseCheck(IDbContextFactory<AppDbContext> dbs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            return await db.Database.CanConnectAsync(ct)
                ? HealthCheckResult.Healthy("The database answers.")
                : HealthCheckResult.Unhealthy("The database is not reachable.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database is not reachable: " + e.Message);
        }
    }
}

/// <summary>This process's Hangfire server has announced itself and beaten within the last two minutes (it beats every 30 s).</summary>
internal sealed class JobServerCheck(JobStorage storage) : IHealthCheck
{
    static readonly TimeSpan MaxSilence = TimeSpan.FromMinutes(2);
    // The server name the job set-up gives this process's Hangfire server; its id is "<name>:<guid>".
    static readonly string OwnName = $"centrali-{Environment.MachineName}-{Environment.ProcessId}".ToLowerInvariant();

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            var servers = storage.GetMonitoringApi().Servers();
            var own = servers.Where(s => s.Name.StartsWith(OwnName, StringComparison.OrdinalIgnoreCase)).ToList();
            // Should a set-up name its server differently, any live server of this storage will do.
            var candidates = own.Count > 0 ? own : servers;
            var last = candidates.Select(s => s.Heartbeat).Max();
            var data = new Dictionary<string, object> { ["servers"] = servers.Count };
            if (last is { } beat) data["lastHeartbeat"] = DateTime.SpecifyKind(beat, DateTimeKind.Utc);
            return Task.FromResult(last is { } b && DateTime.UtcNow - DateTime.SpecifyKind(b, DateTimeKind.Utc) < MaxSilence
                ? HealthCheckResult.Healthy("The job server is running.", data)
                : HealthCheckResult.Unhealthy("The job server of this instance has not reported within two minutes.", data: data));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The job storage is not reachable: " + e.Message));
        }
    }
}

internal sealed class BacklogCheck(OperationsFigures figures, IConfiguration config) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var max = config.GetValue("Health:MaxDueAge", TimeSpan.FromMinutes(5));
        var backlog = await figures.ReadFreshAsync(ct);
        var data = new Dictionary<string, object>
        {
            ["due"] = backlog.Due,
            ["oldestDueSeconds"] = Math.Round(backlog.OldestDueAge.TotalSeconds, 1),
            ["waitingOnOpenCircuit"] = backlog.WaitingOnOpenCircuit,
            ["openCircuits"] = backlog.OpenCircuits,
            ["maxDueSeconds"] = max.TotalSeconds,
        };
        return backlog.OldestDueAge > max
            ? HealthCheckResult.Degraded($"The oldest due delivery has waited {backlog.OldestDueAge.TotalSeconds:0} s, over the {max.TotalSeconds:0} s allowed.", data: data)
            : HealthCheckResult.Healthy($"{backlog.Due} deliveries are due.", data);
    }
}
