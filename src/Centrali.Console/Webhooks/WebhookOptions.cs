
namespace Centrali.Console.Webhooks;

/// <summary>The "Webhooks" configuration section (README, "Configuration").</summary>
public sealed class WebhookOptions
{
    static readonly TimeSpan[] DefaultRetryDelays =
        [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30)];

    // Empty by default: the binder appends configured array items to an initialised array instead of replacing it.
    public TimeSpan[] RetryDelays { get; set; } = [];
    public double JitterFraction { get; set; } = 0.1;
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
    public int MaxResponseBodyBytes { get; set; } = 4096;
    /// <summary>Attempts in flight at once in this process.</summary>
    public int Concurrency { get; set; } = 64;
    /// <summary>Attempts in flight at once to one receiver host, so a slow host cannot hold every send slot.</summary>
    public int MaxConcurrencyPerHost { get; set; } = 16;
    public bool? AllowPrivateNetworks { get; set; }
    /// <summary>
    /// Webhooks:Proxy — an outbound HTTP proxy for deliveries (e.g. http://proxy:3128). Unset, deliveries ignore HTTP(S)_PROXY and
    /// ALL_PROXY and connect directly, so the private-network check sees the real address. A proxy does its own connecting:
    /// it must then be the one refusing private addresses.
    /// </summary>
    public Uri? Proxy { get; set; }
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public int MaxAttempts => RetryDelays.Length + 1;

    public static void Configure(IServiceCollection services, IConfiguration config, IWebHostEnvironment env) =>
        services.AddOptions<WebhookOptions>()
            .Bind(config.GetSection("Webhooks"))
            .PostConfigure(o =>
            {
                if (o.RetryDelays.Length == 0) o.RetryDelays = DefaultRetryDelays;
                o.AllowPrivateNetworks ??= env.IsDevelopment();
                o.JitterFraction = Math.Clamp(o.JitterFraction, 0, 1);
            });
}

public sealed class CircuitBreakerOptions
{
    public int FailureThreshold { get; set; } = 5;
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMinutes(1);
}
