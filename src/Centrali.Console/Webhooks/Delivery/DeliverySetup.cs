using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Subscriptions;

namespace Centrali.Console.Webhooks.Delivery;

public static class DeliverySetup
{
    public static IServiceCollection AddDeliveries(this IServiceCollection services, IConfiguration config, IWebHostEnvironment env)
    {
        WebhookOptions.Configure(services, config, env);
        DeliverySender.AddClient(services);
        services.AddSingleton(sp => new RetrySchedule(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebhookOptions>>(), Random.Shared));
        services.AddSingleton<DeliverySender>();
        services.AddSingleton<CircuitBreaker>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliveryNotifier>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<SubscriptionSecrets>();
        services.AddSingleton<SubscriptionFilters>();
        services.AddScoped<DeliveryService>();
        // Stateless over singletons: one for all attempts, no scope per attempt.
        services.AddSingleton<DeliveryJob>();
        services.AddScoped<DeliveryRecovery>();
        services.AddHostedService<DeliveryRecoveryStart>();
        services.AddHostedService<LateDeliveryWatcher>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddTransient<DeliveryDue>();
        return services;
    }
}
