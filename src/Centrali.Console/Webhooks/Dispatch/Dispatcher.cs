using Centrali.Console.Webhooks.Events;
using Hangfire;
using Hangfire.States;

namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// How a delivery travels. A record change commits its event with <c>FanOutPending</c> set, or, for a create whose event
/// matches few subscriptions, with its deliveries already written and leased to this process (<see cref="Hand"/>);
/// replays and test events commit a pending delivery. Either way the writer then wakes the dispatcher. A wake only
/// nudges: the one way an attempt happens is the Hangfire job <see cref="DispatchJob"/>, which takes what creates
/// handed it, fans out pending events, claims due deliveries in batches (a lease per claim), sends them with bounded
/// parallelism and group-commits the attempts.
/// <list type="bullet">
/// <item>While a dispatch job runs in this process, a wake is an in-process signal to it; otherwise one job is enqueued
/// (coalesced: wakes within a second of an enqueue that has not started yet add nothing, since that job will see their rows).</item>
/// <item>Retries are pending rows with a later <c>NextAttemptAt</c> plus one delayed Hangfire job per due second
/// (<see cref="WakeAt"/>); a running job also waits for the next due time it knows of.</item>
/// <item>Backstop: a minutely recurring dispatch and one at start-up, so a lost wake-up or a crashed instance
/// costs at most a minute, never a delivery.</item>
/// </list>
/// </summary>
public sealed class Dispatcher(IBackgroundJobClient jobs, TimeProvider time, IConfiguration config) : IDeliveryWake
{
    /// <summary>
    /// Where this process's wakes go. On PostgreSQL every instance shares the job storage, so a wake goes to a queue only this
    /// instance's server reads: each instance runs its own dispatch. Delayed wake-ups and the backstop stay on "default".
    /// </summary>
    public string Queue { get; } = DatabaseSetup.IsPostgres(config) ? "dispatch-" + Guid.NewGuid().ToString("N")[..12] : "default";

    /// <summary>A dispatch run in this process now (a wake with none running, or the start-up backstop).</summary>
    public void EnqueueHere(string cause) =>
        jobs.Create<DispatchJob>(j => j.RunAsync(cause, CancellationToken.None), new EnqueuedState(Queue));

    static readonly TimeSpan CoalesceWindow = TimeSpan.FromSeconds(1);

    readonly Lock gate = new();
    bool running;
    bool signaled;
    bool claimWanted = true;
    bool fanOutWanted = true;
    long enqueuedAt = long.MinValue;
    TaskCompletionSource? waiter;
    DateTime? nextDue;
    readonly ConcurrentDictionary<long, byte> scheduledSeconds = new();

    /// <summary>
    /// New work may be due now. <paramref name="fanOutOnly"/>: only new events were committed (a record change), so the
    /// running dispatch need not look for due deliveries beyond its regular claims.
    /// </summary>
    public void Wake(bool fanOutOnly = false) => Signal(fanOut: true, claim: !fanOutOnly);

    readonly ConcurrentQueue<Claimed> handed = new();

    /// <summary>
    /// Deliveries a create wrote and leased to this process in its own transaction (<see cref="CreateFanOut"/>): the running
    /// dispatch sends them, or the one this enqueues. Neither a fan-out nor a claim is needed for them.
    /// </summary>
    public void Hand(IReadOnlyList<Claimed> deliveries)
    {
        foreach (var c in deliveries) handed.Enqueue(c);
        Signal(fanOut: false, claim: false);
    }

    /// <summary>What creates handed over since the last call (<see cref="Hand"/>).</summary>
    internal List<Claimed> TakeHanded()
    {
        var taken = new List<Claimed>();
        while (handed.TryDequeue(out var c)) taken.Add(c);
        return taken;
    }

