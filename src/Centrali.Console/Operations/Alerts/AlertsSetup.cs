using Centrali.Console.Webhooks.Dispatch;
using Centrali.Console.Webhooks.Subscriptions;

namespace Centrali.Console.Operations.Alerts;

public static class AlertsSetup
{
    /// <summary>Endpoint health, the bell's feed and the operator webhook; endpoint health hears the engine's attempts and feeds the subscription page's panel.</summary>
    public static IServiceCollection AddAlerts(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<EndpointHealthOptions>(config.GetSection("Webhooks"));
        services.AddSingleton<OperatorFeed>();
        services.AddSingleton<EndpointHealthService>();
        services.AddSingleton<IAttemptListener>(sp => sp.GetRequiredService<EndpointHealthService>());
        services.AddSingleton<IEndpointHealth>(sp => sp.GetRequiredService<EndpointHealthService>());
        services.AddSingleton<OperatorService>();
        services.AddTransient<OperatorWebhookJob>();
        return services;
    }
}
