namespace Centrali.Console.Realtime;

/// <summary>
/// The one shape of a delivery: which one it is and how far it got. Published whenever a delivery is created or changes,
/// sent as it is to hub clients (`deliveryChanged`), and the base of every row of the log (its API rows add the record,
/// the error, the payload and the times). The workspace only routes a change: it is never on the wire.
/// </summary>
/// <remarks>
/// The orders keep each field where a log row has always had it (a derived record's own fields would otherwise come
/// first); the hub's message keeps the declared order.
/// </remarks>
public record DeliveryState(
    [property: JsonPropertyOrder(-5)] Guid Id,
    [property: JsonIgnore] Guid WorkspaceId,
    [property: JsonPropertyOrder(-5)] Guid SubscriptionId,
    [property: JsonPropertyOrder(-5)] Guid EventId,
    [property: JsonPropertyOrder(-5)] string Event,
    [property: JsonPropertyOrder(-3)] string Status,
    [property: JsonPropertyOrder(-3)] int AttemptCount,
    [property: JsonPropertyOrder(-3)] int MaxAttempts,
    [property: JsonPropertyOrder(-3)] DateTime? NextAttemptAt,
    [property: JsonPropertyOrder(-3)] int? LastStatusCode,
    [property: JsonPropertyOrder(-1)] Guid? ReplayedFrom);

/// <summary>In-process fan-out of delivery changes to pages and the hub.</summary>
public sealed class DeliveryNotifier(ILogger<DeliveryNotifier> log)
{
    public event Func<DeliveryState, Task>? Changed;

    /// <summary>How many listeners are subscribed: a closed page must leave none behind.</summary>
    public int ListenerCount => Changed?.GetInvocationList().Length ?? 0;

    /// <summary>Scale-out: set by <see cref="PostgresChangeFeed"/> to pass each change made here to the other instances.</summary>
    internal Action<DeliveryState>? MadeHere { get; set; }

    /// <summary>A change made on this instance: to the listeners here, and (scale-out) to the other instances.</summary>
    public Task PublishAsync(DeliveryState change)
    {
        MadeHere?.Invoke(change);
        return ToListenersAsync(change);
    }

    /// <summary>A change another instance made: to the listeners here only.</summary>
    internal Task ReceivedAsync(DeliveryState change) => ToListenersAsync(change);

    async Task ToListenersAsync(DeliveryState change)
    {
        if (Changed is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<DeliveryState, Task>>())
        {
            // A failing listener (a closed page) must not stop the others or the delivery.
            try { await handler(change); }
            catch (Exception e) { log.LogDebug(e, "A delivery listener failed."); }
        }
    }
}
