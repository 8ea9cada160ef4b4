using Centrali.Console.Webhooks.Deliveries;

namespace Centrali.Console.E2E.Infrastructure;

public static class Seeding
{
    /// <summary>Waits (up to 30 s) until <paramref name="count"/> deliveries of the subscription succeeded: the pages then show a finished log.</summary>
    public static async Task<IReadOnlyList<DeliveryView>> SucceededAsync(this DeliveryService deliveries, Guid workspaceId, Guid subscriptionId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var done = (await deliveries.ListAsync(workspaceId, new DeliveryFilter(subscriptionId, DeliveryStatus.Succeeded))).Data;
            if (done.Count == count) return done;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{done.Count} of {count} deliveries of subscription {subscriptionId} succeeded within 30 s");
            await Task.Delay(100);
        }
    }
}
