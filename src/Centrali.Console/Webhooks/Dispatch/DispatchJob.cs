using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions;
using Hangfire;

namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// The Hangfire job that makes every attempt (first, retry, replay, test). One run: fan out pending events and claim due
/// deliveries in batches, sign and POST each with bounded parallelism (<c>Webhooks:Concurrency</c>, and
/// <c>Webhooks:MaxConcurrencyPerHost</c> per receiver host), and write the attempts and new states in group commits.
/// It keeps claiming while work arrives, lingers a moment when idle, then schedules a wake-up for the next due time and
/// ends with a summary of what it did (the job's result on the dashboard). See <see cref="Dispatcher"/> for how it is woken.
/// </summary>
public sealed class DispatchJob(
    Dispatcher dispatcher,
    DeliveryStore store,
    DeliverySender sender,
    CircuitBreaker circuits,
    RetrySchedule retries,
    SubscriptionSecrets secrets,
    HostSlots hosts,
    RateSlots rates,
    DeliveryNotifier notifier,
    Telemetry telemetry,
    IAttemptListener health,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<DispatchJob> log)
{
    // Fields, not captured parameters: the nested run reads them.
    readonly Dispatcher dispatcher = dispatcher;
    readonly DeliveryStore store = store;
    readonly DeliverySender sender = sender;
    readonly CircuitBreaker circuits = circuits;
    readonly RetrySchedule retries = retries;
    readonly SubscriptionSecrets secrets = secrets;
    readonly HostSlots hosts = hosts;
    readonly RateSlots rates = rates;
    readonly DeliveryNotifier notifier = notifier;
    readonly Telemetry telemetry = telemetry;
    readonly IAttemptListener health = health;
    readonly TimeProvider time = time;
    readonly IOptions<WebhookOptions> options = options;
    readonly ILogger<DispatchJob> log = log;

    /// <summary>Idle time before a run ends; wakes from other instances are picked up by the claims in between.</summary>
    static readonly TimeSpan Linger = TimeSpan.FromSeconds(2);
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    /// <summary>While only new events arrive, due deliveries (retries, put-backs) are looked for at most this often.</summary>
    static readonly TimeSpan ClaimInterval = TimeSpan.FromMilliseconds(50);
    /// <summary>A run hands over to a new job after this, so each job's result says what a stretch of work did.</summary>
    static readonly TimeSpan MaxRun = TimeSpan.FromSeconds(30);
    static readonly TimeSpan LeaseMargin = DeliveryStore.LeaseMargin;
    /// <summary>A delivery whose attempt failed to run is put back for this long.</summary>
    static readonly TimeSpan RetryRunDelay = TimeSpan.FromSeconds(1);
    const int MaxGroupCommit = 1000;
    /// <summary>
    /// A small group of outcomes waits this long for the attempts still in flight before it commits: each commit takes
    /// the write lock every create waits for (SQLite has one writer) and rewrites the same last pages, so fewer and larger
    /// ones leave more of both to creates (measured, one subscription, 8 clients: sustained 1,374–1,630 → 1,635–1,824/s).
    /// Wall-clock pacing of writes, not the product's time, so not the <see cref="TimeProvider"/>'s.
    /// </summary>
    static readonly TimeSpan CommitGather = TimeSpan.FromMilliseconds(2);
    const int GatherBelow = 32;
    /// <summary>Events fanned out per statement when there is little room to lease what they make.</summary>
    const int FanOutEvents = 20;

    // Our own retry schedule decides what happens next, never Hangfire's automatic retry.
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Dispatch due deliveries ({0})")]
    public async Task<string> RunAsync(string cause, CancellationToken stoppingToken)
    {
        if (!dispatcher.TryBegin()) return "Handed to the dispatch already running in this process.";
        var run = new Run(this, stoppingToken);
        try
        {
            return await run.ExecuteAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The claimed deliveries stay leased and are claimed again when their leases end; look again then.
            dispatcher.End();
            dispatcher.WakeAt(time.GetUtcNow().UtcDateTime + options.Value.Timeout * 2 + LeaseMargin);
            log.LogError(e, "A dispatch run failed; its deliveries are claimed again when their leases end.");
            throw;
        }
    }

    sealed class Run(DispatchJob job, CancellationToken stoppingToken)
    {
        readonly WebhookOptions o = job.options.Value;
        readonly Channel<Outcome> outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
        readonly ConcurrentDictionary<Task, byte> sending = new();
        readonly SemaphoreSlim sendSlots = new(Math.Max(1, job.options.Value.Concurrency));
        int inFlight;
        int sent, succeeded, failed, ended, givenBack, waitingOnCircuit, leaseLost;

        int Concurrency => Math.Max(1, o.Concurrency);
        /// <summary>Claimed and not yet recorded, at most this many times <c>Webhooks:Concurrency</c>: enough at hand that a fast
        /// receiver's slots stay busy between claims, and each claim a batch of at least <c>Concurrency</c>.</summary>
        const int Window = 4;

        public async Task<string> ExecuteAsync()
        {
            var writer = Task.Run(WriteAsync);
            var started = Stopwatch.GetTimestamp();
            var idleSince = Stopwatch.GetTimestamp();
            var handOver = false;
            try
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (Stopwatch.GetElapsedTime(started) > MaxRun) { handOver = true; break; }
                    var wanted = job.dispatcher.Consume();
                    // Claim in batches: only when there is room for at least one batch (Concurrency). New events are fanned out
                    // regardless, so their deliveries are in the log (and counted as due) while they wait.
                    if (Volatile.Read(ref inFlight) > Concurrency * (Window - 1))
                    {
                        await ClaimAsync(0, wanted);
                        await job.dispatcher.WaitAsync(Poll, stoppingToken);
                        continue;
                    }
                    var room = Concurrency * Window - Volatile.Read(ref inFlight);
                    var got = await ClaimAsync(room, wanted);
                    if (got > 0) idleSince = Stopwatch.GetTimestamp();
                    if (got == room) continue;
                    if (got == 0 && Volatile.Read(ref inFlight) == 0 && Stopwatch.GetElapsedTime(idleSince) >= Linger)
                    {
                        if (job.dispatcher.TryEnd()) break;
                        continue;
                    }
                    await job.dispatcher.WaitAsync(Poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            finally
            {
                await Task.WhenAll(sending.Keys);
                outcomes.Writer.Complete();
                await writer;
            }

            if (stoppingToken.IsCancellationRequested) job.dispatcher.End();
            else if (handOver) job.dispatcher.HandOver();
            DateTime? next = null;
            if (!handOver)
            {
                next = await job.store.NextDueAsync(CancellationToken.None);
                if (next is { } due) job.dispatcher.WakeAt(due);
            }
            return Summary(handOver, next);
        }

        string Summary(bool handOver, DateTime? next)
        {
            var parts = new List<string> { $"{sent} sent: {succeeded} succeeded, {failed} failed" };
            if (ended > 0) parts.Add($"{ended} ended without sending");
            if (waitingOnCircuit > 0) parts.Add($"{waitingOnCircuit} waiting on an open circuit");
            if (givenBack > 0) parts.Add($"{givenBack} given back unsent (their lease could have ended mid-attempt)");
            if (leaseLost > 0) parts.Add($"{leaseLost} not recorded (lease lost)");
            if (handOver) parts.Add("handed over to the next dispatch");
            else parts.Add(next is { } due ? $"next due {due:HH:mm:ss}" : "nothing else pending");
            return string.Join("; ", parts);
        }

        long lastClaim, lastFanOut;
        bool lastClaimFull, lastFanOutFull;

        /// <summary>
        /// New events' deliveries first, then due ones. Each only when a wake asked for it, after a full batch, or every
        /// <see cref="ClaimInterval"/>: a loop woken by its own writer's progress does not run statements that find nothing.
        /// </summary>
        async Task<int> ClaimAsync(int room, (bool FanOut, bool Claim) wanted)
        {
            var leaseId = SequentialId.New();
            var leaseUntil = job.time.GetUtcNow().UtcDateTime + job.store.Lease;
            // What creates leased to this process in their own transactions first: nothing to write to start them.
            var batch = job.dispatcher.TakeHanded();
            var handed = batch.Count;
            if (wanted.FanOut || lastFanOutFull || Stopwatch.GetElapsedTime(lastFanOut) >= ClaimInterval)
            {
                var created = new List<Delivery>();
                var events = Math.Max(room, FanOutEvents);
                batch.AddRange(await job.store.FanOutAsync(created, events, Math.Max(0, room - handed), Places, leaseId, leaseUntil, stoppingToken));
                lastFanOut = Stopwatch.GetTimestamp();
                lastFanOutFull = created.Select(d => d.EventId).Distinct().Count() == events;
                foreach (var d in created) await job.notifier.PublishAsync(d.ToState());
            }
            if (room > 0 && batch.Count < room && (wanted.Claim || lastClaimFull || Stopwatch.GetElapsedTime(lastClaim) >= ClaimInterval))
            {
                var want = room - batch.Count;
                var due = await job.store.ClaimAsync(want, [.. job.hosts.SaturatedSubscriptions(), .. job.rates.Saturated()], Places, leaseId, leaseUntil, stoppingToken);
                lastClaim = Stopwatch.GetTimestamp();
                lastClaimFull = due.Count == want;
                batch.AddRange(due);
            }
            if (batch.Count == 0) return 0;
            Interlocked.Add(ref inFlight, batch.Count);
            await StartAsync(batch);
            return batch.Count;
        }

        SendPlaces? places;
        SendPlaces Places => places ??= new(TryReserve, Unreserve);

        /// <summary>A delivery's place among its rate-limited subscription's and its host's claimed ones (a claim or fan-out leases only those that get one).</summary>
        bool TryReserve(Subscription s)
        {
            if (!job.rates.TryReserve(s)) return false;
            if (job.hosts.TryReserve(HostSlots.HostOf(s.Url), s.Id)) return true;
            if (s.RateLimit is not null) job.rates.Release(s.Id);
            return false;
        }

        void Unreserve(Subscription s)
        {
            job.hosts.Release(HostSlots.HostOf(s.Url));
            if (s.RateLimit is not null) job.rates.Release(s.Id);
        }

        /// <summary>Decides each delivery's circuit gate (one read for the batch) and its rate slot, then starts its send.</summary>
        async Task StartAsync(List<Claimed> batch)
        {
            var keys = batch.Where(c => c.Subscription is not null).Select(c => new CircuitKey(c.WorkspaceId, c.Subscription!.Url)).ToHashSet();
            var states = await job.circuits.ReadAsync(keys, stoppingToken);
            var gates = new Dictionary<CircuitKey, CircuitGate>();
            var starting = new List<(Claimed, CircuitGate?)>(batch.Count);
            foreach (var c in batch)
            {
                CircuitGate? gate = null;
                // Its places among its host's and its rate limit's claimed deliveries were taken when it was claimed (TryReserve).
                if (c.Subscription is { } s)
                {
                    var key = new CircuitKey(c.WorkspaceId, s.Url);
                    // One gate per circuit for the batch; a taken trial makes the rest of the batch wait; an operator's request asks itself.
                    if (c.OperatorIntent || !gates.TryGetValue(key, out gate))
                    {
                        gate = await job.circuits.EnterAsync(key, states.GetValueOrDefault(key), c.OperatorIntent, stoppingToken);
                        if (!c.OperatorIntent)
                            gates[key] = gate.Trial ? new CircuitGate(false, false, job.time.GetUtcNow().UtcDateTime + o.Timeout + LeaseMargin) : gate;
                    }
                }
                starting.Add((c, gate));
            }
            await TakeRateSlotsAsync(starting.Select(x => x.Item1).Where(c => c.RateReserved).ToList());
            foreach (var (c, gate) in starting)
            {
                var task = SendAsync(c, gate);
                sending.TryAdd(task, 0);
                _ = task.ContinueWith(t => sending.TryRemove(t, out _), TaskScheduler.Default);
            }
        }

        /// <summary>Unsent, its lease given up, due again now.</summary>
        Outcome GivenBack(Claimed c) => new(c, DeliveryStatus.Pending, c.AttemptCount, job.time.GetUtcNow().UtcDateTime, c.LastStatusCode, null, null);

        /// <summary>PostgreSQL: gives each rate-limited delivery its send slot from the shared row per subscription (SQLite paces in <see cref="RateSlots"/> alone).</summary>
        async Task TakeRateSlotsAsync(List<Claimed> limited)
        {
            if (limited.Count == 0 || !job.store.Dialect.Postgres) return;
            var bySubscription = limited.GroupBy(c => c.SubscriptionId).ToList();
            var shared = await job.store.TakeRateSlotsAsync(bySubscription.ToDictionary(g => g.Key, g => g.Count()), stoppingToken);
            foreach (var g in bySubscription)
                if (shared.TryGetValue(g.Key, out var slots))
                {
                    var i = 0;
                    foreach (var c in g) c.RateSlot = slots.First + slots.Spacing * i++;
                }
        }

        async Task SendAsync(Claimed c, CircuitGate? gate)
        {
            Outcome outcome;
            try
            {
                outcome = await AttemptAsync(c, gate);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the delivery is put back rather than left leased and silent.
                job.log.LogError(e, "Attempt of delivery {DeliveryId} failed to run.", c.Id);
                outcome = new Outcome(c, DeliveryStatus.Pending, c.AttemptCount, job.time.GetUtcNow().UtcDateTime + RetryRunDelay,
                    c.LastStatusCode, null, null);
            }
            if (c.Reserved)
            {
                job.hosts.Release(c.Host);
                c.Reserved = false;
            }
            if (c.RateReserved)
            {
                job.rates.Release(c.SubscriptionId);
                c.RateReserved = false;
            }
            outcomes.Writer.TryWrite(outcome);
        }

        async Task<Outcome> AttemptAsync(Claimed c, CircuitGate? gate)
        {
            var now = job.time.GetUtcNow().UtcDateTime;
            if (c.Subscription is not { } subscription) return End(c, "The subscription was deleted.", now);
            if (subscription.Status != SubscriptionStatus.Active) return End(c, "The subscription is inactive.", now);
            if (gate is { Go: false, WaitUntil: { } until })
                return new Outcome(c, DeliveryStatus.Pending, c.AttemptCount, until, c.LastStatusCode,
                    $"Waiting: the circuit of this URL is open until {until:u}; no attempt was spent.", null, WaitingOnCircuit: true);

            string secret;
            string? previousSecret;
            List<KeyValuePair<string, string>>? secretHeaders;
            try
            {
                secret = job.secrets.SigningSecret(subscription);
                previousSecret = job.secrets.PreviousSigningSecret(subscription, now);
                secretHeaders = subscription.SecretHeadersCipher is { } cipher ? CustomHeaders.ToList(job.secrets.Unprotect(cipher)) : null;
            }
            catch (CryptographicException)
            {
                return End(c, "The signing secret cannot be decrypted (the Data Protection keys in the database changed); rotate the secret.", now);
            }

            // A rate-limited delivery waits for its turn before it queues for its host.
            if (c.RateReserved) await job.rates.WaitTurnAsync(subscription, c.RateSlot);
            // Sent now: no longer ahead of its slots, so the claim may take its subscription's next ones.
            if (c.RateReserved)
            {
                job.rates.Release(c.SubscriptionId);
                c.RateReserved = false;
            }

            var host = c.Host;
            var timeout = DeliveryPolicy.Timeout(subscription, o);
            SendResult result;
            long? sending = null;
            try
            {
                await job.hosts.EnterAsync(host);
                try
                {
                    await sendSlots.WaitAsync(CancellationToken.None);
                    try
                    {
                        // It waited so long that its lease could end mid-attempt: given back unsent, for a claim with a fresh lease.
                        if (job.time.GetUtcNow().UtcDateTime + timeout + LeaseMargin > c.LeaseUntil) return GivenBack(c);
                        sending = Stopwatch.GetTimestamp();
                        using var span = Telemetry.StartAttempt(c.Id, c.EventId, c.EventType, c.SubscriptionId, c.TraceParent, c.AttemptCount + 1);
                        result = await job.sender.SendAsync(new SendRequest(c.Id, c.EventId, c.EventType, subscription.Url, c.Body,
                            new SignatureScheme(subscription.SignatureHeader, subscription.Algorithm, subscription.Encoding, subscription.SignaturePrefix,
                                subscription.SignatureScheme == SignatureSchemes.Ed25519),
                            secret, previousSecret, timeout, CustomHeaders.ToList(subscription.Headers), secretHeaders));
                    }
                    finally
                    {
                        sendSlots.Release();
                    }
                }
                finally
                {
                    job.hosts.Exit(host, sending is { } since ? Stopwatch.GetElapsedTime(since) : null);
                }
            }
            finally
            {
                job.hosts.Release(host);
                c.Reserved = false;
            }
            return Attempted(c, subscription, result, gate);
        }

        Outcome Attempted(Claimed c, Subscription subscription, SendResult result, CircuitGate? gate)
        {
            var number = c.AttemptCount + 1;
            var gone = result.StatusCode == 410;
            // The subscription's policy as it is now: a changed retryDelays applies to pending deliveries too.
            var delays = DeliveryPolicy.RetryDelays(subscription, o);
            var delay = result.Succeeded || gone ? null : job.retries.DelayAfter(number, result.StatusCode ?? 0, result.RetryAfter, delays);
            var now = job.time.GetUtcNow().UtcDateTime;
            var attempt = new Attempt
            {
                DeliveryId = c.Id, Number = number, StartedAt = result.StartedAt, DurationMs = result.DurationMs, StatusCode = result.StatusCode,
                Error = result.Error, ResponseBody = result.ResponseBody, ResponseHeaders = result.ResponseHeaders, RequestHeaders = result.RequestHeaders,
            };
            var circuit = new CircuitResult(new CircuitKey(c.WorkspaceId, subscription.Url), result.Succeeded, gate?.Trial == true, gate?.Clean == true);
            // 410 Gone: the receiver says this endpoint is retired; stop sending to it, visibly.
            var error = gone ? "HTTP 410 Gone: the subscription was set inactive." : result.Error;
            var max = delays.Length + 1;
            return result.Succeeded ? new Outcome(c, DeliveryStatus.Succeeded, number, null, result.StatusCode, null, now, Attempt: attempt, Circuit: circuit, MaxAttempts: max)
                : delay is { } d ? new Outcome(c, DeliveryStatus.Pending, number, now + d, result.StatusCode, error, null, Attempt: attempt, Circuit: circuit, MaxAttempts: max)
                : new Outcome(c, DeliveryStatus.Failed, number, null, result.StatusCode, error, now, Attempt: attempt, Circuit: circuit, Gone: gone, MaxAttempts: max);
        }

        static Outcome End(Claimed c, string reason, DateTime now) =>
            new(c, DeliveryStatus.Failed, c.AttemptCount, null, c.LastStatusCode, reason, now);

        /// <summary>The group commit: whatever finished while the last write ran (or, for a small group, in <see cref="CommitGather"/>) is written together in the next.</summary>
        async Task WriteAsync()
        {
            var group = new List<Outcome>(MaxGroupCommit);
            void Take()
            {
                while (group.Count < MaxGroupCommit && outcomes.Reader.TryRead(out var outcome)) group.Add(outcome);
            }
            while (await outcomes.Reader.WaitToReadAsync(CancellationToken.None))
            {
                Take();
                // A lone attempt (a test event, a replay, a quiet moment) is written at once: nothing else is coming. Under a
                // full load (as many in flight as send slots) commits are large anyway, and waiting would only hold slots back.
                var pending = Volatile.Read(ref inFlight);
                if (group.Count < GatherBelow && pending > group.Count && pending < Concurrency)
                {
                    await Task.Delay(CommitGather);
                    Take();
                }
                var written = await RecordAsync(group);
                Interlocked.Add(ref leaseLost, group.Count - written.Count);
                await AfterCommitAsync(written);
                Interlocked.Add(ref inFlight, -group.Count);
                group.Clear();
                job.dispatcher.Pulse();
            }
        }

        /// <summary>
        /// Never lets one bad outcome (say, text the database refuses) stop the others or make a delivery resend forever:
        /// a failed group is written one by one, and an outcome that still fails is written without the receiver's answer.
        /// </summary>
        async Task<List<Outcome>> RecordAsync(List<Outcome> group)
        {
            try
            {
                return await job.store.RecordAsync(group, CancellationToken.None);
            }
            catch (Exception e) when (group.Count > 1)
            {
                job.log.LogWarning(e, "A group commit of {Count} outcomes failed; writing them one by one.", group.Count);
            }
            catch (Exception e)
            {
                job.log.LogWarning(e, "Recording an outcome of delivery {DeliveryId} failed.", group[0].Delivery.Id);
            }
            var written = new List<Outcome>();
            foreach (var outcome in group)
            {
                try
                {
                    written.AddRange(await job.store.RecordAsync([outcome], CancellationToken.None));
                    continue;
                }
                catch (Exception e) when (outcome.Attempt is not null)
                {
                    job.log.LogWarning(e, "Recording attempt {Attempt} of delivery {DeliveryId} failed; recording it without the response.",
                        outcome.Attempt.Number, outcome.Delivery.Id);
                }
                catch (Exception e)
                {
                    job.log.LogError(e, "Recording an outcome of delivery {DeliveryId} failed; it is claimed again when its lease ends.", outcome.Delivery.Id);
                    continue;
                }
                var a = outcome.Attempt!;
                var bare = outcome with
                {
                    Attempt = new Attempt
                    {
                        Id = a.Id, DeliveryId = a.DeliveryId, Number = a.Number, StartedAt = a.StartedAt, DurationMs = a.DurationMs,
                        StatusCode = a.StatusCode, Error = "The receiver's answer could not be recorded.", RequestHeaders = a.RequestHeaders,
                    },
                };
                try { written.AddRange(await job.store.RecordAsync([bare], CancellationToken.None)); }
                catch (Exception e) { job.log.LogError(e, "Recording delivery {DeliveryId} failed; it is claimed again when its lease ends.", outcome.Delivery.Id); }
            }
            return written;
        }

        async Task AfterCommitAsync(List<Outcome> written)
        {
            var now = job.time.GetUtcNow().UtcDateTime;
            var attempts = written.Where(o => o.Attempt is not null).Select(o => new AttemptOutcome(o.Delivery.WorkspaceId, o.Delivery.SubscriptionId,
                o.Delivery.Id, o.Delivery.EventType, o.Status == DeliveryStatus.Succeeded, o.Status, now, o.LastError)).ToList();
            if (attempts.Count > 0) await job.health.AttemptsRecordedAsync(attempts);
            foreach (var outcome in written)
            {
                if (outcome.Attempt is { } attempt)
                {
                    job.telemetry.AttemptFinished(outcome.Delivery.WorkspaceId, outcome.Status, outcome.Status == DeliveryStatus.Pending, TimeSpan.FromMilliseconds(attempt.DurationMs));
                    Interlocked.Increment(ref sent);
                    if (outcome.Status == DeliveryStatus.Succeeded) Interlocked.Increment(ref succeeded);
                    else
                    {
                        Interlocked.Increment(ref failed);
                        job.log.LogInformation("Delivery {DeliveryId} attempt {Attempt} to subscription {SubscriptionId} failed: {Error}",
                            outcome.Delivery.Id, attempt.Number, outcome.Delivery.SubscriptionId, attempt.Error);
                    }
                }
                else if (outcome.WaitingOnCircuit) Interlocked.Increment(ref waitingOnCircuit);
                else if (outcome.PutBack) Interlocked.Increment(ref givenBack);
                else
                {
                    job.telemetry.DeliveryEnded(outcome.Delivery.WorkspaceId, outcome.Status);
                    Interlocked.Increment(ref ended);
                }
                if (outcome.Status == DeliveryStatus.Pending && outcome.NextAttemptAt is { } next) job.dispatcher.WakeAt(next);
                await job.notifier.PublishAsync(outcome.Change);
            }
        }
    }
}
