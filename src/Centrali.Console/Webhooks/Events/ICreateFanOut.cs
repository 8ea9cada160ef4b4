using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Webhooks.Events;

/// <summary>
/// Lets a group of record creates write their events' deliveries in their own transaction. The engine's
/// <c>CreateFanOut</c> is the one implementation; declared here so that writers need not know the engine.
/// </summary>
public interface ICreateFanOut
{
    /// <summary>
    /// Inside the transaction, before <paramref name="events"/> are inserted: picks those fanned out here (clearing their
    /// <c>FanOutPending</c>) and makes their deliveries.
    /// </summary>
    Task<ICreateFanOutPlan> PlanAsync(AppDbContext db, IReadOnlyList<WebhookEvent> events, CancellationToken ct);
}

/// <summary>The deliveries a create group writes itself: written in its transaction, then <see cref="CommittedAsync"/> or <see cref="Abandon"/>.</summary>
public interface ICreateFanOutPlan
{
    Task WriteAsync(IDbContextTransaction tx, CancellationToken ct);

    /// <summary>After the commit: the live log hears of the new deliveries, and the dispatch gets the leased ones.</summary>
    Task CommittedAsync();

    /// <summary>The group did not commit: its leases were never written, so their places go back.</summary>
    void Abandon();
}
