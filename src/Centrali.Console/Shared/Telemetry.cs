using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Centrali.Console.Shared;

/// <summary>
/// The product's own instruments, under <c>centrali.</c>: what the engine and the record service report as it happens.
/// Figures that the database already holds (backlog, open circuits) are read from it instead, by the operations figures.
/// </summary>
/// <remarks>
/// The meter and the activity source are static, as .NET instruments are meant to be (one app per process in production);
/// an instrument nobody listens to costs almost nothing, and the attempt span is not even created then.
/// </remarks>
public sealed class Telemetry
{
    public const string Name = "centrali";

    internal static readonly Meter Meter = new(Name);
    public static readonly ActivitySource Source = new(Name);

    static readonly Counter<long> Attempts = Meter.CreateCounter<long>("centrali.delivery.attempts", "{attempt}",
        "Delivery attempts by workspace and outcome: succeeded, retrying (failed, another attempt is scheduled) or failed (failed, no attempt left).");
    static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("centrali.deliveries", "{delivery}",
        "Deliveries that reached a final status, by workspace and outcome (succeeded or failed).");
    static readonly Histogram<double> AttemptDuration = Meter.CreateHistogram("centrali.delivery.attempt.duration", "s",
        "Time from sending a delivery's request to its receiver's answer (or the error).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    static readonly Counter<long> Events = Meter.CreateCounter<long>("centrali.events.written", "{event}",
        "Events committed to the outbox (one per record change).");
    static readonly Counter<long> RecordWrites = Meter.CreateCounter<long>("centrali.record.writes", "{write}",
        "Committed record writes by operation: create, update or delete.");

    /// <summary>An attempt's answer is recorded; <paramref name="status"/> is the delivery's status after it, <paramref name="retrying"/> while it stays pending for another attempt.</summary>
    public void AttemptFinished(Guid workspaceId, string status, bool retrying, TimeSpan duration)
    {
        var workspace = new KeyValuePair<string, object?>("workspace", workspaceId.ToString());
        var outcome = retrying ? "retrying" : status;
        Attempts.Add(1, workspace, new("outcome", outcome));
        AttemptDuration.Record(duration.TotalSeconds, workspace, new("outcome", outcome));
        if (!retrying) Deliveries.Add(1, workspace, new("outcome", status));
        if (Activity.Current is { } span && span.Source == Source) span.SetTag("centrali.delivery.outcome", outcome);
    }

    /// <summary>A delivery ended without an attempt (its subscription was deleted or set inactive, its secret is unreadable).</summary>
    public void DeliveryEnded(Guid workspaceId, string status) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("workspace", workspaceId.ToString()), new("outcome", status));

    public void EventsWritten(int count) => Events.Add(count);

    /// <param name="operation">create, update or delete.</param>
    public void RecordWritten(string operation) => RecordWrites.Add(1, new KeyValuePair<string, object?>("operation", operation));

    /// <summary>The trace of the write now happening (while tracing), kept on its event so the event's attempts link back to it.</summary>
    public static string? CurrentTrace => Activity.Current?.Id;

    /// <summary>
    /// The span of one attempt: a trace of its own (an attempt can run hours after the write, on another instance),
    /// linked to the trace of the write that made the event. Null when no one is tracing.
    /// </summary>
    /// <param name="traceParent">The trace of the write that made the event, when it was traced.</param>
    public static Activity? StartAttempt(Guid deliveryId, Guid eventId, string eventType, Guid subscriptionId, string? traceParent, int attempt)
    {
        if (!Source.HasListeners()) return null;
        Activity.Current = null;
        ActivityLink[]? links = traceParent is { } parent && ActivityContext.TryParse(parent, null, out var write) ? [new(write)] : null;
        var activity = Source.StartActivity(ActivityKind.Internal, parentContext: default, links: links, name: "webhook.attempt");
        activity?.SetTag("centrali.delivery.id", deliveryId.ToString());
        activity?.SetTag("centrali.event.id", eventId.ToString());
        activity?.SetTag("centrali.event.type", eventType);
        activity?.SetTag("centrali.subscription.id", subscriptionId.ToString());
        activity?.SetTag("centrali.delivery.attempt", attempt);
        return activity;
    }
}
