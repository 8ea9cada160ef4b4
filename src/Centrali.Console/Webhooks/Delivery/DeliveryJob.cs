using Centrali.Console.Data;
using Centrali.Console.Operations;
using Centrali.Console.Operations.Alerts;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>
/// One attempt of one delivery, run by the dispatcher: claim (lease), sign and send, record the attempt and
/// the delivery's new state in one transaction, then schedule the next attempt or finish.
/// </summary>
public sealed class DeliveryJob(
    IDbContextFactory<AppDbContext> dbs,
    DeliverySender sender,
    CircuitBreaker circuits,
    RetrySchedule retries,
    SubscriptionSecrets secrets,
    DeliveryQueue queue,
    DeliveryNotifier notifier,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    Telemetry telemetry,
    EndpointHealthService health,
    ILogger<DeliveryJob> log)
{
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(5);

    public async Task AttemptAsync(Guid deliveryId, int attempt)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var leaseUntil = now + options.Value.Timeout + LeaseMargin;
        await using var db = await dbs.CreateDbContextAsync();

        if (!await ClaimAsync(db, deliveryId, attempt, now, leaseUntil)) return;

        // One read for the delivery, its event and its subscription (null once deleted).
        var claimed = await (from d in db.Deliveries.Include(d => d.Event)
                             where d.Id == deliveryId
                             join s in db.Subscriptions on d.SubscriptionId equals s.Id into subscriptions
                             from s in subscriptions.DefaultIfEmpty()
                             select new { Delivery = d, Subscription = (Subscription?)s }).FirstAsync();
        var (delivery, subscription) = (claimed.Delivery, claimed.Subscription);
        if (subscription is null || subscription.Status != SubscriptionStatus.Active)
        {
            await FinishWithoutSendingAsync(db, delivery, subscription is null ? "The subscription was deleted." : "The subscription is inactive.");
            return;
        }

        var gate = await circuits.EnterAsync(db, subscription.Url);
        if (!gate.Go)
        {
            await DeferAsync(db, delivery, gate.WaitUntil!.Value);
            return;
        }

        string secret;
        string? previousSecret;
        try
        {
            secret = secrets.SigningSecret(subscription);
            previousSecret = secrets.PreviousSigningSecret(subscription, time.GetUtcNow().UtcDateTime);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            await FinishWithoutSendingAsync(db, delivery, "The signing secret cannot be decrypted (the Data Protection keys in the database changed); rotate the secret.");
            return;
        }

        using var span = Telemetry.StartAttempt(delivery, delivery.AttemptCount + 1);
        var result = await sender.SendAsync(new SendRequest(delivery.Id, delivery.EventId, delivery.EventType, subscription.Url,
            delivery.Event!.Body, new SignatureScheme(subscription.SignatureHeader, subscription.Algorithm, subscription.Encoding, subscription.SignaturePrefix),
            secret, previousSecret));

        await RecordAsync(db, delivery, subscription, result, gate);
    }

    async Task<bool> ClaimAsync(AppDbContext db, Guid deliveryId, int attempt, DateTime now, DateTime leaseUntil)
    {
        if (await TryLeaseAsync(db, deliveryId, now, leaseUntil)) return true;

        // Hangfire keeps schedules to the whole second, so a retry can arrive a little before its delivery is due: put it back for then.
        var early = await db.Deliveries.AsNoTracking()
            .Where(d => d.Id == deliveryId && d.Status == DeliveryStatus.Pending && d.NextAttemptAt > now && (d.LeaseUntil == null || d.LeaseUntil < now))
            .Select(d => new { d.NextAttemptAt, d.AttemptCount }).FirstOrDefaultAsync();
        // Only the hand-off for the delivery's next attempt reschedules; a stale duplicate just ends.
        if (early?.NextAttemptAt is not { } due || early.AttemptCount + 1 != attempt) return false;
        queue.Schedule(deliveryId, early.AttemptCount + 1, due);
        return false;
    }

    /// <summary>The conditional update of ARCHITECTURE.md: zero rows means another worker has it or it is not due.</summary>
    static async Task<bool> TryLeaseAsync(AppDbContext db, Guid deliveryId, DateTime now, DateTime leaseUntil) =>
        await db.Deliveries
            .Where(d => d.Id == deliveryId && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now
                        && (d.LeaseUntil == null || d.LeaseUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.LeaseUntil, leaseUntil)) == 1;

    async Task RecordAsync(AppDbContext db, Delivery delivery, Subscription subscription, SendResult result, CircuitGate gate)
    {
        var number = delivery.AttemptCount + 1;
        var gone = result.StatusCode == 410;
        var delay = result.Succeeded || gone ? null : retries.DelayAfter(number, result.StatusCode ?? 0, result.RetryAfter);
        var now = time.GetUtcNow().UtcDateTime;

        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            db.Attempts.Add(new Attempt
            {
                DeliveryId = delivery.Id,
                Number = number,
                StartedAt = result.StartedAt,
                DurationMs = result.DurationMs,
                StatusCode = result.StatusCode,
                Error = result.Error,
                ResponseBody = result.ResponseBody,
                ResponseHeaders = result.ResponseHeaders,
                RequestHeaders = result.RequestHeaders,
            });
            delivery.AttemptCount = number;
            delivery.LastStatusCode = result.StatusCode;
            delivery.LastError = result.Error;
            delivery.LeaseUntil = null;
            if (result.Succeeded) Finish(delivery, DeliveryStatus.Succeeded, now);
            else if (delay is { } d) delivery.NextAttemptAt = now + d;
            else Finish(delivery, DeliveryStatus.Failed, now);

            if (gone)
            {
                // 410 Gone: the receiver says this endpoint is retired; stop sending to it, visibly.
                delivery.LastError = "HTTP 410 Gone: the subscription was set inactive.";
                await db.Subscriptions.Where(s => s.Id == subscription.Id).ExecuteUpdateAsync(s => s
                    .SetProperty(x => x.Status, SubscriptionStatus.Inactive)
                    .SetProperty(x => x.DisabledReason, $"The receiver answered 410 Gone on {now:u}.")
                    .SetProperty(x => x.UpdatedAt, now));
            }
            if (!(result.Succeeded && gate.Clean)) await circuits.RecordAsync(db, subscription.Url, result.Succeeded);
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        telemetry.AttemptFinished(delivery.WorkspaceId, delivery.Status, TimeSpan.FromMilliseconds(result.DurationMs));
        await health.AttemptsRecordedAsync([new AttemptOutcome(delivery.WorkspaceId, subscription.Id, delivery.Id, delivery.EventType, result.Succeeded, delivery.Status, now, delivery.LastError)]);

        if (delivery.Status == DeliveryStatus.Pending) queue.Schedule(delivery.Id, number + 1, delivery.NextAttemptAt!.Value);
        if (!result.Succeeded)
            log.LogInformation("Delivery {DeliveryId} attempt {Attempt} to subscription {SubscriptionId} failed: {Error}",
                delivery.Id, number, subscription.Id, result.Error);
        await notifier.PublishAsync(delivery.ToChange());
    }

    async Task DeferAsync(AppDbContext db, Delivery delivery, DateTime until)
    {
        delivery.NextAttemptAt = until;
        delivery.LeaseUntil = null;
        delivery.LastError = $"Waiting: the circuit of this URL is open until {until:u}; no attempt was spent.";
        await db.SaveChangesAsync();
        queue.Schedule(delivery.Id, delivery.AttemptCount + 1, until);
        await notifier.PublishAsync(delivery.ToChange());
    }

    async Task FinishWithoutSendingAsync(AppDbContext db, Delivery delivery, string reason)
    {
        delivery.LastError = reason;
        delivery.LeaseUntil = null;
        Finish(delivery, DeliveryStatus.Failed, time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync();
        telemetry.DeliveryEnded(delivery.WorkspaceId, delivery.Status);
        await notifier.PublishAsync(delivery.ToChange());
    }

    static void Finish(Delivery d, string status, DateTime now)
    {
        d.Status = status;
        d.NextAttemptAt = null;
        d.CompletedAt = now;
    }
}

public static class DeliveryChanges
{
    public static DeliveryChanged ToChange(this Delivery d) => new(d.Id, d.WorkspaceId, d.SubscriptionId, d.EventId, d.EventType,
        d.Status, d.AttemptCount, d.MaxAttempts, d.NextAttemptAt, d.LastStatusCode, d.ReplayedFrom);
}
