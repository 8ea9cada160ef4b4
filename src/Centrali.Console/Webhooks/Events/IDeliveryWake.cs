namespace Centrali.Console.Webhooks.Events;

/// <summary>
/// What a writer calls once its events or deliveries have committed, so that delivery starts now rather than at the next
/// backstop run. The dispatcher is the one implementation; declared here so that writers need not know the engine.
/// </summary>
public interface IDeliveryWake
{
    /// <param name="fanOutOnly">Only new events were committed (a record change): no delivery is due beyond the regular claims.</param>
    void Wake(bool fanOutOnly = false);
}
