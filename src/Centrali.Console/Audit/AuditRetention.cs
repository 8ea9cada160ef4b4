namespace Centrali.Console.Audit;

public sealed class AuditOptions
{
    /// <summary>Retention:Audit — how long audit entries are kept (default 90 days); zero keeps everything.</summary>
    public TimeSpan Keep { get; set; } = TimeSpan.FromDays(90);
}

/// <summary>Deletes audit entries older than Retention:Audit, shortly after start and then hourly.</summary>
internal sealed class AuditRetention(IServiceScopeFactory scopes, IConfiguration config, TimeProvider time, ILogger<AuditRetention> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var keep = config.GetValue<TimeSpan?>("Retention:Audit") ?? new AuditOptions().Keep;
        if (keep <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var deleted = await scope.ServiceProvider.GetRequiredService<AuditLog>().PruneAsync(time.GetUtcNow().UtcDateTime - keep, stoppingToken);
                if (deleted > 0) log.LogInformation("Deleted {Count} audit entries older than {Keep}.", deleted, keep);
            }
            catch (Exception e) when (e is not OperationCanceledException) { log.LogWarning(e, "Pruning the audit log failed; trying again in an hour."); }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
