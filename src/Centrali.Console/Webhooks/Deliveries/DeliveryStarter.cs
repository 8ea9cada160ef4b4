using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// Deliveries written directly rather than by fan-out (a test event, a replay, a retry now): builds them, and once they have
/// committed tells the live log and wakes the dispatcher.
/// </summary>
public sealed class DeliveryStarter(TimeProvider time, IOptions<WebhookOptions> options, IDeliveryWake wake, DeliveryNotifier notifier)
{
    /// <param name="payloadFormat">The subscription's format for a new delivery; the original's for a replay, so it sends the same bytes.</param>
    public Delivery NewDelivery(WebhookEvent e, Guid subscriptionId, Guid? replayedFrom = null, string payloadFormat = PayloadFormats.V2)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new Delivery
        {
            WorkspaceId = e.WorkspaceId,
            SubscriptionId = subscriptionId,
            EventId = e.Id,
            EventType = e.Type,
            CollectionSlug = e.CollectionSlug,
            RecordId = e.RecordId,
            Status = DeliveryStatus.Pending,
            MaxAttempts = options.Value.MaxAttempts,
            NextAttemptAt = now,
            ReplayedFrom = replayedFrom,
            PayloadFormat = payloadFormat,
            CreatedAt = now,
        };
    }

    /// <summary>A delivery already committed: tell the live log and wake the dispatcher.</summary>
    public void Started(Delivery d)
    {
        _ = notifier.PublishAsync(d.ToState());
        wake.Wake();
    }
}