    void Signal(bool fanOut, bool claim)
    {
        var enqueue = false;
        TaskCompletionSource? wake;
        lock (gate)
        {
            signaled = true;
            fanOutWanted |= fanOut;
            claimWanted |= claim;
            wake = waiter;
            waiter = null;
            var now = time.GetTimestamp();
            if (!running && (enqueuedAt == long.MinValue || time.GetElapsedTime(enqueuedAt, now) > CoalesceWindow))
            {
                enqueuedAt = now;
                enqueue = true;
            }
        }
        wake?.TrySetResult();
        if (enqueue) EnqueueHere("woken");
    }

    /// <summary>Work becomes due at <paramref name="due"/> (a retry, a circuit's end, another's lease): one delayed wake-up per second.</summary>
    public void WakeAt(DateTime due)
    {
        lock (gate)
        {
            if (nextDue is null || due < nextDue) nextDue = due;
        }
        var second = (long)Math.Ceiling((due - DateTime.UnixEpoch).TotalSeconds);
        if (!scheduledSeconds.TryAdd(second, 0)) return;
        var at = DateTime.UnixEpoch.AddSeconds(second);
        var nowSecond = (long)Math.Floor((time.GetUtcNow().UtcDateTime - DateTime.UnixEpoch).TotalSeconds);
        foreach (var past in scheduledSeconds.Keys.Where(s => s < nowSecond)) scheduledSeconds.TryRemove(past, out _);
        jobs.Schedule<DispatchJob>(j => j.RunAsync($"due {at:HH:mm:ss}", CancellationToken.None), new DateTimeOffset(at, TimeSpan.Zero));
    }

    /// <summary>A dispatch job starts its run here, unless one is already running (then this wake-up is handed to it).</summary>
    internal bool TryBegin()
    {
        TaskCompletionSource? wake;
        lock (gate)
        {
            if (running)
            {
                signaled = true;
                claimWanted = true;
                fanOutWanted = true;
                wake = waiter;
                waiter = null;
            }
            else
            {
                running = true;
                enqueuedAt = long.MinValue;
                return true;
            }
        }
        wake?.TrySetResult();
        return false;
    }

    /// <summary>
    /// Called before each claim, so a wake during the claim is noticed after it. Answers what the wakes since the last
    /// call asked for: new events to fan out, due deliveries to claim.
    /// </summary>
    internal (bool FanOut, bool Claim) Consume()
    {
        lock (gate)
        {
            signaled = false;
            var wanted = (fanOutWanted, claimWanted);
            (fanOutWanted, claimWanted) = (false, false);
            return wanted;
        }
    }

    /// <summary>Waits for a wake, or until <paramref name="timeout"/>, or the next known due time, whichever is first.</summary>
    internal async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        Task signal;
        lock (gate)
        {
            if (signaled) return;
            waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = waiter.Task;
            if (nextDue is { } due)
            {
                var untilDue = due - time.GetUtcNow().UtcDateTime;
                if (untilDue <= TimeSpan.Zero) nextDue = null;
                if (untilDue < timeout) timeout = untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue;
            }
        }
        if (timeout <= TimeSpan.Zero) return;
        await Task.WhenAny(signal, Task.Delay(timeout, time, ct));
    }

    /// <summary>Ends the run unless a wake arrived since the last claim (then the caller claims again).</summary>
    internal bool TryEnd()
    {
        lock (gate)
        {
            if (signaled || !handed.IsEmpty) return false;
            running = false;
            return true;
        }
    }

    /// <summary>Ends the run whatever is waiting (shutdown, or a failed run that has scheduled its own wake-up).</summary>
    internal void End()
    {
        lock (gate) running = false;
    }

    /// <summary>Ends the run and leaves the rest to a new job (a run's length is bounded, so the dashboard shows what each did).</summary>
    internal void HandOver()
    {
        lock (gate) running = false;
        Wake();
    }

    /// <summary>A writer's progress: the running job may claim again (send slots and host places are free).</summary>
    internal void Pulse()
    {
        TaskCompletionSource? wake;
        lock (gate)
        {
            signaled = true;
            claimWanted = true;
            wake = waiter;
            waiter = null;
        }
        wake?.TrySetResult();
    }
}
