namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>A subscription's health: its last 24 hours, and its current run of failures.</summary>
public sealed record EndpointHealthView(int Attempts24h, double? SuccessRate24h, int? P50Ms, int? P95Ms, int ConsecutiveFailures, DateTime? FailingSince, string? LastError);

/// <summary>
/// What the subscription page's health panel shows. Endpoint health (Operations/Alerts), which counts the failures, is the
/// one implementation; declared here so that subscriptions need not know the alerts built on them.
/// </summary>
public interface IEndpointHealth
{
    Task<EndpointHealthView> HealthAsync(Guid workspaceId, Guid subscriptionId, CancellationToken ct = default);
}
