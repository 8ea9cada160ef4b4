using System.Collections.Concurrent;
using System.ComponentModel;
using System.Threading.Channels;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// Where attempts wait for a dispatcher slot. Due attempts go straight into an in-process channel (a delivery
/// already waiting there is not added twice); later ones are Hangfire-scheduled, or held in-process when due
/// within a second, since Hangfire keeps schedules to the whole second. Losing any of this (a crash) loses
/// nothing: the database is the record and recovery hands due deliveries back.
/// </summary>
public sealed class DeliveryQueue(IBackgroundJobClient jobs, TimeProvider time)
{
    static readonly TimeSpan HangfireResolution = TimeSpan.FromSeconds(1);

    readonly Channel<(Guid Id, int Attempt)> channel = Channel.CreateUnbounded<(Guid, int)>(new UnboundedChannelOptions { SingleReader = true });
    readonly ConcurrentDictionary<Guid, byte> waiting = new();

    /// <summary>Deliveries waiting for a dispatcher slot.</summary>
    public int Backlog => waiting.Count;

    public ChannelReader<(Guid Id, int Attempt)> Reader => channel.Reader;

    public void Enqueue(Guid deliveryId, int attempt = 1)
    {
        if (waiting.TryAdd(deliveryId, 0)) channel.Writer.TryWrite((deliveryId, attempt));
    }

    /// <summary>The dispatcher took it: a later hand-off of the same delivery is welcome again.</summary>
    public void Taken(Guid deliveryId) => waiting.TryRemove(deliveryId, out _);

    public void Schedule(Guid deliveryId, int attempt, DateTime at)
    {
        var delay = at - time.GetUtcNow().UtcDateTime;
        if (delay <= TimeSpan.Zero) Enqueue(deliveryId, attempt);
        else if (delay <= HangfireResolution) _ = EnqueueLaterAsync(deliveryId, attempt, delay);
        else jobs.Schedule<DeliveryDue>(j => j.Arrived(deliveryId, attempt), delay);
    }

    async Task EnqueueLaterAsync(Guid deliveryId, int attempt, TimeSpan delay)
    {
        await Task.Delay(delay, time);
        Enqueue(deliveryId, attempt);
    }
}

/// <summary>The Hangfire job of a scheduled retry: when it is due, the delivery joins the dispatcher's queue.</summary>
public sealed class DeliveryDue(DeliveryQueue queue)
{
    // Our own retry schedule decides what happens next, never Hangfire's automatic retry.
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Delivery {0}, attempt {1} is due")]
    public void Arrived(Guid deliveryId, int attempt) => queue.Enqueue(deliveryId, attempt);
}

/// <summary>
/// Runs attempts from the queue with bounded parallelism on async I/O, so a thousand due deliveries cost
/// neither a thousand Hangfire jobs nor a blocked thread each (ARCHITECTURE: one job carries many deliveries).
/// </summary>
internal sealed class DeliveryDispatcher(DeliveryQueue queue, DeliveryJob job, IOptions<WebhookOptions> options, ILogger<DeliveryDispatcher> log)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Parallel.ForEachAsync(queue.Reader.ReadAllAsync(stoppingToken),
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.Concurrency, CancellationToken = stoppingToken },
            async (item, _) =>
            {
                queue.Taken(item.Id);
                try
                {
                    await job.AttemptAsync(item.Id, item.Attempt);
                }
                catch (Exception e)
                {
                    // The delivery stays pending in the database; its lease ends and recovery hands it back.
                    log.LogError(e, "Attempt {Attempt} of delivery {DeliveryId} failed to run.", item.Attempt, item.Id);
                }
            });
}
