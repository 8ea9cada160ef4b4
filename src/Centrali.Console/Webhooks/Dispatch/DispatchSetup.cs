using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Events;
using Hangfire;

namespace Centrali.Console.Webhooks.Dispatch;

public static class DispatchSetup
{
    /// <summary>The engine and what it sends with: options, sender, circuits, host and rate slots, the dispatcher and the outbox that wakes it.</summary>
    public static IServiceCollection AddDispatch(this IServiceCollection services, IConfiguration config, IWebHostEnvironment env)
    {
        WebhookOptions.Configure(services, config, env);
        DeliverySender.AddClient(services);
        services.AddSingleton(sp => new RetrySchedule(sp.GetRequiredService<IOptions<WebhookOptions>>(), Random.Shared));
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<CircuitBreaker>();
        services.AddSingleton<HostSlots>();
        services.AddSingleton<RateSlots>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<IDeliveryWake>(sp => sp.GetRequiredService<Dispatcher>());
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<ICreateFanOut, CreateFanOut>();
        // Stateless over singletons: Hangfire's activator builds it per run without a scope of its own to fill.
        services.AddTransient<DispatchJob>();
        services.AddHostedService<DispatchBackstop>();
        return services;
    }
}

/// <summary>
/// The backstop of <see cref="Dispatcher"/>: a minutely recurring dispatch, and one at start-up that picks up whatever
/// a stop or crash left due (leases of a crashed process are claimable again when they end; the run schedules that wake-up).
/// </summary>
internal sealed class DispatchBackstop(IRecurringJobManager recurring, Dispatcher dispatcher) : IHostedService
{
    public const string RecurringId = "dispatch-backstop";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<DispatchJob>(RecurringId, j => j.RunAsync("backstop", CancellationToken.None), Cron.Minutely());
        dispatcher.EnqueueHere("start-up");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
