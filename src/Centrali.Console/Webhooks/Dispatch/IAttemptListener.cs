namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>What the engine tells endpoint health about one committed attempt.</summary>
/// <param name="DeliveryStatus">The delivery's status after the attempt: pending (a retry follows), succeeded or failed.</param>
public sealed record AttemptOutcome(Guid WorkspaceId, Guid SubscriptionId, Guid DeliveryId, string EventType, bool Succeeded, string DeliveryStatus, DateTime At, string? Error);

/// <summary>
/// Told about the attempts of each dispatch batch once their transaction has committed (never inside it). Endpoint health
/// (Operations/Alerts) is the one implementation; declared here so that the engine need not know the alerts built on it.
/// </summary>
public interface IAttemptListener
{
    Task AttemptsRecordedAsync(IReadOnlyList<AttemptOutcome> outcomes, CancellationToken ct = default);
}
