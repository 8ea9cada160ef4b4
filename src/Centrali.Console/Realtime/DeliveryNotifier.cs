namespace Centrali.Console.Realtime;

/// <summary>What the live log shows of a delivery; sent whenever one is created or changes.</summary>
public sealed record DeliveryChanged(Guid Id, Guid WorkspaceId, Guid SubscriptionId, Guid EventId, string Event, string Status,
    int AttemptCount, int MaxAttempts, DateTime? NextAttemptAt, int? LastStatusCode, Guid? ReplayedFrom);

/// <summary>In-process fan-out of delivery changes to pages and the hub.</summary>
public sealed class DeliveryNotifier(ILogger<DeliveryNotifier> log)
{
    public event Func<DeliveryChanged, Task>? Changed;

    /// <summary>How many listeners are subscribed: a closed page must leave none behind.</summary>
    public int ListenerCount => Changed?.GetInvocationList().Length ?? 0;

    /// <summary>Scale-out: set by <see cref="PostgresChangeFeed"/> to pass each change made here to the other instances.</summary>
    internal Action<DeliveryChanged>? MadeHere { get; set; }

    /// <summary>A change made on this instance: to the listeners here, and (scale-out) to the other instances.</summary>
    public Task PublishAsync(DeliveryChanged change)
    {
        MadeHere?.Invoke(change);
        return ToListenersAsync(change);
    }

    /// <summary>A change another instance made: to the listeners here only.</summary>
    internal Task ReceivedAsync(DeliveryChanged change) => ToListenersAsync(change);

    async Task ToListenersAsync(DeliveryChanged change)
    {
        if (Changed is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<DeliveryChanged, Task>>())
        {
            // A failing listener (a closed page) must not stop the others or the delivery.
            try { await handler(change); }
            catch (Exception e) { log.LogDebug(e, "A delivery listener failed."); }
        }
    }
}
